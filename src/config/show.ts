import type { LoadedConfig, Origin } from "./load.js";
import type { VarSpec } from "./schema.js";
import { schemaEntries } from "./schema.js";

export interface ConfigRow {
  name: string;
  value: string | number | boolean | null;
  secret: boolean;
  /** "default", "env", "env (alias HF_TOKEN)", "file /run/secrets/x", "unset". */
  source: string;
  description: string;
}

/** Masks a secret; a URL keeps its scheme and host so an operator can still tell where it points. */
export function maskSecret(spec: Pick<VarSpec, "type">, value: string): string {
  if (spec.type === "url") {
    try {
      const url = new URL(value);
      if (url.password) url.password = "****";
      if (url.search) url.search = "?****";
      return url.toString();
    } catch {
      return "****";
    }
  }
  return "****";
}

function describeOrigin(spec: VarSpec, origin: Origin): string {
  switch (origin.from) {
    case "default":
    case "unset":
      return origin.from;
    case "env":
      return origin.name === spec.env ? "env" : `env (alias ${origin.name})`;
    case "file":
      return `file ${origin.path} (${origin.name})`;
  }
}

/** The effective configuration, secrets masked, with where each value came from. */
export function configRows(loaded: LoadedConfig): ConfigRow[] {
  return schemaEntries().map(([key, spec]) => {
    const raw = loaded.config[key];
    let value: ConfigRow["value"] = raw === undefined ? null : raw;
    if (spec.secret && typeof raw === "string") value = maskSecret(spec, raw);
    return {
      name: spec.env,
      value,
      secret: spec.secret === true,
      source: describeOrigin(spec, loaded.origins[key]),
      description: spec.description,
    };
  });
}
