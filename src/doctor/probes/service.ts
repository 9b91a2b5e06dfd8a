/**
 * Step 2, the service's own account: /ready (every check with its reason), the model's health
 * (its source, the revision served, the last error), and the /metrics gauges that say which
 * setting a model lacks. /metrics may be absent (an older modelgate): that is said, and the
 * investigation goes on without it.
 */
import { endpoint, request, shownBody } from "../http.js";
import { find, parseMetrics } from "../metrics-text.js";
import type { ProbeSpec } from "../run-probe.js";
import { skipped } from "../run-probe.js";
import type { ProbeContext } from "./context.js";
import { authHeaders, curl } from "./context.js";

export interface ReadyCheck {
  name: string;
  ok: boolean;
  reason: string;
  required?: boolean;
}

export interface ReadyData {
  status: number;
  ready: boolean;
  checks: ReadyCheck[];
  version: string | null;
}

export interface HealthData {
  status: number;
  healthy: boolean;
  state: string | null;
  /** The model's source as registered: hf://owner/repo[@revision], a folder, a URL. */
  source: string | null;
  revision: string | null;
  lastError: { code: string; detail: string } | null;
}

export interface MetricsData {
  /** False when the service has no /metrics (404) or it is not the Prometheus format. */
  present: boolean;
  /** modelgate_config_requirement_unmet{model} samples at 1, by variable. */
  unmet: string[];
  /** Every (model, variable) pair at 1, for other models. */
  otherUnmet: { model: string; variable: string }[];
  /** modelgate_model_ready{model}: 1, 0, or null when the gauge is absent. */
  modelReady: number | null;
}

function asChecks(json: unknown): ReadyCheck[] {
  const checks = (json as { checks?: unknown } | undefined)?.checks;
  if (!Array.isArray(checks)) return [];
  return checks.filter(
    (c): c is ReadyCheck =>
      c !== null &&
      typeof c === "object" &&
      typeof c.name === "string" &&
      typeof c.ok === "boolean",
  );
}

export function readyProbe(ctx: ProbeContext): ProbeSpec<ReadyData> {
  return {
    id: "ready",
    step: "service",
    title: "Ask the service whether it is ready (/ready)",
    timeoutMs: ctx.timeoutMs,
    async run() {
      const { url } = ctx.service;
      if (!url) return skipped("No --url given: the service was not asked.");
      const readyUrl = endpoint(url, "/ready");
      const [ready, version] = await Promise.all([
        request(readyUrl, { timeoutMs: ctx.timeoutMs }),
        request(endpoint(url, "/version"), { timeoutMs: ctx.timeoutMs }).catch(() => null),
      ]);
      const checks = asChecks(ready.json);
      const v = (version?.json as { version?: unknown } | undefined)?.version;
      const data: ReadyData = {
        status: ready.status,
        ready: ready.status === 200,
        checks,
        version: typeof v === "string" ? v : null,
      };
      if (checks.length === 0) {
        return {
          state: "failed",
          summary: `GET /ready answered ${ready.status} without modelgate's checks: is --url a modelgate service?`,
          details: [`Answer: ${shownBody(ready)}`],
          commands: [curl("GET", readyUrl)],
          data,
        };
      }
      const failing = checks.filter((c) => !c.ok);
      return {
        state: failing.length === 0 ? "ok" : "problem",
        summary:
          failing.length === 0
            ? `Ready (${ready.status}): all ${checks.length} checks pass.`
            : `${data.ready ? "Ready" : "Not ready"} (${ready.status}): ${failing.length} of ${checks.length} checks fail (${failing.map((c) => c.name).join(", ")}).`,
        details: checks.map(
          (c) =>
            `${c.ok ? "ok  " : "FAIL"} ${c.name}: ${c.reason}${c.required === false ? " (does not decide readiness)" : ""}`,
        ),
        commands: [curl("GET", readyUrl)],
        data,
      };
    },
  };
}

export function modelHealthProbe(ctx: ProbeContext, model: string): ProbeSpec<HealthData> {
  return {
    id: "model-health",
    step: "service",
    title: `Ask for model ${model}'s health`,
    timeoutMs: ctx.timeoutMs,
    async run() {
      const { url, apiKey } = ctx.service;
      if (!url) return skipped("No --url given: the service was not asked.");
      if (!apiKey)
        return skipped("No --api-key given: a model's health needs a key with models:read.");
      const healthUrl = endpoint(url, `/api/v1/models/${encodeURIComponent(model)}/health`);
      const answer = await request(healthUrl, {
        headers: authHeaders(ctx.service),
        timeoutMs: ctx.timeoutMs,
      });
      const j = (answer.json ?? {}) as Record<string, unknown>;
      const last = j.last_error as { code?: unknown; detail?: unknown } | null | undefined;
      const str = (v: unknown) => (typeof v === "string" ? v : null);
      const data: HealthData = {
        status: answer.status,
        healthy: j.healthy === true,
        state: str(j.status),
        source: str(j.source),
        revision: str(j.revision),
        lastError:
          last && typeof last.code === "string" && typeof last.detail === "string"
            ? { code: last.code, detail: last.detail }
            : null,
      };
      if (data.source === null) {
        // Not the health document: an error envelope (401, 403, 404).
        return {
          state: answer.status === 404 ? "problem" : "failed",
          summary: `GET /api/v1/models/${model}/health answered ${answer.status}: ${str(j.detail) ?? "not a model health document"}`,
          details: [`Answer: ${shownBody(answer)}`],
          commands: [curl("GET", healthUrl, { key: true })],
          data,
        };
      }
      const details = [
        `status ${data.state ?? "?"}, healthy ${data.healthy}, source ${data.source}, revision ${data.revision ?? "none yet"}`,
      ];
      if (data.lastError)
        details.push(`last error: ${data.lastError.code}: ${data.lastError.detail}`);
      return {
        state: data.healthy ? "ok" : "problem",
        summary: data.healthy
          ? `Model ${model} is healthy (${data.state}), served from ${data.source}.`
          : `Model ${model} is not healthy (${answer.status}): ${data.lastError ? `${data.lastError.code}: ${data.lastError.detail}` : `status ${data.state}`}`,
        details,
        commands: [curl("GET", healthUrl, { key: true })],
        data,
      };
    },
  };
}

export function metricsProbe(ctx: ProbeContext, model: string | null): ProbeSpec<MetricsData> {
  return {
    id: "metrics",
    step: "service",
    title: "Read the service's /metrics gauges",
    timeoutMs: ctx.timeoutMs,
    async run() {
      const { url, metricsUrl, metricsToken } = ctx.service;
      if (!url && !metricsUrl) return skipped("No --url given: /metrics was not read.");
      const target = metricsUrl ?? endpoint(url ?? "", "/metrics");
      const answer = await request(target, {
        headers: metricsToken ? { Authorization: `Bearer ${metricsToken}` } : {},
        timeoutMs: ctx.timeoutMs,
      });
      const command = curl("GET", target, { bearer: Boolean(metricsToken) });
      const absent: MetricsData = { present: false, unmet: [], otherUnmet: [], modelReady: null };
      if (answer.status === 404) {
        return {
          state: "skipped",
          summary: `This service has no /metrics (404): the gauges were not read; the other probes go on without them.`,
          commands: [command],
          data: absent,
        };
      }
      if (answer.status === 401 || answer.status === 403) {
        return {
          state: "failed",
          summary: `/metrics refused doctor (${answer.status}): it needs METRICS_TOKEN; give it with --metrics-token.`,
          commands: [command],
          data: absent,
        };
      }
      const parsed = answer.status === 200 ? parseMetrics(answer.text) : null;
      if (!parsed || parsed.samples.length === 0) {
        return {
          state: "failed",
          summary: `/metrics answered ${answer.status} without Prometheus samples: the gauges could not be read.`,
          details: [`Answer: ${shownBody(answer, 300)}`],
          commands: [command],
          data: absent,
        };
      }
      const unmetAll = find(parsed, "modelgate_config_requirement_unmet").filter(
        (s) => s.value === 1,
      );
      const mine = unmetAll.filter((s) => s.labels.model === model);
      const ready = model === null ? [] : find(parsed, "modelgate_model_ready", { model });
      const data: MetricsData = {
        present: true,
        unmet: mine.map((s) => s.labels.variable ?? "?"),
        otherUnmet: unmetAll
          .filter((s) => s.labels.model !== model)
          .map((s) => ({ model: s.labels.model ?? "?", variable: s.labels.variable ?? "?" })),
        modelReady: ready[0]?.value ?? null,
      };
      const details = [
        ...mine.map(
          (s) =>
            `modelgate_config_requirement_unmet{model="${model}",variable="${s.labels.variable}"} 1`,
        ),
        ...(data.modelReady === null
          ? []
          : [`modelgate_model_ready{model="${model}"} ${data.modelReady}`]),
        ...data.otherUnmet.map(
          (o) =>
            `modelgate_config_requirement_unmet{model="${o.model}",variable="${o.variable}"} 1`,
        ),
      ];
      if (find(parsed, "modelgate_config_requirement_unmet").length === 0)
        details.push("modelgate_config_requirement_unmet: not exposed by this service");
      // modelgate_model_ready 0 alone is a model not loaded yet; a named unmet setting is a problem.
      const problem = data.unmet.length > 0;
      const exposed = find(parsed, "modelgate_config_requirement_unmet").length > 0;
      const notReady =
        data.modelReady === 0
          ? ` modelgate_model_ready{model="${model}"} is 0 (not loaded yet, or cannot be).`
          : "";
      return {
        state: problem ? "problem" : "ok",
        summary: problem
          ? `The gauges say model ${model} lacks ${data.unmet.join(", ")}.${notReady}`
          : exposed
            ? `${parsed.samples.length} samples read; no unmet requirement${model ? ` for model ${model}` : ""}.${notReady}`
            : `${parsed.samples.length} samples read, but no modelgate_config_requirement_unmet sample: the gauge says nothing either way (an older modelgate, or its reading timed out).${notReady}`,
        details,
        commands: [command],
        data,
      };
    },
  };
}
