import type { ModelgateError } from "../errors.js";
import type { SourceLimits } from "./limits.js";

/** Where a model package comes from, as parsed from its stored source text. */
export type Source =
  | { kind: "builtin"; name: string }
  | { kind: "local"; path: string }
  /** `hf://owner/repo[@revision]`; revision null means the default branch (main). */
  | { kind: "huggingface"; repo: string; revision: string | null }
  /**
   * An http(s) package: a `.tar.gz`/`.tgz` archive, or a folder URL (ending in `/`) holding
   * `modelgate.json` and the runtime file. `sha256` pins an archive (`#sha256=<hex>`).
   */
  | { kind: "http"; url: string; layout: "archive" | "folder"; sha256: string | null }
  /**
   * An MLflow registry model version: `models:/name/version`, `models:/name/latest` or
   * `models:/name@alias` (exactly one of version and alias is set).
   */
  | { kind: "mlflow"; name: string; version: string | null; alias: string | null };

export type SourceKind = Source["kind"];

/** How long to wait and how often to retry a remote source. */
export interface RetryPolicy {
  /** Attempts per request, the first included (≥ 1). */
  attempts: number;
  /** First backoff delay; it doubles per attempt, with full jitter. */
  baseDelayMs: number;
  /** Longest single wait (backoff or Retry-After). A longer Retry-After ends the retries. */
  maxDelayMs: number;
  /** How waiting happens (tests pass a recorder to keep runs fast). */
  sleep: (ms: number) => Promise<void>;
}

/** The MLflow tracking server and its credentials (MLFLOW_TRACKING_*); secrets never logged. */
export interface MlflowSettings {
  /** MLFLOW_TRACKING_URI: the server's http(s) base URL; undefined when not set. */
  trackingUri: string | undefined;
  /** MLFLOW_TRACKING_TOKEN: sent as `Authorization: Bearer`. */
  token?: string | undefined;
  /** MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD: HTTP basic auth. */
  username?: string | undefined;
  password?: string | undefined;
  /** MLFLOW_TRACKING_INSECURE_TLS: the tracking server's certificate is not verified. */
  insecureTls?: boolean | undefined;
  /** MLFLOW_TRACKING_SERVER_CERT_PATH: the PEM CA bundle trusted for the tracking server. */
  serverCertPath?: string | undefined;
}

/** What the sources need from the service's configuration; one per process is typical. */
export interface SourceContext {
  /** MODELGATE_DATA_DIR: the disk artifact cache lives in `<dataDir>/artifacts/`. */
  dataDir: string;
  /** HF_ENDPOINT, without a trailing slash. */
  hubUrl: string;
  /** HUGGINGFACE_API_KEY (or HF_TOKEN); never logged, never put in a message. */
  token: string | undefined;
  /** Bound on one request's wait for an answer, and on a download's silence between bytes. */
  timeoutMs: number;
  /** Serve only what the disk cache holds; never contact a remote source. */
  offline?: boolean;
  retry?: Partial<RetryPolicy>;
  /** Package size, archive ratio, download deadline (defaults: ./limits.ts DEFAULT_LIMITS). */
  limits?: Partial<SourceLimits>;
  /** The fetch used for every remote request (default: the global fetch). */
  fetch?: typeof fetch;
  /** The MLflow registry, for `models:/` sources. */
  mlflow?: MlflowSettings;
}

export interface ProgressEvent {
  /** Package-relative file name (`model.onnx`), or the archive's URL for an archive. */
  file: string;
  bytes: number;
  /** Expected size, null when the source does not say. */
  total: number | null;
}

export interface FetchOptions {
  onProgress?: (event: ProgressEvent) => void;
  /**
   * The revision recorded for the model (ModelRecord.resolvedRevision): when the source cannot
   * be asked, a verified cached copy of it is served.
   */
  lastRevision?: string | null;
  /**
   * The caller giving up: its own wait ends at once (the fetch throws SourceAbortedError), and
   * the download stops when no other caller shares it. Never retried, never a timeout.
   */
  signal?: AbortSignal;
}

/** A model package made available on local disk, ready for a runtime to open. */
export interface FetchedPackage {
  dir: string;
  /**
   * What exactly is served: a Hub commit (40 hex), `sha256:<hex>` for an http package, null
   * for a local folder.
   */
  revision: string | null;
  /**
   * true when the served folder was already in the disk cache (nothing new was written): a
   * cached commit the source still names, or — with `refreshError` — the last verified copy.
   */
  fromCache: boolean;
  /** Set when the source could not be asked: why the served copy could not be refreshed. */
  refreshError?: ModelgateError;
}

/** One setting a source needs, checked without downloading. */
export interface SourceRequirement {
  /** The environment variable, e.g. HUGGINGFACE_API_KEY. */
  variable: string;
  /** Why it is needed: "model 21 is stored in a private Hugging Face repository owner/repo". */
  reason: string;
  met: boolean;
  /** When unmet: the sentence naming the variable, the model and what to do. */
  problem: string | null;
}

export interface SourceRequirements {
  requirements: SourceRequirement[];
  /** Hub repositories: what the Hub last said (recorded by probeSource or a fetch). */
  visibility: "public" | "private" | "unknown";
  /** A verified copy in the disk cache that can be served without meeting the requirements. */
  cachedRevision: string | null;
}

/** What asking the source (without downloading the package) found. Never thrown. */
export type ProbeResult =
  | {
      ok: true;
      /** The commit (or null when the source has none to tell without a download). */
      revision: string | null;
      private: boolean | null;
      /** One sentence: what was checked. */
      detail: string;
    }
  | {
      ok: false;
      /** The typed reason (source_credentials_missing, source_unauthorized, ...). */
      error: ModelgateError;
      private: boolean | null;
      /** A verified copy in the disk cache that can still be served, if any. */
      cachedRevision: string | null;
    };

/** The cheap readiness view of a model that is not loaded (no network, no download). */
export interface SourceCheck {
  /** Whether the model can be expected to load (from its source or from the disk cache). */
  ok: boolean;
  /** A sentence for /ready: why not, or what will be served. */
  reason: string;
  /** A verified copy in the disk cache is what will be served. */
  fromCache: boolean;
  /**
   * The typed reason when not ok — or, when ok from the cache, why the copy cannot be
   * refreshed (e.g. source_credentials_missing naming HUGGINGFACE_API_KEY). Null otherwise.
   */
  error: ModelgateError | null;
}
