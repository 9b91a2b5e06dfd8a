import { afterEach, describe, expect, it } from "vitest";
import { SEED_INPUT as SEED } from "../../test/fuzz-requests.js";
import { postJson, startTestService } from "../../test/support/service.js";
import type { TestService } from "../../test/support/service.js";
import { lazySchemas } from "./lazy-schemas.js";

describe("route schemas compiled on first use", () => {
  let svc: TestService | undefined;
  afterEach(async () => {
    await svc?.close();
    svc = undefined;
  });

  it("compiles every route's validators and serializers without error, once", async () => {
    // Each schema also checked against JSON Schema's meta-schema (off when serving).
    const schemas = lazySchemas({ checkSchemas: true });
    svc = await startTestService({ CORS_ORIGINS: "http://localhost:3000" }, { schemas });
    // Every route and status: what an eager boot would have compiled.
    const all = schemas.compileAll();
    expect(all).toBeGreaterThan(50);
    expect(schemas.compileAll()).toBe(0);
    // Compiled ahead or on demand, answers are the same.
    const res = await postJson(
      `${svc.url}/api/v1/models/21/predict`,
      { inputs: SEED },
      { "x-api-key": svc.adminKey },
    );
    expect(res.status).toBe(200);
  });

  it("compiles only what requests use, and answers as an eager build would", async () => {
    const schemas = lazySchemas();
    svc = await startTestService({}, { schemas });
    const headers = { "x-api-key": svc.adminKey };
    const ok = await postJson(`${svc.url}/api/v1/models/21/predict`, { inputs: SEED }, headers);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ model_id: "21", metadata: { batch_size: 1 } });
    // The body schema's refusal, from a validator compiled on this request.
    const bad = await postJson(
      `${svc.url}/api/v1/models/21/predict`,
      { inputs: SEED, extra: 1 },
      headers,
    );
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toMatch(/extra/);
    // A 404 answered through its own serializer, built on first use.
    const missing = await postJson(
      `${svc.url}/api/v1/models/999/predict`,
      { inputs: SEED },
      headers,
    );
    expect(missing.status).toBe(404);
    // Most routes were never called: their schemas are still waiting.
    expect(schemas.compileAll()).toBeGreaterThan(40);
  });
});
