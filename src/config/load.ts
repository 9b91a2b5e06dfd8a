import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { ModelgateError } from "../errors.js";
import { mlflowTlsProblems } from "../sources/mlflow/tls.js";
import { corsProblems } from "./cors.js";
import { trustProxyProblems } from "./trust-proxy.js";
import type { Config, ConfigKey, VarSpec } from "./schema.js";
import { schemaEntries } from "./schema.js";

export type Env = Readonly<Record<string, string | undefined>>;

/** Where an effective value came from, for `config show` and messages. */
export type Origin =
  | { from: "default" }
  | { from: "unset" }
  | { from: "env"; name: string }
  | { from: "file"; name: string; path: string };

export interface LoadedConfig {
  config: Config;
  origins: Readonly<Record<ConfigKey, Origin>>;
  /** One line per problem, each naming the variable and what to do. Empty when valid. */
  problems: string[];
}

export interface LoadOptions {
  /** Base for relative paths (MODELGATE_DATA_DIR). */
  cwd: string;
}

interface RawValue {
  raw: string;
  origin: Origin;
}

/** Pick the raw text of one variable: canonical name, then aliases; `<NAME>_FILE` for secrets. */
function pickRaw(spec: VarSpec, env: Env, problems: string[]): RawValue | undefined {
  for (const name of [spec.env, ...(spec.aliases ?? [])]) {
    const direct = env[name];
    const fileVar = `${name}_FILE`;
    const filePath = spec.secret ? env[fileVar] : undefined;
    if (direct !== undefined && direct !== "" && filePath) {
      problems.push(`${name} and ${fileVar} are both set: keep only one of them.`);
      return undefined;
    }
    if (direct !== undefined && direct !== "")
      return { raw: direct, origin: { from: "env", name } };
    if (filePath) {
      try {
        // Secret files conventionally end with a newline (docker/k8s secrets): drop it.
        const raw = readFileSync(filePath, "utf8").replace(/\r?\n$/, "");
        if (raw === "") {
          problems.push(`${fileVar} points to ${filePath}, which is empty: put the value in it.`);
          return undefined;
        }
        return { raw, origin: { from: "file", name: fileVar, path: filePath } };
      } catch (err) {
        const reason = (err as NodeJS.ErrnoException).code ?? "unreadable";
        problems.push(
          `${fileVar} points to ${filePath}, which cannot be read (${reason}): fix the path or its permissions.`,
        );
        return undefined;
      }
    }
  }
  return undefined;
}

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["0", "false", "no", "off"]);

/** Parse one raw value; returns the problem sentence on failure (never echoing a secret). */
function parseValue(
  spec: VarSpec,
  name: string,
  raw: string,
  cwd: string,
): { value?: unknown; problem?: string } {
  const shown = spec.secret ? "the value" : JSON.stringify(raw);
  switch (spec.type) {
    case "int": {
      if (!/^-?\d+$/.test(raw.trim()))
        return { problem: `${name} must be a whole number, got ${shown}.` };
      const n = Number(raw.trim());
      if (spec.min !== undefined && n < spec.min)
        return { problem: `${name} must be at least ${spec.min}, got ${n}.` };
      if (spec.max !== undefined && n > spec.max)
        return { problem: `${name} must be at most ${spec.max}, got ${n}.` };
      return { value: n };
    }
    case "bool": {
      const v = raw.trim().toLowerCase();
      if (TRUE.has(v)) return { value: true };
      if (FALSE.has(v)) return { value: false };
      return { problem: `${name} must be true or false, got ${shown}.` };
    }
    case "enum":
      if (!spec.values.includes(raw))
        return { problem: `${name} must be one of ${spec.values.join(", ")}, got ${shown}.` };
      return { value: raw };
    case "url":
      try {
        new URL(raw);
        return { value: raw };
      } catch {
        return {
          problem: `${name} must be a URL (like ${spec.example ?? "https://host/path"}), got ${shown}.`,
        };
      }
    case "path":
      return { value: isAbsolute(raw) ? raw : resolve(cwd, raw) };
    case "string":
      return { value: raw };
  }
}

/** Variables valid one by one that cannot work together. */
function combinationProblems(values: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (values.usageDebit === true && !values.authServiceUrl) {
    problems.push(
      "USAGE_DEBIT=true debits each prediction at the external auth service, but AUTH_SERVICE_URL is not set: set AUTH_SERVICE_URL (or HOKUSAI_AUTH_SERVICE_URL), or USAGE_DEBIT=false.",
    );
  }
  const metricsPort = values.metricsPort;
  if (typeof metricsPort === "number" && metricsPort !== 0 && metricsPort === values.port) {
    problems.push(
      `METRICS_PORT and PORT are both ${metricsPort}: give /metrics another port, or unset METRICS_PORT to serve it on PORT.`,
    );
  }
  return problems;
}

/** Parse every declared variable once, collecting every problem (not just the first). */
export function loadConfig(env: Env, options: LoadOptions): LoadedConfig {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  const origins: Record<string, Origin> = {};
  for (const [key, spec] of schemaEntries()) {
    const picked = pickRaw(spec, env, problems);
    if (picked) {
      const name = picked.origin.from === "file" ? picked.origin.name : spec.env;
      const parsed = parseValue(spec, name, picked.raw, options.cwd);
      if (parsed.problem) problems.push(parsed.problem);
      values[key] = parsed.value;
      origins[key] = picked.origin;
    } else if (spec.default !== undefined) {
      const d = spec.default;
      values[key] = spec.type === "path" && typeof d === "string" ? resolve(options.cwd, d) : d;
      origins[key] = { from: "default" };
    } else {
      values[key] = undefined;
      origins[key] = { from: "unset" };
    }
  }
  problems.push(...corsProblems(values));
  problems.push(...trustProxyProblems(values));
  problems.push(...mlflowTlsProblems(values));
  problems.push(...combinationProblems(values));
  return {
    config: Object.freeze(values) as Config,
    origins: Object.freeze(origins) as Record<ConfigKey, Origin>,
    problems,
  };
}

/** Load and refuse an invalid configuration with every problem listed. */
export function loadConfigOrThrow(env: Env, options: LoadOptions): LoadedConfig {
  const loaded = loadConfig(env, options);
  if (loaded.problems.length > 0) {
    throw new ModelgateError(
      "config_invalid",
      `The configuration is invalid:\n${loaded.problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
  return loaded;
}
