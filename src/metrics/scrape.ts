/**
 * The metrics read when Prometheus asks rather than counted on the request path: model
 * readiness, unmet configuration requirements (the seeds' incident as one gauge), the auth
 * circuit breaker's state and the usage recorder's counts.
 */
import type { Registry } from "prom-client";
import { Counter, Gauge } from "prom-client";
import { within } from "../deadline.js";
import type { CircuitStateName, MetricSources } from "./types.js";

const CIRCUIT_STATES: readonly CircuitStateName[] = ["closed", "open", "half_open"];

/**
 * Asks a source within the scrape's time bound. Undefined when it failed or did not answer in
 * time: the gauge then keeps its last values (a slow store must not make a scrape time out, and
 * /ready already says the store is failing).
 */
async function read<T>(source: (() => Promise<T>) | undefined, ms: number): Promise<T | undefined> {
  if (!source) return undefined;
  try {
    return await within(source(), ms);
  } catch {
    return undefined;
  }
}

/** A counter whose value is read from a running total at scrape time. */
function totalCounter(
  registry: Registry,
  name: string,
  help: string,
  value: () => number | undefined,
): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const v = value();
      if (v === undefined) return;
      this.reset();
      this.inc(v);
    },
  });
}

/** One read shared by the metrics a scrape collects together (they are collected at once). */
function perScrape<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () =>
    (pending ??= load().finally(() => {
      pending = null;
    }));
}

function modelGauges(registry: Registry, sources: MetricSources, timeoutMs: number): void {
  const models = perScrape(() => read(sources.models, timeoutMs));
  new Gauge({
    name: "modelgate_model_ready",
    help: "1 while the model's readiness check passes (loaded, or expected to load on first request); 0 while it cannot be served (the reason is on /ready). By registered model id.",
    labelNames: ["model"] as const,
    registers: [registry],
    async collect() {
      const found = await models();
      if (!found) return;
      this.reset();
      for (const m of found) this.set({ model: m.model }, m.ready ? 1 : 0);
    },
  });
  new Gauge({
    name: "modelgate_model_loaded",
    help: "1 while the model is loaded in memory, by registered model id.",
    labelNames: ["model"] as const,
    registers: [registry],
    async collect() {
      const found = await models();
      if (!found) return;
      this.reset();
      for (const m of found) this.set({ model: m.model }, m.loaded ? 1 : 0);
    },
  });
  new Gauge({
    name: "modelgate_config_requirement_unmet",
    help: "1 while the model cannot be served because the named setting is missing or was rejected (e.g. HUGGINGFACE_API_KEY for a private Hugging Face repository); 0 while it is met. By registered model id and variable.",
    labelNames: ["model", "variable"] as const,
    registers: [registry],
    async collect() {
      const found = await read(sources.requirements, timeoutMs);
      if (!found) return;
      this.reset();
      for (const r of found) this.set({ model: r.model, variable: r.variable }, r.unmet ? 1 : 0);
    },
  });
}

function authGauges(registry: Registry, sources: MetricSources): void {
  new Gauge({
    name: "modelgate_auth_service_circuit_state",
    help: "The external auth service's circuit breaker: 1 for its current state (closed, open, half_open). Absent without AUTH_SERVICE_URL.",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      const current = sources.authCircuit?.();
      this.reset();
      if (current === undefined) return;
      for (const state of CIRCUIT_STATES) this.set({ state }, state === current ? 1 : 0);
    },
  });
}

function usageMetrics(registry: Registry, sources: MetricSources): void {
  const counts = () => sources.usage?.();
  totalCounter(
    registry,
    "modelgate_usage_records_queued_total",
    "Usage records accepted into the write-behind buffer (one per prediction request).",
    () => counts()?.queued,
  );
  totalCounter(
    registry,
    "modelgate_usage_records_written_total",
    "Usage records written to the store.",
    () => counts()?.written,
  );
  totalCounter(
    registry,
    "modelgate_usage_records_dropped_total",
    "Usage records lost: the buffer was full (USAGE_BUFFER_MAX) while the store could not be written, or they arrived after shutdown.",
    () => counts()?.dropped,
  );
  totalCounter(
    registry,
    "modelgate_usage_write_failures_total",
    "Failed writes of a batch of usage records (each is retried with backoff).",
    () => counts()?.failedWrites,
  );
  new Gauge({
    name: "modelgate_usage_records_buffered",
    help: "Usage records waiting in the buffer to be written.",
    registers: [registry],
    collect() {
      const c = counts();
      if (c) this.set(c.buffered);
    },
  });
}

const DROP_REASONS = ["queue_full", "after_retries", "refused", "at_shutdown"] as const;

/** Usage reports to the external auth service: declared only when they are sent. */
export function usageReportMetrics(registry: Registry, sources: MetricSources): void {
  const counts = () => sources.usageReports?.() ?? undefined;
  totalCounter(
    registry,
    "modelgate_usage_reports_sent_total",
    "Usage reports the external auth service accepted.",
    () => counts()?.sent,
  );
  totalCounter(
    registry,
    "modelgate_usage_reports_retried_total",
    "Usage report sends that failed and were queued again.",
    () => counts()?.retried,
  );
  new Counter({
    name: "modelgate_usage_reports_dropped_total",
    help: "Usage reports that will never be sent: queue_full (USAGE_REPORT_QUEUE_MAX), after_retries (USAGE_REPORT_RETRIES), refused (a 4xx), at_shutdown.",
    labelNames: ["reason"] as const,
    registers: [registry],
    collect() {
      const c = counts();
      if (!c) return;
      this.reset();
      for (const reason of DROP_REASONS) this.inc({ reason }, c.dropped[reason]);
    },
  });
  new Gauge({
    name: "modelgate_usage_reports_queued",
    help: "Usage reports waiting to be sent to the external auth service.",
    registers: [registry],
    collect() {
      const c = counts();
      if (c) this.set(c.queued);
    },
  });
}

/** Declares the scrape-time metrics; they read `sources`, which may be filled in later. */
export function scrapeGauges(registry: Registry, sources: MetricSources, timeoutMs: number): void {
  modelGauges(registry, sources, timeoutMs);
  authGauges(registry, sources);
  usageMetrics(registry, sources);
}
