/**
 * What services tell the metrics, as small interfaces with no prom-client types: a service takes
 * the one it needs (optional), and its tests pass a plain object or nothing.
 */

/** One answered HTTP request (the route template, never the raw URL: bounded labels). */
export interface RequestObserver {
  request(method: string, route: string | undefined, status: number, seconds: number): void;
}

/** One model's micro-batcher (src/serving/batcher.ts). */
export interface BatchObserver {
  /** A request waited this long in the queue before its model run started. */
  waited(seconds: number): void;
  /** One model run of `rows` inputs took this long. */
  ran(rows: number, seconds: number): void;
}

/** The loaded-model cache (src/serving/cache.ts) and its loads. */
export interface ModelCacheObserver {
  /** A request found its model loaded. */
  hit(): void;
  /** A request found its model not loaded (it loads, waits on a load, or gets the load's error). */
  miss(): void;
  evicted(reason: "budget" | "replaced"): void;
  loaded(modelId: string, seconds: number): void;
  /** `code` is the error catalogue's code (bounded). */
  loadFailed(modelId: string, code: string): void;
  /** The per-model batcher observer (children resolved once per model). */
  batches(modelId: string): BatchObserver;
}

/** key_quota: the key's hourly limit · auth_failures: invalid keys from one address · auth_service: the external auth service answered 429. */
export type RateLimitRefusal = "key_quota" | "auth_failures" | "auth_service";

export interface RateLimitObserver {
  refused(reason: RateLimitRefusal): void;
}

/** How a call to the external auth service ended. */
export type AuthCallOutcome = "valid" | "invalid" | "rate_limited" | "error";
/** Why a key could not be checked by the external auth service. */
export type AuthErrorReason = "timeout" | "network" | "http_status" | "bad_answer" | "circuit_open";

export interface AuthServiceObserver {
  /** A call that went out; `error` set when `outcome` is "error". */
  call(outcome: AuthCallOutcome, seconds: number, error?: AuthErrorReason): void;
  /** A check refused at once because the circuit breaker is open. */
  shortCircuited(): void;
}

/** Read at scrape time only: nothing on the request path. */
export interface ModelStatus {
  model: string;
  /** Its readiness check passes: loaded, or expected to load on first request. */
  ready: boolean;
  /** In memory now. */
  loaded: boolean;
}

export interface RequirementStatus {
  model: string;
  /** The environment variable, e.g. HUGGINGFACE_API_KEY. */
  variable: string;
  /** true while the model cannot be served because this setting is missing or rejected. */
  unmet: boolean;
}

export interface UsageCounts {
  queued: number;
  written: number;
  dropped: number;
  buffered: number;
  failedWrites: number;
}

export type UsageReportDropReason = "queue_full" | "after_retries" | "refused" | "at_shutdown";

/** Usage reports to the external auth service (AUTH_SERVICE_URL with USAGE_REPORT). */
export interface UsageReportCounts {
  sent: number;
  retried: number;
  queued: number;
  dropped: Readonly<Record<UsageReportDropReason, number>>;
}

export type CircuitStateName = "closed" | "open" | "half_open";

/** Scrape-time readers, set by the composition root once the services exist. */
export interface MetricSources {
  models?: () => Promise<readonly ModelStatus[]>;
  requirements?: () => Promise<readonly RequirementStatus[]>;
  authCircuit?: () => CircuitStateName;
  usage?: () => UsageCounts;
  /** Set only when reports are sent: their metrics appear then. */
  usageReports?: () => UsageReportCounts | null;
}
