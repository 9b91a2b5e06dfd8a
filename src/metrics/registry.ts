/**
 * modelgate's Prometheus metrics: one prom-client Registry per service instance (never the
 * global one, so two apps in one process — tests, benchmarks — never share counters), the
 * metrics declared once, and the small observers services call (./types.ts).
 *
 * Hot path: the per-request histograms are cells of plain numbers resolved once per label set
 * (./cells.ts), so a request costs a few map lookups and additions, not a label object, a hash
 * and a validation per observation. What can be
 * read when Prometheus asks (model readiness, unmet requirements, the auth circuit, usage
 * counts) is read at scrape time and costs requests nothing.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { cellCounter, cellHistogram } from "./cells.js";
import type { HistogramCell } from "./cells.js";
import { scrapeGauges, usageReportMetrics } from "./scrape.js";
import type {
  AuthServiceObserver,
  BatchObserver,
  MetricSources,
  ModelCacheObserver,
  RateLimitObserver,
  RequestObserver,
} from "./types.js";

export interface MetricsOptions {
  /** Node.js process metrics (CPU, memory, event loop lag, GC, handles). Default true. */
  defaultMetrics?: boolean;
  /** How long a scrape waits for a source (the store behind model readiness). Default 2 s. */
  sourceTimeoutMs?: number;
}

export interface Metrics {
  requests: RequestObserver;
  modelCache: ModelCacheObserver;
  rateLimit: RateLimitObserver;
  authService: AuthServiceObserver;
  /** Set the scrape-time readers (once the services exist); later calls add to them. */
  setSources(sources: MetricSources): void;
  /** The Prometheus text exposition of every metric. */
  render(): Promise<string>;
  contentType: string;
}

const SECONDS_FAST = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
const SECONDS_QUEUE = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
];
const SECONDS_LOAD = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const SECONDS_AUTH = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const ROWS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

/** Requests no route matched share one label value: URLs never become labels. */
export const UNMATCHED_ROUTE = "unmatched";

/** A Map that builds a value once per key. */
function memo<K, V>(make: (key: K) => V): (key: K) => V {
  const map = new Map<K, V>();
  return (key) => {
    let value = map.get(key);
    if (value === undefined) {
      value = make(key);
      map.set(key, value);
    }
    return value;
  };
}

function requestMetrics(registry: Registry): RequestObserver {
  const duration = cellHistogram(registry, {
    name: "modelgate_http_request_duration_seconds",
    help: "Time from the request's arrival to its answer, by method, route template and status.",
    labelNames: ["method", "route", "status"],
    buckets: SECONDS_FAST,
    counter: {
      name: "modelgate_http_requests_total",
      help: "HTTP requests answered, by method, route template and status.",
    },
  });
  // route → method → status → cell: three lookups, no string or object built per request.
  const routes = new Map<string, Map<string, Map<number, HistogramCell>>>();
  function cell(method: string, route: string, status: number): HistogramCell {
    let methods = routes.get(route);
    if (!methods) routes.set(route, (methods = new Map()));
    let statuses = methods.get(method);
    if (!statuses) methods.set(method, (statuses = new Map()));
    let found = statuses.get(status);
    if (!found) {
      found = duration.cell({ method, route, status: String(status) });
      statuses.set(status, found);
    }
    return found;
  }
  return {
    request(method, route, status, seconds) {
      cell(method, route ?? UNMATCHED_ROUTE, status).observe(seconds);
    },
  };
}

function modelCacheMetrics(registry: Registry): ModelCacheObserver {
  const registers = [registry];
  const hits = cellCounter(registry, {
    name: "modelgate_model_cache_hits_total",
    help: "Predictions that found their model loaded.",
  });
  const misses = cellCounter(registry, {
    name: "modelgate_model_cache_misses_total",
    help: "Predictions that found their model not loaded (they loaded it, waited for its load, or got its load's error).",
  });
  const evictions = new Counter({
    name: "modelgate_model_cache_evictions_total",
    help: "Loaded models unloaded: budget (MODEL_CACHE_MAX_MB), replaced (re-registered).",
    labelNames: ["reason"] as const,
    registers,
  });
  const loadSeconds = new Histogram({
    name: "modelgate_model_load_duration_seconds",
    help: "Time to load a model (fetch from its source, read the spec, open the runtime), successful loads.",
    labelNames: ["model"] as const,
    buckets: SECONDS_LOAD,
    registers,
  });
  const loadFailures = new Counter({
    name: "modelgate_model_load_failures_total",
    help: "Model loads (and background refreshes) that failed, by model and error code.",
    labelNames: ["model", "code"] as const,
    registers,
  });
  const queueWait = cellHistogram(registry, {
    name: "modelgate_predict_queue_wait_seconds",
    help: "Time a prediction waited for its model run to start (micro-batching queue), by model.",
    labelNames: ["model"],
    buckets: SECONDS_QUEUE,
  });
  const inference = cellHistogram(registry, {
    name: "modelgate_predict_inference_seconds",
    help: "Time of one model run (a batch of one or more predictions), by model.",
    labelNames: ["model"],
    buckets: SECONDS_QUEUE,
  });
  const batchSize = cellHistogram(registry, {
    name: "modelgate_predict_batch_size",
    help: "Inputs in one model run (requests batched together), by model.",
    labelNames: ["model"],
    buckets: ROWS,
  });
  const batches = memo((model: string): BatchObserver => {
    const wait = queueWait.cell({ model });
    const infer = inference.cell({ model });
    const rows = batchSize.cell({ model });
    return {
      waited: (seconds) => wait.observe(seconds),
      ran(n, seconds) {
        rows.observe(n);
        infer.observe(seconds);
      },
    };
  });
  return {
    hit: () => hits.inc(),
    miss: () => misses.inc(),
    evicted: (reason) => evictions.inc({ reason }),
    loaded: (model, seconds) => loadSeconds.observe({ model }, seconds),
    loadFailed: (model, code) => loadFailures.inc({ model, code }),
    batches,
  };
}

function rateLimitMetrics(registry: Registry): RateLimitObserver {
  const refusals = new Counter({
    name: "modelgate_rate_limit_refusals_total",
    help: "Requests refused with 429: key_quota (the key's hourly limit), auth_failures (too many invalid keys from one address), auth_service (the external auth service refused with 429).",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  const byReason = memo((reason: string) => refusals.labels({ reason }));
  return { refused: (reason) => byReason(reason).inc() };
}

function authServiceMetrics(registry: Registry): AuthServiceObserver {
  const registers = [registry];
  const duration = new Histogram({
    name: "modelgate_auth_service_request_duration_seconds",
    help: "Calls to the external auth service (AUTH_SERVICE_URL), by outcome: valid, invalid, rate_limited, error.",
    labelNames: ["outcome"] as const,
    buckets: SECONDS_AUTH,
    registers,
  });
  const errors = new Counter({
    name: "modelgate_auth_service_errors_total",
    help: "Keys the external auth service could not check: timeout, network, http_status (5xx or unexpected), bad_answer, circuit_open (not called: the breaker is open).",
    labelNames: ["reason"] as const,
    registers,
  });
  const byOutcome = memo((outcome: string) => duration.labels({ outcome }));
  const byReason = memo((reason: string) => errors.labels({ reason }));
  return {
    call(outcome, seconds, error) {
      byOutcome(outcome).observe(seconds);
      if (outcome === "error") byReason(error ?? "network").inc();
    },
    shortCircuited: () => byReason("circuit_open").inc(),
  };
}

/**
 * Process metrics describe the process, not one app, and prom-client's collector starts an
 * event-loop monitor and a GC observer that are never stopped: one collector per process, in its
 * own registry, rendered after each app's own metrics (which are never shared).
 */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    // Unprefixed (process_*, nodejs_*), the names every Node.js dashboard and alert expects.
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** A fresh registry with every modelgate metric; `render()` is what GET /metrics answers. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const withProcess = options.defaultMetrics !== false;
  const sources: MetricSources = {};
  scrapeGauges(registry, sources, options.sourceTimeoutMs ?? 2_000);
  return {
    requests: requestMetrics(registry),
    modelCache: modelCacheMetrics(registry),
    rateLimit: rateLimitMetrics(registry),
    authService: authServiceMetrics(registry),
    setSources(more) {
      if (more.usageReports && !sources.usageReports) usageReportMetrics(registry, sources);
      Object.assign(sources, more);
    },
    async render() {
      const own = await registry.metrics();
      return withProcess ? `${own}\n${await processMetrics().metrics()}` : own;
    },
    contentType: registry.contentType,
  };
}
