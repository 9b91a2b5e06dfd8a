import { describe, expect, it } from "vitest";
import { createMetrics, UNMATCHED_ROUTE } from "./registry.js";

const line = (text: string, start: string) => text.split("\n").find((l) => l.startsWith(start));

describe("createMetrics", () => {
  it("gives every instance its own registry", async () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    a.requests.request("GET", "/live", 200, 0.001);
    a.requests.request("GET", "/live", 200, 0.002);
    const text = await a.render();
    expect(
      line(text, 'modelgate_http_requests_total{method="GET",route="/live",status="200"}'),
    ).toMatch(/ 2$/);
    expect(await b.render()).not.toContain('route="/live"');
  });

  it("renders the process metrics of the one process collector in every instance", async () => {
    const [a, b] = [createMetrics(), createMetrics()];
    for (const text of [await a.render(), await b.render()]) {
      expect(text).toContain("# TYPE process_cpu_seconds_total counter");
      expect(text.match(/^# TYPE process_cpu_seconds_total /gm)).toHaveLength(1);
      expect(text).toContain("# TYPE modelgate_http_requests_total counter");
    }
  });

  it("puts requests no route matched under one label", async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.requests.request("GET", undefined, 404, 0.001);
    m.requests.request("POST", undefined, 404, 0.001);
    const text = await m.render();
    expect(text).toContain(`route="${UNMATCHED_ROUTE}"`);
  });

  it("reads the scrape-time sources, and a failing or silent source never fails the scrape", async () => {
    const m = createMetrics({ defaultMetrics: false, sourceTimeoutMs: 50 });
    let calls = 0;
    m.setSources({
      models: async () => {
        calls += 1;
        if (calls === 1) return [{ model: "21", ready: true, loaded: true }];
        if (calls === 2) throw new Error("store down");
        return new Promise(() => undefined); // never answers
      },
      requirements: async () => [{ model: "21", variable: "HUGGINGFACE_API_KEY", unmet: true }],
      authCircuit: () => "open",
    });
    const first = await m.render();
    expect(first).toContain('modelgate_model_ready{model="21"} 1');
    expect(first).toContain('modelgate_model_loaded{model="21"} 1');
    expect(calls).toBe(1); // one read shared by both gauges
    expect(first).toContain(
      'modelgate_config_requirement_unmet{model="21",variable="HUGGINGFACE_API_KEY"} 1',
    );
    expect(first).toContain('modelgate_auth_service_circuit_state{state="open"} 1');
    expect(first).toContain('modelgate_auth_service_circuit_state{state="closed"} 0');
    // The failing and the silent read keep the last values.
    expect(await m.render()).toContain('modelgate_model_ready{model="21"} 1');
    expect(await m.render()).toContain('modelgate_model_ready{model="21"} 1');
  });

  it("declares the usage-report metrics only once reports are sent", async () => {
    const m = createMetrics({ defaultMetrics: false });
    expect(await m.render()).not.toContain("modelgate_usage_reports_sent_total");
    m.setSources({
      usageReports: () => ({
        sent: 5,
        retried: 1,
        queued: 2,
        dropped: { queue_full: 3, after_retries: 0, refused: 0, at_shutdown: 0 },
      }),
    });
    const text = await m.render();
    expect(text).toContain("modelgate_usage_reports_sent_total 5");
    expect(text).toContain('modelgate_usage_reports_dropped_total{reason="queue_full"} 3');
    expect(text).toContain("modelgate_usage_reports_queued 2");
  });
});
