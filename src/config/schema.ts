/**
 * The one declared schema of every environment variable modelgate reads. Nothing else in the
 * code reads `process.env`: the loader (./load.ts) parses these once at boot, the result is
 * frozen and passed in. `config show`, `config docs` and the drift checks read this table too.
 */

export type VarType = "string" | "int" | "bool" | "enum" | "url" | "path";

interface VarBase<T> {
  /** The environment variable's name. */
  env: string;
  type: VarType;
  /** Older or ecosystem names also accepted (the canonical name wins when both are set). */
  aliases?: readonly string[];
  /** A secret is masked in every output; `<NAME>_FILE` is accepted for any secret. */
  secret?: boolean;
  default?: T;
  description: string;
  /** What needs this variable, for docs and requirement messages. */
  neededBy: string;
  /** A value that is only an example, for .env.example and docs. */
  example?: string;
  /** Phantom field carrying the parsed value's type. */
  readonly __value?: T;
}

export interface IntVar extends VarBase<number> {
  type: "int";
  min?: number;
  max?: number;
}
export interface BoolVar extends VarBase<boolean> {
  type: "bool";
}
export interface StringVar extends VarBase<string> {
  type: "string" | "url" | "path";
}
export interface EnumVar<V extends string = string> extends VarBase<V> {
  type: "enum";
  values: readonly V[];
}
export type VarSpec = IntVar | BoolVar | StringVar | EnumVar;

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
const NODE_ENVS = ["development", "production", "test"] as const;

export const CONFIG_SCHEMA = {
  port: {
    env: "PORT",
    type: "int",
    default: 8001,
    min: 0,
    max: 65535,
    description: "TCP port the HTTP API listens on (0 picks a free port).",
    neededBy: "serve",
  } satisfies IntVar,
  host: {
    env: "HOST",
    type: "string",
    default: "127.0.0.1",
    description:
      "Address the HTTP API binds to. The default only accepts local connections; set 0.0.0.0 in a container.",
    neededBy: "serve",
    example: "0.0.0.0",
  } satisfies StringVar,
  logLevel: {
    env: "LOG_LEVEL",
    type: "enum",
    values: LOG_LEVELS,
    default: "info",
    description: "Least severe log level written (JSON lines on stdout).",
    neededBy: "serve",
  } satisfies EnumVar<(typeof LOG_LEVELS)[number]>,
  nodeEnv: {
    env: "NODE_ENV",
    type: "enum",
    values: NODE_ENVS,
    default: "development",
    description:
      "production makes start-up strict: an unmet model requirement stops the service instead of a warning.",
    neededBy: "serve",
  } satisfies EnumVar<(typeof NODE_ENVS)[number]>,
  dataDir: {
    env: "MODELGATE_DATA_DIR",
    type: "path",
    default: ".modelgate",
    description:
      "Folder for the embedded database, the model cache and the admin socket (relative to the working directory).",
    neededBy: "serve, keys, models, config",
  } satisfies StringVar,
  databaseUrl: {
    env: "DATABASE_URL",
    type: "url",
    secret: true,
    description:
      "PostgreSQL connection URL. Unset: the embedded database in MODELGATE_DATA_DIR is used (one process only).",
    neededBy: "store (several replicas)",
    example: "postgres://modelgate:password@db.internal:5432/modelgate",
  } satisfies StringVar,
  huggingfaceApiKey: {
    env: "HUGGINGFACE_API_KEY",
    type: "string",
    aliases: ["HF_TOKEN"],
    secret: true,
    description:
      "Hugging Face access token (hf_…) for models stored in private Hub repositories (sources hf://owner/repo).",
    neededBy: "models whose source is a private Hugging Face repository",
    example: "hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
  } satisfies StringVar,
  hfEndpoint: {
    env: "HF_ENDPOINT",
    type: "url",
    default: "https://huggingface.co",
    description: "Base URL of the Hugging Face Hub (a mirror or a private Hub).",
    neededBy: "models whose source is hf://",
  } satisfies StringVar,
  bodyLimitBytes: {
    env: "MODELGATE_BODY_LIMIT_BYTES",
    type: "int",
    default: 1_048_576,
    min: 1024,
    max: 104_857_600,
    description: "Largest request body accepted; larger bodies get HTTP 413.",
    neededBy: "serve",
  } satisfies IntVar,
  shutdownTimeoutMs: {
    env: "MODELGATE_SHUTDOWN_TIMEOUT_MS",
    type: "int",
    default: 10_000,
    min: 0,
    max: 600_000,
    description:
      "On SIGTERM, how long in-flight requests may take before the process exits anyway.",
    neededBy: "serve",
  } satisfies IntVar,
  shutdownDrainMs: {
    env: "MODELGATE_SHUTDOWN_DRAIN_MS",
    type: "int",
    default: 500,
    min: 0,
    max: 60_000,
    description:
      "On SIGTERM, how long to keep answering (with /ready at 503 and Connection: close) before the listener closes, so load balancers and keep-alive clients move away without a reset.",
    neededBy: "serve",
  } satisfies IntVar,
  registerExample: {
    env: "MODELGATE_REGISTER_EXAMPLE",
    type: "bool",
    default: true,
    description:
      "Register the shipped Sales Lead Scoring model as model 21 when no model is registered yet.",
    neededBy: "serve",
  } satisfies BoolVar,
  bootstrapAdminKey: {
    env: "MODELGATE_BOOTSTRAP_ADMIN_KEY",
    type: "bool",
    default: true,
    description:
      "On the first start with an empty key store, create one admin API key and print it once.",
    neededBy: "serve",
  } satisfies BoolVar,
} as const;

export type ConfigSchema = typeof CONFIG_SCHEMA;
export type ConfigKey = keyof ConfigSchema;

type ValueOf<S> = S extends { default: infer D }
  ? D extends readonly unknown[]
    ? never
    : S extends { values: readonly (infer V)[] }
      ? V
      : D extends number
        ? number
        : D extends boolean
          ? boolean
          : string
  : string | undefined;

/** The parsed, typed configuration. */
export type Config = { readonly [K in ConfigKey]: ValueOf<ConfigSchema[K]> };

export function schemaEntries(): [ConfigKey, VarSpec][] {
  return Object.entries(CONFIG_SCHEMA) as [ConfigKey, VarSpec][];
}
