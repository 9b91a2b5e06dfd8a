/**
 * Post-deploy checks against a running modelgate (`modelgate smoke`), and the HTTP probe they
 * are built on. `probeHttp` and `maskSecrets` are the pieces another command (doctor) reuses:
 * a typed call with a timeout that never throws for a network outcome, and masking of the key.
 */
export { DEFAULT_MAX_BODY_BYTES, joinUrl, probeHttp } from "./http.js";
export type {
  HttpAnswer,
  HttpFailure,
  HttpMethod,
  HttpProbeRequest,
  HttpProbeResult,
} from "./http.js";
export { maskSecrets, maskUrl } from "./mask.js";
export { MAX_SMOKE_MODELS, runSmoke } from "./run.js";
export type { SmokeDeps, SmokeOptions } from "./run.js";
export { renderSmoke, SMOKE_FORMATS, xmlText } from "./render.js";
export type { SmokeFormat } from "./render.js";
export { realClock, waitForReady } from "./wait.js";
export type { Clock } from "./wait.js";
export type { CheckStatus, ReadyWait, SmokeCheck, SmokeReport } from "./types.js";
