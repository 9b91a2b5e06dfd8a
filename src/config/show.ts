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

/**
 * Hides credentials inside a URL's userinfo (`https://user:token@host`, `https://token@host`)
 * and its query, keeping scheme, host and path so an operator can still tell where it points.
 * Any URL may carry them, secret variable or not (AUTH_SERVICE_URL, HF_ENDPOINT).
 */
export function maskUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Not readable as a URL: nothing tells where a credential in it would start.
    return /@|\?/.test(value) ? "****" : value;
  }
  if (url.password) url.password = "****";
  else if (url.username) url.username = "****";
  if (url.search) url.search = "?****";
  return url.toString();
}

/** Masks a secret; a URL keeps its scheme and host so an operator can still tell where it points. */
export function maskSecret(spec: Pick<VarSpec, "type">, value: string): string {
  if (spec.type !== "url") return "****";
  const masked = maskUrl(value);
  return masked === value && !URL.canParse(value) ? "****" : masked;
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
    else if (spec.type === "url" && typeof raw === "string") value = maskUrl(raw);
    return {
      name: spec.env,
      value,
      secret: spec.secret === true,
      source: describeOrigin(spec, loaded.origins[key]),
      description: spec.description,
    };
  });
}
