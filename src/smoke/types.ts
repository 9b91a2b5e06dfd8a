/** What `modelgate smoke` reports: one entry per check, each saying what it sent and got. */

export type CheckStatus = "pass" | "fail" | "skip";

export interface SmokeCheck {
  /** "service" or "model 21": the JUnit class name, the text report's grouping. */
  group: string;
  /** "live", "ready", "no key → 401", "info", "health", "predict", "malformed body → 422". */
  name: string;
  status: CheckStatus;
  /** One line: the answer in short ("200 in 12 ms"), or why it was skipped. */
  summary: string;
  /** Everything found wrong (status, shape, latency), one sentence each; empty on a pass. */
  problems: string[];
  /** Duration of the HTTP call this check judged, in ms; null when none was made. */
  ms: number | null;
  /** The request, secrets masked: "POST URL", the headers sent, the body. */
  sent?: string;
  /** The answer, secrets masked: status and body (cut at a bound), or why there was none. */
  received?: string;
}

export interface ReadyWait {
  /** The service answered /ready with 200 within the time allowed. */
  ready: boolean;
  /** Why waiting stopped: ready, the time ran out, or the failing checks stopped changing. */
  stopped: "ready" | "timeout" | "settled";
  waitedMs: number;
  attempts: number;
}

export interface SmokeReport {
  url: string;
  startedAt: string;
  durationMs: number;
  wait: ReadyWait;
  /** Models checked, and where the list came from. */
  models: {
    ids: string[];
    from: "--models" | "api" | "none";
    /** How many the key may use, when the API listed more than MAX_SMOKE_MODELS. */
    listed?: number;
  };
  checks: SmokeCheck[];
  summary: { total: number; passed: number; failed: number; skipped: number };
}
