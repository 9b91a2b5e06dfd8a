/**
 * How `serve` wires GET /metrics: one registry per service (METRICS_ENABLED), the scrape-time
 * readers over the running services, and where /metrics is served (PORT, or METRICS_PORT alone).
 */
import type { Config } from "../config/index.js";
import { ModelgateError } from "../errors.js";
import { createMetrics, startMetricsServer } from "../metrics/index.js";
import type {
  CircuitStateName,
  Metrics,
  MetricsEndpoint,
  MetricsServer,
  MetricSources,
  UsageReportCounts,
} from "../metrics/index.js";
import { requirementStatus } from "../serving/requirement-status.js";
import type { ModelService } from "../serving/service.js";
import type { UsageRecorder } from "../serving/usage.js";
import { sourceRequirements } from "../sources/index.js";
import type { SourceContext } from "../sources/index.js";

type MetricsConfig = Pick<Config, "metricsEnabled" | "metricsToken" | "metricsPort" | "host">;

export function metricsFromConfig(config: Pick<Config, "metricsEnabled">): Metrics | undefined {
  return config.metricsEnabled ? createMetrics() : undefined;
}

/** The usage-report counts as the auth service's /health view names them. */
interface ReportHealth {
  sent: number;
  retried: number;
  queued: number;
  dropped_queue_full: number;
  dropped_after_retries: number;
  dropped_refused: number;
  dropped_at_shutdown: number;
}

export interface SourcesDeps {
  models: Pick<ModelService, "checks" | "list" | "state" | "sourceProblem">;
  sources: SourceContext;
  usage: Pick<UsageRecorder, "stats">;
  /** The external auth service's circuit breaker (AUTH_SERVICE_URL). */
  authCircuit?: () => CircuitStateName;
  /** Usage reports to the auth service; null when none are sent. */
  usageReports?: () => ReportHealth | null;
}

const MODEL_CHECK = "model:";

export function metricSources(deps: SourcesDeps): MetricSources {
  const { models } = deps;
  const reports = deps.usageReports;
  return {
    async models() {
      const checks = await models.checks();
      return checks
        .filter((c) => c.name.startsWith(MODEL_CHECK))
        .map((c) => {
          const model = c.name.slice(MODEL_CHECK.length);
          return { model, ready: c.ok, loaded: models.state(model).state === "ready" };
        });
    },
    requirements: () =>
      requirementStatus({
        models,
        requirementsOf: (record) =>
          sourceRequirements(record.source, record.id, deps.sources, {
            lastRevision: record.resolvedRevision,
          }),
      }),
    usage: () => deps.usage.stats(),
    ...(deps.authCircuit ? { authCircuit: deps.authCircuit } : {}),
    ...(reports && reports() !== null
      ? {
          usageReports(): UsageReportCounts | null {
            const h = reports();
            if (!h) return null;
            return {
              sent: h.sent,
              retried: h.retried,
              queued: h.queued,
              dropped: {
                queue_full: h.dropped_queue_full,
                after_retries: h.dropped_after_retries,
                refused: h.dropped_refused,
                at_shutdown: h.dropped_at_shutdown,
              },
            };
          },
        }
      : {}),
  };
}

export interface MetricsListeners {
  /** Served by the main app (no METRICS_PORT). */
  onMainPort?: MetricsEndpoint;
  /** Listens on METRICS_PORT once `listen` is called. */
  listen(): Promise<MetricsServer | null>;
}

/** Where /metrics is served: on the API's port, or alone on METRICS_PORT. */
export function metricsListeners(
  metrics: Metrics | undefined,
  config: MetricsConfig,
): MetricsListeners {
  if (!metrics) return { listen: async () => null };
  const endpoint: MetricsEndpoint = {
    render: () => metrics.render(),
    contentType: metrics.contentType,
    token: config.metricsToken,
  };
  const port = config.metricsPort;
  if (port === undefined) return { onMainPort: endpoint, listen: async () => null };
  return {
    async listen() {
      try {
        return await startMetricsServer(endpoint, { host: config.host, port }, metrics.requests);
      } catch (err) {
        const code = err instanceof Error && "code" in err ? String(err.code) : String(err);
        throw new ModelgateError(
          "config_invalid",
          `/metrics cannot listen on METRICS_PORT ${port} at ${config.host} (${code}): choose a free port, or unset METRICS_PORT to serve /metrics on PORT.`,
          { cause: err },
        );
      }
    },
  };
}
