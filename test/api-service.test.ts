import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_CATALOGUE } from "../src/errors.js";
import type { TestService } from "./support/service.js";
import { getJson, startTestService } from "./support/service.js";

let svc: TestService;

beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc.close();
});

async function waitReady(): Promise<Record<string, unknown>> {
  for (let i = 0; i < 100; i++) {
    const res = await getJson(`${svc.url}/ready`);
    if (res.status === 200) return res.body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("never ready");
}

describe("service endpoints", () => {
  it("/live answers 200", async () => {
    const res = await getJson(`${svc.url}/live`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "alive", alive: true });
  });

  it("/ready lists every check with ok and reason, 200 once model 21 is loaded", async () => {
    const body = await waitReady();
    expect(body.status).toBe("ready");
    expect(body.checks).toEqual(
      expect.arrayContaining([
        { name: "store", ok: true, reason: "sqlite reachable" },
        expect.objectContaining({ name: "model:21", ok: true }),
      ]),
    );
  });

  it("/health and /version report the package version", async () => {
    const health = await getJson(`${svc.url}/health`);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: "healthy", version: "0.1.0" });
    const version = await getJson(`${svc.url}/version`);
    expect(version.body).toMatchObject({ name: "modelgate", version: "0.1.0" });
  });

  it("/api/v1/models/21/info describes the inputs and outputs", async () => {
    const res = await getJson(`${svc.url}/api/v1/models/21/info`, { "X-API-Key": svc.adminKey });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: "21", name: "Sales Lead Scoring", max_batch_size: 64 });
    const schema = res.body.input_schema as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        "company_size",
        "engagement_score",
        "demo_requested",
        "industry",
        "title",
      ]),
    );
  });

  it("/api/v1/models/21/health reports the loaded model", async () => {
    await waitReady();
    const res = await getJson(`${svc.url}/api/v1/models/21/health`, { "X-API-Key": svc.adminKey });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      model_id: "21",
      status: "ready",
      healthy: true,
      loaded: true,
      last_error: null,
    });
  });

  it("/openapi.json documents every route with the error envelope, and /docs serves a page", async () => {
    const res = await getJson(`${svc.url}/openapi.json`);
    expect(res.status).toBe(200);
    const paths = Object.keys(res.body.paths as object);
    for (const p of [
      "/api/v1/models/{model_id}/predict",
      "/api/v1/models",
      "/ready",
      "/live",
      "/version",
    ]) {
      expect(paths).toContain(p);
    }
    const docs = await fetch(`${svc.url}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toMatch(/swagger/i);
  });
});

describe("the error catalogue", () => {
  it("documents every code with a status and an actionable sentence", () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect([400, 401, 402, 403, 404, 408, 409, 413, 414, 415, 422, 429, 431, 500, 503]).toContain(
        entry.status,
      );
      expect(entry.doc.length).toBeGreaterThan(20);
    }
  });
});
