/**
 * deploy/prometheus/alerts.yml is read as YAML, each rule is complete (severity, summary, a
 * description naming what to do, a runbook anchor that exists), and every metric an expression
 * names — and every label it matches on — is in a real service's /metrics output: a renamed
 * metric cannot leave an alert that silently never fires.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { FakeAuth } from "./support/fake-auth.js";
import { startFakeAuth } from "./support/fake-auth.js";
import { declaredMetrics, parseSamples } from "./support/prom-text.js";
import type { TestService } from "./support/service.js";
import { SEED_INPUT, postJson, startTestService } from "./support/service.js";

interface Rule {
  alert?: unknown;
  expr?: unknown;
  for?: unknown;
  labels?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

const ROOT = new URL("../", import.meta.url);
const rules: Rule[] = (
  parse(readFileSync(new URL("deploy/prometheus/alerts.yml", ROOT), "utf8")) as {
    groups: { name: string; rules: Rule[] }[];
  }
).groups.flatMap((g) => g.rules);
const runbook = readFileSync(new URL("docs/metrics.md", ROOT), "utf8");

/** Names PromQL gives meaning to, which are never metrics. */
const KEYWORDS = new Set([
  "and",
  "or",
  "unless",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "offset",
  "bool",
]);
/** Series Prometheus makes itself rather than scraping them. */
const PROMETHEUS_OWN = new Set(["up", "ALERTS"]);

interface Selector {
  metric: string;
  labels: string[];
}

/** The metric selectors of a PromQL expression (names and the labels they match on). */
function selectors(expr: string): Selector[] {
  const text = expr
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\[[^\]]*\]/g, " ");
  const found: Selector[] = [];
  const withLabels = /([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}/g;
  for (const m of text.matchAll(withLabels)) {
    const labels = [...(m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)];
    found.push({ metric: m[1] ?? "", labels: labels.map((l) => l[1] ?? "") });
  }
  const bare = text
    .replace(withLabels, " ")
    .replace(/"(?:[^"\\]|\\.)*"/g, " ")
    .replace(/\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[smhdwy]?\b/g, " ");
  for (const m of bare.matchAll(/(?<![\w:])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()/g)) {
    const name = m[1] ?? "";
    if (!KEYWORDS.has(name)) found.push({ metric: name, labels: [] });
  }
  return found;
}

describe("alerts.yml", () => {
  let auth: FakeAuth;
  let svc: TestService;
  let exposition = "";

  beforeAll(async () => {
    auth = await startFakeAuth({
      ext_partner_key_0001: {
        user_id: "user_42",
        key_id: "ext_key_1",
        scopes: ["predict"],
        rate_limit_per_hour: 1,
      },
    });
    // With the external auth service, so its circuit breaker's gauge is exposed too.
    svc = await startTestService({ AUTH_SERVICE_URL: auth.url, AUTH_SERVICE_TIMEOUT_MS: "500" });
    const predict = () =>
      postJson(
        `${svc.url}/api/v1/models/21/predict`,
        { inputs: SEED_INPUT },
        { "X-API-Key": "ext_partner_key_0001" },
      );
    expect((await predict()).status).toBe(200);
    expect((await predict()).status).toBe(429);
    const res = await fetch(`${svc.url}/metrics`);
    expect(res.status).toBe(200);
    exposition = await res.text();
  });
  afterAll(async () => {
    await svc.close();
    await auth.close();
  });

  it("has the rules a team pages on, each complete", () => {
    const names = rules.map((r) => r.alert);
    for (const wanted of [
      "ModelgateConfigRequirementUnmet",
      "ModelgateModelNotReady",
      "ModelgateHigh5xxRatio",
      "ModelgatePredictLatencyP99High",
      "ModelgateAuthServiceCircuitOpen",
      "ModelgateUsageRecordsDropped",
      "ModelgateUsageReportsDropped",
      "ModelgateRateLimitRefusalsSpike",
    ]) {
      expect(names).toContain(wanted);
    }
    expect(new Set(names).size).toBe(names.length);
    for (const rule of rules) {
      const name = String(rule.alert);
      expect(typeof rule.expr, name).toBe("string");
      expect(String(rule.for), name).toMatch(/^\d+[smh]$/);
      expect(["page", "ticket"], name).toContain(rule.labels?.severity);
      expect(String(rule.annotations?.summary ?? ""), name).not.toBe("");
      // The description says what to do: a command, an endpoint or a metric to read next.
      expect(String(rule.annotations?.description ?? ""), name).toMatch(
        /modelgate doctor|\/ready|modelgate_|GET \//,
      );
      const anchor = `docs/metrics.md#${name.toLowerCase()}`;
      expect(rule.annotations?.runbook, name).toBe(anchor);
      expect(runbook, `docs/metrics.md has a section for ${name}`).toContain(`### ${name}\n`);
    }
  });

  it("names only metrics and labels the service exposes", () => {
    const declared = declaredMetrics(exposition);
    const samples = parseSamples(exposition);
    const checked: string[] = [];
    for (const rule of rules) {
      for (const { metric, labels } of selectors(String(rule.expr))) {
        if (PROMETHEUS_OWN.has(metric)) continue;
        const base = metric.replace(/_(bucket|sum|count)$/, "");
        const type = declared.get(metric) ?? declared.get(base);
        expect(type, `${String(rule.alert)}: ${metric} is not in /metrics`).toBeDefined();
        if (metric !== base && !declared.has(metric)) expect(type).toBe("histogram");
        const seen = samples.filter((s) => s.name === metric);
        for (const label of labels) {
          expect(
            seen.some((s) => label in s.labels),
            `${String(rule.alert)}: no ${metric} sample has the label ${label}`,
          ).toBe(true);
        }
        checked.push(metric);
      }
    }
    // The parser found what the rules are about (it cannot pass by finding nothing).
    expect(checked).toEqual(
      expect.arrayContaining([
        "modelgate_config_requirement_unmet",
        "modelgate_model_ready",
        "modelgate_http_requests_total",
        "modelgate_http_request_duration_seconds_bucket",
        "modelgate_auth_service_circuit_state",
        "modelgate_usage_records_dropped_total",
        "modelgate_usage_reports_dropped_total",
        "modelgate_rate_limit_refusals_total",
      ]),
    );
  });

  it("reads PromQL selectors the way Prometheus does", () => {
    expect(
      selectors(
        'sum by (instance, le) (rate(a_bucket{route="/x", status=~"5.."}[5m] offset 1h)) / b > 0.5 unless on (model) c == 1',
      ),
    ).toEqual([
      { metric: "a_bucket", labels: ["route", "status"] },
      { metric: "b", labels: [] },
      { metric: "c", labels: [] },
    ]);
  });
});
