/**
 * GET /metrics on a real service over HTTP on 127.0.0.1: request counters by route template,
 * the prediction pipeline's histograms, model readiness, rate-limit refusals, METRICS_TOKEN,
 * METRICS_PORT — and the seeds' incident as one gauge:
 * modelgate_config_requirement_unmet{model="21",variable="HUGGINGFACE_API_KEY"}.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { socketAdminOps } from "../src/cli/admin-client.js";
import { adminSocketPath } from "../src/server/admin/socket.js";
import { BUILTIN_MODELS_DIR } from "../src/sources/index.js";
import { readSpecFile } from "../src/spec/index.js";
import { modelRepository, openStore } from "../src/store/index.js";
import { startFakeAuth } from "./support/fake-auth.js";
import type { FakeHub } from "./support/fake-hub.js";
import { PRIVATE_REPO, startFakeHub } from "./support/fake-hub.js";
import { declaredMetrics, parseSamples, sampleValue } from "./support/prom-text.js";
import type { TestService } from "./support/service.js";
import { SEED_INPUT, getJson, postJson, startTestService } from "./support/service.js";

const open: TestService[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(env: Record<string, string> = {}, dataDir?: string): Promise<TestService> {
  const svc = await startTestService(env, dataDir ? { dataDir } : {});
  open.push(svc);
  return svc;
}

const PREDICT_ROUTE = "/api/v1/models/:model_id/predict";

const predict = (svc: TestService, inputs: unknown = SEED_INPUT, key = svc.adminKey) =>
  postJson(`${svc.url}/api/v1/models/21/predict`, { inputs }, { "X-API-Key": key });

async function scrape(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${url}/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

describe("GET /metrics after traffic", () => {
  it("counts requests by route template and status, never by raw URL", async () => {
    const svc = await start();
    for (let i = 0; i < 3; i++) expect((await predict(svc)).status).toBe(200);
    expect((await predict(svc, { company_size: "big" })).status).toBe(422);
    expect((await predict(svc, SEED_INPUT, "hk_live_notakey")).status).toBe(401);
    expect((await getJson(`${svc.url}/nowhere/secret-path-123`)).status).toBe(404);
    expect(
      (await getJson(`${svc.url}/api/v1/models/no-such-model/info`, { "X-API-Key": svc.adminKey }))
        .status,
    ).toBe(404);

    const text = await scrape(svc.url);
    const count = (route: string, status: string, method = "POST") =>
      sampleValue(text, "modelgate_http_requests_total", { method, route, status });
    expect(count(PREDICT_ROUTE, "200")).toBe(3);
    expect(count(PREDICT_ROUTE, "422")).toBe(1);
    expect(count(PREDICT_ROUTE, "401")).toBe(1);
    expect(count("unmatched", "404", "GET")).toBe(1);
    expect(count("/api/v1/models/:model_id/info", "404", "GET")).toBe(1);
    expect(
      sampleValue(text, "modelgate_http_request_duration_seconds_count", {
        route: PREDICT_ROUTE,
        status: "200",
      }),
    ).toBe(3);
    // Bounded labels: neither the unknown path nor the unknown model id became a label value.
    expect(text).not.toContain("secret-path-123");
    expect(text).not.toContain("no-such-model");
    const routes = new Set(
      parseSamples(text)
        .filter((s) => s.name === "modelgate_http_requests_total")
        .map((s) => s.labels.route),
    );
    expect([...routes].every((r) => r === "unmatched" || r?.startsWith("/"))).toBe(true);
  });

  it("splits prediction latency into queue wait and inference, with batch sizes, by model", async () => {
    const svc = await start();
    const batch = [SEED_INPUT, SEED_INPUT, SEED_INPUT, SEED_INPUT];
    expect((await predict(svc)).status).toBe(200);
    expect((await predict(svc, batch)).status).toBe(200);
    const text = await scrape(svc.url);
    const m = { model: "21" };
    expect(sampleValue(text, "modelgate_predict_queue_wait_seconds_count", m)).toBe(2);
    expect(sampleValue(text, "modelgate_predict_inference_seconds_count", m)).toBe(2);
    expect(sampleValue(text, "modelgate_predict_batch_size_sum", m)).toBe(5);
    // The four-input run lands in the le="4" bucket, the single one in le="1".
    expect(sampleValue(text, "modelgate_predict_batch_size_bucket", { ...m, le: "1" })).toBe(1);
    expect(sampleValue(text, "modelgate_predict_batch_size_bucket", { ...m, le: "4" })).toBe(2);
    expect(sampleValue(text, "modelgate_predict_inference_seconds_sum", m)).toBeGreaterThan(0);
  });

  it("reports model readiness, loads, cache hits and usage records", async () => {
    const svc = await start();
    for (let i = 0; i < 2; i++) expect((await predict(svc)).status).toBe(200);
    const text = await scrape(svc.url);
    expect(sampleValue(text, "modelgate_model_ready", { model: "21" })).toBe(1);
    expect(sampleValue(text, "modelgate_model_loaded", { model: "21" })).toBe(1);
    expect(sampleValue(text, "modelgate_model_load_duration_seconds_count", { model: "21" })).toBe(
      1,
    );
    expect(sampleValue(text, "modelgate_model_cache_hits_total")).toBeGreaterThanOrEqual(1);
    expect(sampleValue(text, "modelgate_usage_records_queued_total")).toBe(2);
    expect(sampleValue(text, "modelgate_usage_records_dropped_total")).toBe(0);
    // The built-in model needs no setting: no requirement series at all.
    expect(text).not.toMatch(/^modelgate_config_requirement_unmet\{/m);
    // Default process metrics, unprefixed as every Node.js dashboard expects them.
    const declared = declaredMetrics(text);
    expect(declared.get("process_cpu_seconds_total")).toBe("counter");
    expect(declared.get("process_resident_memory_bytes")).toBe("gauge");
    expect(declared.get("nodejs_eventloop_lag_seconds")).toBe("gauge");
  });

  it("counts rate-limit refusals by reason", async () => {
    const svc = await start({ AUTH_FAILED_ATTEMPTS_PER_MINUTE: "2" });
    const admin = socketAdminOps(adminSocketPath(svc.dataDir));
    const { key } = await admin.createKey({ name: "one-an-hour", rate_limit_per_hour: 1 });
    expect((await predict(svc, SEED_INPUT, key)).status).toBe(200);
    expect((await predict(svc, SEED_INPUT, key)).status).toBe(429);
    const bad = [];
    for (let i = 0; i < 4; i++) bad.push((await predict(svc, SEED_INPUT, "hk_live_wrong")).status);
    expect(bad).toContain(429);
    const text = await scrape(svc.url);
    expect(sampleValue(text, "modelgate_rate_limit_refusals_total", { reason: "key_quota" })).toBe(
      1,
    );
    expect(
      sampleValue(text, "modelgate_rate_limit_refusals_total", { reason: "auth_failures" }),
    ).toBe(bad.filter((s) => s === 429).length);
  });

  it("is absent with METRICS_ENABLED=false", async () => {
    const svc = await start({ METRICS_ENABLED: "false" });
    const res = await getJson(`${svc.url}/metrics`);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe("not_found");
  });
});

describe("METRICS_TOKEN", () => {
  const TOKEN = "metrics-token-for-the-test-0123456789";

  it("refuses a scrape without the bearer token with 401 in the envelope, and serves it with", async () => {
    const svc = await start({ METRICS_TOKEN: TOKEN });
    const none = await getJson(`${svc.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ code: "metrics_unauthorized" });
    expect(String(none.body.detail)).toContain("METRICS_TOKEN");
    expect(typeof none.body.request_id).toBe("string");
    const wrong = await getJson(`${svc.url}/metrics`, { authorization: `Bearer ${TOKEN}x` });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe("metrics_unauthorized");
    expect(JSON.stringify(wrong.body)).not.toContain(TOKEN);
    // An API key is not the metrics token.
    const apiKey = await getJson(`${svc.url}/metrics`, { authorization: `Bearer ${svc.adminKey}` });
    expect(apiKey.status).toBe(401);
    const text = await scrape(svc.url, { authorization: `Bearer ${TOKEN}` });
    expect(text).toContain("modelgate_http_requests_total");
  });

  it("bad scrapes never count as failed API-key attempts", async () => {
    const svc = await start({ METRICS_TOKEN: TOKEN, AUTH_FAILED_ATTEMPTS_PER_MINUTE: "2" });
    for (let i = 0; i < 6; i++) {
      expect((await getJson(`${svc.url}/metrics`, { authorization: "Bearer nope" })).status).toBe(
        401,
      );
    }
    // The address's failure budget is untouched: an unknown key is still a plain 401 …
    const invalid = await predict(svc, SEED_INPUT, "hk_live_wrong");
    expect(invalid.status).toBe(401);
    expect(invalid.body.code).toBe("api_key_invalid");
    // … and a valid key is served.
    expect((await predict(svc)).status).toBe(200);
  });
});

describe("METRICS_PORT", () => {
  it("serves /metrics on its own port and not on the API's", async () => {
    const svc = await start({ METRICS_PORT: "0" });
    const metricsUrl = svc.service.metricsUrl;
    expect(metricsUrl).toBeDefined();
    expect(metricsUrl).not.toBe(svc.url);
    const onMain = await getJson(`${svc.url}/metrics`);
    expect(onMain.status).toBe(404);
    expect((await predict(svc)).status).toBe(200);
    const text = await scrape(String(metricsUrl));
    expect(
      sampleValue(text, "modelgate_http_requests_total", {
        route: PREDICT_ROUTE,
        status: "200",
      }),
    ).toBe(1);
    // Nothing else is served there, and what is refused uses the envelope.
    const other = await getJson(`${String(metricsUrl)}/api/v1/models`);
    expect(other.status).toBe(404);
    expect(other.body.code).toBe("not_found");
  });

  it("refuses to start on a METRICS_PORT in use, naming it", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = String((taken.address() as AddressInfo).port);
    try {
      await expect(start({ METRICS_PORT: port })).rejects.toMatchObject({
        code: "config_invalid",
        message: expect.stringContaining(`METRICS_PORT ${port} at 127.0.0.1 (EADDRINUSE)`),
      });
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it("with METRICS_TOKEN, the separate port asks for it too", async () => {
    const svc = await start({ METRICS_PORT: "0", METRICS_TOKEN: "tok-123456789" });
    const url = String(svc.service.metricsUrl);
    expect((await getJson(`${url}/metrics`)).body.code).toBe("metrics_unauthorized");
    await scrape(url, { authorization: "Bearer tok-123456789" });
  });
});

describe("with the external auth service", () => {
  it("times its calls by outcome, counts its errors, shows the breaker and the usage reports", async () => {
    const auth = await startFakeAuth({
      ext_key_0001: { user_id: "u1", key_id: "k1", scopes: ["predict"], rate_limit_per_hour: 0 },
    });
    try {
      const svc = await start({ AUTH_SERVICE_URL: auth.url, AUTH_SERVICE_TIMEOUT_MS: "500" });
      expect((await predict(svc, SEED_INPUT, "ext_key_0001")).status).toBe(200);
      expect((await predict(svc, SEED_INPUT, "ext_unknown")).status).toBe(401);
      let text = await scrape(svc.url);
      const calls = (outcome: string) =>
        sampleValue(text, "modelgate_auth_service_request_duration_seconds_count", { outcome });
      expect(calls("valid")).toBe(1);
      expect(calls("invalid")).toBe(1);
      expect(sampleValue(text, "modelgate_auth_service_circuit_state", { state: "closed" })).toBe(
        1,
      );
      // The report of the served request goes out after its answer, in the background.
      const sent = () => sampleValue(text, "modelgate_usage_reports_sent_total") ?? 0;
      for (let i = 0; i < 200 && sent() < 1; i++) {
        await new Promise((r) => setTimeout(r, 25));
        text = await scrape(svc.url);
      }
      expect(sent()).toBe(1);
      expect(auth.usage).toHaveLength(1);
      expect(
        sampleValue(text, "modelgate_usage_reports_dropped_total", { reason: "queue_full" }),
      ).toBe(0);

      // The service goes away: each check fails, then the breaker opens and stops calling.
      auth.mode = "down";
      for (let i = 0; i < 7; i++) {
        expect((await predict(svc, SEED_INPUT, `ext_other_${i}`)).status).toBe(503);
      }
      text = await scrape(svc.url);
      const errors = (reason: string) =>
        sampleValue(text, "modelgate_auth_service_errors_total", { reason }) ?? 0;
      // Five failures open it; each later check is refused at once (or is the one probe a
      // cool-down lets through, which fails and opens it again).
      expect(errors("network")).toBeGreaterThanOrEqual(5);
      expect(errors("network") + errors("circuit_open")).toBe(7);
      expect(sampleValue(text, "modelgate_auth_service_circuit_state", { state: "open" })).toBe(1);
      expect(sampleValue(text, "modelgate_auth_service_circuit_state", { state: "closed" })).toBe(
        0,
      );
    } finally {
      await auth.close();
    }
  });
});

describe("the seeds' incident as one gauge", () => {
  let hub: FakeHub;
  beforeAll(async () => {
    hub = await startFakeHub();
  });
  afterAll(async () => {
    await hub.close();
  });

  /** A data dir where model 21 is registered from a private Hub repository. */
  async function dataDirWith21(): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), "mg-metrics-"));
    dirs.push(dir);
    const store = await openStore({ dataDir: dir });
    const spec = await readSpecFile(join(BUILTIN_MODELS_DIR, "lead-scoring"));
    await modelRepository(store.db).upsert({
      id: "21",
      name: spec.name,
      version: spec.version,
      description: "",
      source: `hf://${PRIVATE_REPO}`,
      spec,
      maxBatchSize: 64,
    });
    await store.close();
    return dir;
  }

  const unmet = (text: string) =>
    sampleValue(text, "modelgate_config_requirement_unmet", {
      model: "21",
      variable: "HUGGINGFACE_API_KEY",
    });

  it("is 1 for model 21 without HUGGINGFACE_API_KEY (non-strict start), with the model not ready", async () => {
    const svc = await start(
      { HF_ENDPOINT: hub.url, MODELGATE_REGISTER_EXAMPLE: "false" },
      await dataDirWith21(),
    );
    expect((await predict(svc)).status).toBe(503);
    const text = await scrape(svc.url);
    expect(text).toContain(
      'modelgate_config_requirement_unmet{model="21",variable="HUGGINGFACE_API_KEY"} 1',
    );
    expect(sampleValue(text, "modelgate_model_ready", { model: "21" })).toBe(0);
    expect(sampleValue(text, "modelgate_model_loaded", { model: "21" })).toBe(0);
    expect(
      sampleValue(text, "modelgate_http_requests_total", { route: PREDICT_ROUTE, status: "503" }),
    ).toBe(1);
  });

  it("is 0 once the token is set, with the model served", async () => {
    const svc = await start(
      {
        HF_ENDPOINT: hub.url,
        MODELGATE_REGISTER_EXAMPLE: "false",
        HUGGINGFACE_API_KEY: hub.tokens.read,
      },
      await dataDirWith21(),
    );
    const before = await scrape(svc.url);
    expect(unmet(before)).toBe(0);
    expect((await predict(svc)).status).toBe(200);
    const text = await scrape(svc.url);
    expect(unmet(text)).toBe(0);
    expect(sampleValue(text, "modelgate_model_ready", { model: "21" })).toBe(1);
    expect(text).not.toContain(hub.tokens.read);
  });

  it("is 1 for a token the Hub rejected at start", async () => {
    const svc = await start(
      {
        HF_ENDPOINT: hub.url,
        MODELGATE_REGISTER_EXAMPLE: "false",
        HUGGINGFACE_API_KEY: `hf_${"x".repeat(34)}`,
      },
      await dataDirWith21(),
    );
    const text = await scrape(svc.url);
    expect(unmet(text)).toBe(1);
    expect(text).not.toContain("x".repeat(34));
  });
});
