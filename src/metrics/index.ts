export { createMetrics, UNMATCHED_ROUTE } from "./registry.js";
export type { Metrics, MetricsOptions } from "./registry.js";
export { metricsRoute, observeRequests, startMetricsServer } from "./endpoint.js";
export type { MetricsEndpoint, MetricsServer } from "./endpoint.js";
export type * from "./types.js";
