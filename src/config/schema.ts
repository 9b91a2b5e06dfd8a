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
  trustProxy: {
    env: "TRUST_PROXY",
    type: "string",
    description:
      "The proxies in front of modelgate whose X-Forwarded-For names the client: their addresses or CIDR ranges, comma-separated (loopback, linklocal and uniquelocal name those ranges), or how many proxies there are (1-10). The client's address keys the budget of requests with invalid keys (AUTH_FAILED_ATTEMPTS_PER_MINUTE): behind a load balancer, unset, every client shares the balancer's. true (any sender) is refused. Unset: the connection's address.",
    neededBy: "serve behind a load balancer",
    example: "10.0.0.0/8",
  } satisfies StringVar,
  // Browsers (CORS). Unset CORS_ORIGINS: no CORS header at all, as before.
  corsOrigins: {
    env: "CORS_ORIGINS",
    type: "string",
    description:
      "Browser origins allowed to call the API, comma-separated (or a JSON list, as the seeds' service reads it); * allows any origin (not with CORS_ALLOW_CREDENTIALS=true). Each entry is an origin, scheme://host[:port], checked at start. Preflights are answered; X-API-Key, Authorization and Content-Type may be sent. Unset: no CORS headers.",
    neededBy: "browser front ends",
    example: "http://localhost:3000,https://app.example.com",
  } satisfies StringVar,
  corsAllowCredentials: {
    env: "CORS_ALLOW_CREDENTIALS",
    type: "bool",
    default: false,
    description:
      "Send Access-Control-Allow-Credentials: true, so browsers may send cookies or HTTP auth to the listed CORS_ORIGINS (an API key header does not need it). Refused with CORS_ORIGINS=*.",
    neededBy: "CORS_ORIGINS",
  } satisfies BoolVar,
  corsMaxAgeS: {
    env: "CORS_MAX_AGE_S",
    type: "int",
    default: 600,
    min: 0,
    max: 86_400,
    description:
      "How long browsers may reuse a preflight answer (Access-Control-Max-Age, seconds) before asking again.",
    neededBy: "CORS_ORIGINS",
  } satisfies IntVar,
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
  databaseConnectTimeoutMs: {
    env: "DATABASE_CONNECT_TIMEOUT_MS",
    type: "int",
    default: 5_000,
    min: 50,
    max: 120_000,
    description:
      "How long opening a PostgreSQL connection (or waiting for a free one in the pool) may take; past it the request gets 503 store_unavailable.",
    neededBy: "DATABASE_URL",
  } satisfies IntVar,
  databaseQueryTimeoutMs: {
    env: "DATABASE_QUERY_TIMEOUT_MS",
    type: "int",
    default: 10_000,
    min: 50,
    max: 600_000,
    description:
      "How long one PostgreSQL query may run (the server's statement_timeout). A query with no answer 1 s later is presumed lost on the network: its connection is replaced and the request gets 503 store_unavailable. Migrations at start-up are not bound by it.",
    neededBy: "DATABASE_URL",
  } satisfies IntVar,
  // Fleet: shared Redis, the external auth service, rate limits, usage records (docs/fleet.md).
  redisUrl: {
    env: "REDIS_URL",
    type: "url",
    secret: true,
    description:
      "Redis shared by every replica (redis://, or rediss:// for TLS) for exact rate limits and key/model invalidation. Unset: both work per process.",
    neededBy: "rate limits and invalidation across replicas",
    example: "rediss://redis.internal:6379",
  } satisfies StringVar,
  redisAuthToken: {
    env: "REDIS_AUTH_TOKEN",
    type: "string",
    secret: true,
    description:
      "Redis AUTH password (an ElastiCache auth token); overrides a password in REDIS_URL.",
    neededBy: "a Redis that requires AUTH",
  } satisfies StringVar,
  redisKeyPrefix: {
    env: "REDIS_KEY_PREFIX",
    type: "string",
    default: "modelgate:",
    description:
      "Prefix of every Redis key and pub/sub channel modelgate uses, so several deployments (staging and production, or tests) can share one Redis without seeing each other's limits or invalidations.",
    neededBy: "REDIS_URL",
  } satisfies StringVar,
  redisConnectTimeoutMs: {
    env: "REDIS_CONNECT_TIMEOUT_MS",
    type: "int",
    default: 2_000,
    min: 50,
    max: 60_000,
    description:
      "How long connecting to Redis (and its first answer) may take before the connection is dropped and tried again; meanwhile the service runs degraded.",
    neededBy: "REDIS_URL",
  } satisfies IntVar,
  redisCommandTimeoutMs: {
    env: "REDIS_COMMAND_TIMEOUT_MS",
    type: "int",
    default: 500,
    min: 10,
    max: 60_000,
    description:
      "How long one Redis command may wait for its answer; past it the request falls back to per-replica rate limits (degraded) and the connection is replaced.",
    neededBy: "REDIS_URL",
  } satisfies IntVar,
  authServiceUrl: {
    env: "AUTH_SERVICE_URL",
    type: "url",
    aliases: ["HOKUSAI_AUTH_SERVICE_URL"],
    description:
      "External auth service: when set, API keys are validated by POST {url}/api/v1/keys/validate instead of the local key store.",
    neededBy: "API key validation by an external auth service",
    example: "https://auth.internal",
  } satisfies StringVar,
  authServiceId: {
    env: "AUTH_SERVICE_ID",
    type: "string",
    default: "platform",
    description:
      "The service_id sent to the external auth service with every validation, usage report and debit. The default is the seeds' service's own (its keys are issued for it and its usage rows are counted under it); an older version of that service sent ml-platform.",
    neededBy: "AUTH_SERVICE_URL",
  } satisfies StringVar,
  authServiceTimeoutMs: {
    env: "AUTH_SERVICE_TIMEOUT_MS",
    type: "int",
    default: 2_000,
    min: 50,
    max: 30_000,
    description:
      "How long one call to the external auth service may take; past it the request gets 503 auth_unavailable.",
    neededBy: "AUTH_SERVICE_URL",
  } satisfies IntVar,
  authServiceCacheTtlMs: {
    env: "AUTH_SERVICE_CACHE_TTL_MS",
    type: "int",
    default: 30_000,
    min: 0,
    max: 3_600_000,
    description:
      "How long a key the external auth service accepted is trusted without asking again (a revoke there takes up to this long).",
    neededBy: "AUTH_SERVICE_URL",
  } satisfies IntVar,
  authServiceInvalidCacheTtlMs: {
    env: "AUTH_SERVICE_INVALID_CACHE_TTL_MS",
    type: "int",
    default: 5_000,
    min: 0,
    max: 3_600_000,
    description:
      "How long a key the external auth service refused is refused without asking again (a new key there takes up to this long).",
    neededBy: "AUTH_SERVICE_URL",
  } satisfies IntVar,
  usageReport: {
    env: "USAGE_REPORT",
    type: "bool",
    default: true,
    description:
      "With AUTH_SERVICE_URL set, report every authenticated request to POST {url}/api/v1/usage/{key_id} after its answer, as the seeds' service does (queued, retried, never delaying or failing the request). false: no reports.",
    neededBy: "AUTH_SERVICE_URL",
  } satisfies BoolVar,
  usageReportQueueMax: {
    env: "USAGE_REPORT_QUEUE_MAX",
    type: "int",
    default: 10_000,
    min: 1,
    max: 1_000_000,
    description:
      "Usage reports kept in memory while the auth service does not take them; past it the oldest is dropped and counted (/health usage_reports.dropped_queue_full).",
    neededBy: "USAGE_REPORT",
  } satisfies IntVar,
  usageReportConcurrency: {
    env: "USAGE_REPORT_CONCURRENCY",
    type: "int",
    default: 128,
    min: 1,
    max: 512,
    description:
      "Usage reports awaiting the auth service's answer at once, pipelined over at most 8 connections. Reports a second ≈ this / the round trip to the service (128 at 20 ms: 6,400/s); a replica answering faster than that for long fills its queue.",
    neededBy: "USAGE_REPORT",
  } satisfies IntVar,
  usageReportRetries: {
    env: "USAGE_REPORT_RETRIES",
    type: "int",
    default: 5,
    min: 0,
    max: 100,
    description:
      "Times a usage report the auth service answered with a 5xx is sent again (exponential backoff with jitter; a 429 or 503 waits its Retry-After) before it is dropped and counted. Reports that cannot reach the service at all wait in the queue instead.",
    neededBy: "USAGE_REPORT",
  } satisfies IntVar,
  usageDebit: {
    env: "USAGE_DEBIT",
    type: "bool",
    default: false,
    description:
      "Debit each prediction before it runs: POST {AUTH_SERVICE_URL}/api/v1/usage/{key_id}/debit. The service's 402 is answered 402 insufficient_balance with its reason; when the debit cannot be made the prediction gets 503 auth_unavailable (see USAGE_DEBIT_FAIL_OPEN). Needs AUTH_SERVICE_URL.",
    neededBy: "billing by the external auth service",
  } satisfies BoolVar,
  usageDebitFailOpen: {
    env: "USAGE_DEBIT_FAIL_OPEN",
    type: "bool",
    default: false,
    description:
      "With USAGE_DEBIT=true: serve a prediction whose debit could not be made (service down, slow or failing) instead of 503 — free predictions, logged as a warning. A refused debit (402) is never served.",
    neededBy: "USAGE_DEBIT",
  } satisfies BoolVar,
  authCacheTtlMs: {
    env: "AUTH_CACHE_TTL_MS",
    type: "int",
    default: 1_000,
    min: 0,
    max: 1_000,
    description:
      "How long a local key verification is reused without asking the store; at most 1000 so a revoke is seen by every replica within 1 s.",
    neededBy: "serve",
  } satisfies IntVar,
  authFailedAttemptsPerMinute: {
    env: "AUTH_FAILED_ATTEMPTS_PER_MINUTE",
    type: "int",
    default: 60,
    min: 0,
    max: 1_000_000,
    description:
      "Requests with an invalid API key one client address (an IPv6 /64) may make per minute on a replica; past it they get 429 auth_failures_limited without any check, until the minute ends (keys verified recently still pass). 0 turns the limit off.",
    neededBy: "serve",
  } satisfies IntVar,
  rateLimitDefaultPerHour: {
    env: "RATE_LIMIT_DEFAULT_PER_HOUR",
    type: "int",
    default: 1_000,
    min: 0,
    description:
      "Requests per hour for a new API key created without --rate-limit-per-hour (0 = unlimited).",
    neededBy: "keys create, serve",
  } satisfies IntVar,
  usageFlushMs: {
    env: "USAGE_FLUSH_MS",
    type: "int",
    default: 1_000,
    min: 10,
    max: 60_000,
    description:
      "How often buffered usage records are written to the store (the hot path never waits on it).",
    neededBy: "serve (usage records)",
  } satisfies IntVar,
  usageBatchSize: {
    env: "USAGE_BATCH_SIZE",
    type: "int",
    default: 500,
    min: 1,
    max: 10_000,
    description:
      "Usage records written per statement; a full batch is written at once, before USAGE_FLUSH_MS.",
    neededBy: "serve (usage records)",
  } satisfies IntVar,
  usageBufferMax: {
    env: "USAGE_BUFFER_MAX",
    type: "int",
    default: 100_000,
    min: 1,
    max: 10_000_000,
    description:
      "Usage records kept in memory while the store is unreachable; past it new records are dropped, counted and logged.",
    neededBy: "serve (usage records)",
  } satisfies IntVar,
  usageRetentionDays: {
    env: "USAGE_RETENTION_DAYS",
    type: "int",
    default: 30,
    min: 0,
    max: 3650,
    description:
      "Days raw usage records (one a request) are kept; older ones are deleted in bounded batches in the background. Hourly rollups per key and model are kept, so `modelgate usage --since 90d` still answers. 0 keeps raw records forever.",
    neededBy: "serve (usage records)",
  } satisfies IntVar,
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
  hfHubOffline: {
    env: "HF_HUB_OFFLINE",
    type: "bool",
    default: false,
    description:
      "Never contact the Hub, an MLflow tracking server or http(s) sources: serve only packages already verified in the disk cache (MODELGATE_DATA_DIR/artifacts).",
    neededBy: "models whose source is hf://, models:/ or http(s)",
  } satisfies BoolVar,
  // The MLflow model registry (sources models:/NAME/VERSION, models:/NAME@ALIAS).
  mlflowTrackingUri: {
    env: "MLFLOW_TRACKING_URI",
    type: "url",
    description:
      "The MLflow tracking server's http(s) URL, asked through its REST API for models registered with a models:/NAME/VERSION or models:/NAME@ALIAS source (artifacts proxied by it as mlflow-artifacts:/, or at http(s) URLs).",
    neededBy: "models whose source is models:/ (MLflow)",
    example: "https://mlflow.internal.example:5000",
  } satisfies StringVar,
  mlflowTrackingToken: {
    env: "MLFLOW_TRACKING_TOKEN",
    type: "string",
    secret: true,
    description:
      "Token sent to the MLflow tracking server as Authorization: Bearer (wins over username and password), only to MLFLOW_TRACKING_URI's origin.",
    neededBy: "models whose source is models:/ on a tracking server that requires credentials",
    example: "mlflow-token-xxxxxxxx",
  } satisfies StringVar,
  mlflowTrackingUsername: {
    env: "MLFLOW_TRACKING_USERNAME",
    type: "string",
    description:
      "User for the MLflow tracking server's basic auth (with MLFLOW_TRACKING_PASSWORD), when MLFLOW_TRACKING_TOKEN is not set.",
    neededBy: "models whose source is models:/ on a tracking server with basic auth",
    example: "modelgate",
  } satisfies StringVar,
  mlflowTrackingPassword: {
    env: "MLFLOW_TRACKING_PASSWORD",
    type: "string",
    secret: true,
    description:
      "Password for the MLflow tracking server's basic auth (with MLFLOW_TRACKING_USERNAME).",
    neededBy: "models whose source is models:/ on a tracking server with basic auth",
    example: "a-long-random-password",
  } satisfies StringVar,
  mlflowTrackingInsecureTls: {
    env: "MLFLOW_TRACKING_INSECURE_TLS",
    type: "bool",
    default: false,
    description:
      "Do not verify the MLflow tracking server's TLS certificate, as MLflow's client reads it: for MLFLOW_TRACKING_URI's origin only (its REST API and the artifacts it proxies), never another host and never process-wide. For a test server: a warning is logged at start, and `modelgate doctor` shows it. Refused together with MLFLOW_TRACKING_SERVER_CERT_PATH (MLflow's client refuses both too): neither wins.",
    neededBy: "models whose source is models:/ on a tracking server with a self-signed certificate",
  } satisfies BoolVar,
  mlflowTrackingServerCertPath: {
    env: "MLFLOW_TRACKING_SERVER_CERT_PATH",
    type: "path",
    description:
      "PEM file of the CA certificate(s) trusted for the MLflow tracking server, as MLflow's client reads it: for MLFLOW_TRACKING_URI's origin only, in place of the system's CAs there. Read at start: a missing, unreadable or non-PEM file is a configuration error. Refused together with MLFLOW_TRACKING_INSECURE_TLS.",
    neededBy:
      "models whose source is models:/ on a tracking server whose certificate a private CA signed",
    example: "/etc/ssl/certs/mlflow-ca.pem",
  } satisfies StringVar,
  sourceTimeoutMs: {
    env: "MODELGATE_SOURCE_TIMEOUT_MS",
    type: "int",
    default: 30_000,
    min: 100,
    max: 600_000,
    description:
      "How long one request to a model source (the Hub, an http(s) server) may wait for an answer, and how long a download may stall between bytes; past it the attempt is retried, then the model gets 503 source_unreachable.",
    neededBy: "models whose source is hf:// or http(s)",
  } satisfies IntVar,
  sourceRetries: {
    env: "MODELGATE_SOURCE_RETRIES",
    type: "int",
    default: 3,
    min: 0,
    max: 10,
    description:
      "Retries of a request to a model source that failed with a 5xx, a 429 or a network error, with exponential backoff and jitter (Retry-After is honoured).",
    neededBy: "models whose source is hf:// or http(s)",
  } satisfies IntVar,
  sourceDownloadTimeoutS: {
    env: "MODELGATE_SOURCE_DOWNLOAD_TIMEOUT_S",
    type: "int",
    default: 1800,
    min: 1,
    max: 86_400,
    description:
      "Longest time one file of a model package may take to download, retries included; past it the download stops and the model gets 503 source_unreachable (a slow-dripping or endless source).",
    neededBy: "models whose source is hf:// or http(s)",
  } satisfies IntVar,
  modelMaxPackageMb: {
    env: "MODEL_MAX_PACKAGE_MB",
    type: "int",
    default: 2048,
    min: 1,
    max: 1_048_576,
    description:
      "Largest model package a source may deliver: the files modelgate.json names (and, for a .tar.gz, everything it decompresses to); past it the model gets 503 source_too_large and nothing is kept on disk.",
    neededBy: "models (every source)",
  } satisfies IntVar,
  modelMaxArchiveRatio: {
    env: "MODEL_MAX_ARCHIVE_RATIO",
    type: "int",
    default: 100,
    min: 2,
    max: 100_000,
    description:
      "Largest decompressed-to-compressed size ratio of a .tar.gz package (past its first MiB): a compression bomb stops early with 503 source_too_large.",
    neededBy: "models whose source is an http(s) .tar.gz",
  } satisfies IntVar,
  modelCacheMaxMb: {
    env: "MODEL_CACHE_MAX_MB",
    type: "int",
    default: 1024,
    min: 1,
    max: 1_048_576,
    description:
      "Memory budget for loaded models (counted as their model files' size); past it the least recently used model is unloaded.",
    neededBy: "serve (model cache)",
  } satisfies IntVar,
  bodyLimitBytes: {
    env: "MODELGATE_BODY_LIMIT_BYTES",
    type: "int",
    default: 1_048_576,
    min: 1024,
    max: 104_857_600,
    description: "Largest request body accepted; larger bodies get HTTP 413.",
    neededBy: "serve",
  } satisfies IntVar,
  requestTimeoutMs: {
    env: "MODELGATE_REQUEST_TIMEOUT_MS",
    type: "int",
    default: 30_000,
    min: 1_000,
    max: 600_000,
    description:
      "How long a client may take to send a whole request (headers and body); past it the request gets HTTP 408 and its connection is closed. The time the model takes to answer is not counted.",
    neededBy: "serve",
  } satisfies IntVar,
  headersTimeoutMs: {
    env: "MODELGATE_HEADERS_TIMEOUT_MS",
    type: "int",
    default: 10_000,
    min: 500,
    max: 600_000,
    description:
      "How long a client may take to send a request's headers (at most MODELGATE_REQUEST_TIMEOUT_MS); past it HTTP 408.",
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
  // Prometheus metrics (GET /metrics).
  metricsEnabled: {
    env: "METRICS_ENABLED",
    type: "bool",
    default: true,
    description:
      "Serve Prometheus metrics on GET /metrics and count them. false: no /metrics and nothing counted.",
    neededBy: "serve (/metrics)",
  } satisfies BoolVar,
  metricsToken: {
    env: "METRICS_TOKEN",
    type: "string",
    secret: true,
    description:
      "When set, GET /metrics needs it as Authorization: Bearer <token> (401 metrics_unauthorized without it). Unset: /metrics is open.",
    neededBy: "serve (/metrics)",
    example: "a-long-random-string",
  } satisfies StringVar,
  metricsPort: {
    env: "METRICS_PORT",
    type: "int",
    min: 0,
    max: 65535,
    description:
      "Serve /metrics on this port (on HOST) instead of the API's port, e.g. to keep it off a public listener. Unset: /metrics is on PORT.",
    neededBy: "serve (/metrics)",
    example: "9464",
  } satisfies IntVar,
  registerExample: {
    env: "MODELGATE_REGISTER_EXAMPLE",
    type: "bool",
    default: true,
    description:
      "Register the shipped Sales Lead Scoring model as model 21 on a new store, whichever command opens it first (serve, keys, models); once removed it stays removed (a marker in the store).",
    neededBy: "serve, keys, models",
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
  : S extends { type: "int" }
    ? number | undefined
    : string | undefined;

/** The parsed, typed configuration. */
export type Config = { readonly [K in ConfigKey]: ValueOf<ConfigSchema[K]> };

export function schemaEntries(): [ConfigKey, VarSpec][] {
  return Object.entries(CONFIG_SCHEMA) as [ConfigKey, VarSpec][];
}
