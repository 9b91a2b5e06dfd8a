export type { Config, ConfigKey, VarSpec } from "./schema.js";
export { CONFIG_SCHEMA, schemaEntries } from "./schema.js";
export type { Env, LoadedConfig, Origin } from "./load.js";
export { loadConfig, loadConfigOrThrow } from "./load.js";
export type { ConfigRow } from "./show.js";
export type { TrustProxy } from "./trust-proxy.js";
export { trustProxyOf } from "./trust-proxy.js";
export { configRows, maskSecret } from "./show.js";

/**
 * The process environment. This folder is the only place that touches `process.env`; the
 * entry point passes the result to loadConfig and everything downstream gets the frozen Config.
 */
export function processEnv(): Record<string, string | undefined> {
  return { ...process.env };
}
