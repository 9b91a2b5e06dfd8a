import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { socketAdminOps } from "../src/cli/admin-client.js";
import { adminSocketPath } from "../src/server/admin/socket.js";
import type { TestService } from "./support/service.js";
import { SEED_INPUT, getJson, postJson, startTestService } from "./support/service.js";

let svc: TestService;
let predictUrl: string;
let key: string;

beforeAll(async () => {
  svc = await startTestService();
  predictUrl = `${svc.url}/api/v1/models/21/predict`;
  const created = await socketAdminOps(adminSocketPath(svc.dataDir)).createKey({
    name: "tester",
    user_id: "partner-1",
  });
  key = created.key;
});
afterAll(async () => {
  await svc.close();
});

describe("POST /api/v1/models/21/predict — happy", () => {
  it("answers the seeds' request with the seeds' response shape", async () => {
    const res = await postJson(predictUrl, { inputs: SEED_INPUT }, { "X-API-Key": key });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    const body = res.body as {
      model_id: string;
      predictions: Record<string, unknown>;
      metadata: Record<string, unknown>;
      timestamp: string;
    };
    expect(body.model_id).toBe("21");
    expect(Object.keys(body.predictions)).toEqual([
      "lead_score",
      "conversion_probability",
      "recommendation",
      "factors",
      "confidence",
    ]);
    const p = body.predictions as {
      lead_score: number;
      conversion_probability: number;
      recommendation: string;
      factors: string[];
      confidence: number;
    };
    expect(Number.isInteger(p.lead_score)).toBe(true);
    expect(p.lead_score).toBe(Math.round(p.conversion_probability * 100));
    // A demo-requesting, engaged VP at a 1000-person tech company is a good lead.
    expect(p.lead_score).toBeGreaterThanOrEqual(55);
    expect(p.recommendation).toBe(
      p.lead_score >= 70 ? "Hot" : p.lead_score >= 40 ? "Warm" : "Cold",
    );
    expect(p.factors).toEqual(["Demo requested", "High engagement"]);
    expect(p.confidence).toBeCloseTo(
      Math.max(p.conversion_probability, 1 - p.conversion_probability),
      2,
    );
    expect(body.metadata).toMatchObject({
      api_version: "1.0",
      inference_method: "local",
      user_id: "partner-1",
      batch_size: 1,
    });
    expect(body.metadata.api_key_id).toMatch(/^key_/);
    expect(Number.isNaN(Date.parse(body.timestamp))).toBe(false);
  });

  it("accepts the key as Authorization: Bearer too", async () => {
    const res = await postJson(
      predictUrl,
      { inputs: SEED_INPUT },
      { Authorization: `Bearer ${key}` },
    );
    expect(res.status).toBe(200);
  });

  it("answers a batch of 3 with 3 predictions in input order", async () => {
    const cold = {
      ...SEED_INPUT,
      demo_requested: false,
      engagement_score: 5,
      company_size: 3,
      title: "Intern",
    };
    const warm = { ...SEED_INPUT, budget_confirmed: true };
    const batch = [SEED_INPUT, cold, warm];
    const res = await postJson(predictUrl, { inputs: batch }, { "X-API-Key": key });
    expect(res.status).toBe(200);
    const predictions = res.body.predictions as { lead_score: number; factors: string[] }[];
    expect(predictions).toHaveLength(3);
    expect((res.body.metadata as { batch_size: number }).batch_size).toBe(3);
    // Each batch element equals the single prediction of the same input.
    for (const [i, input] of batch.entries()) {
      const single = await postJson(predictUrl, { inputs: input }, { "X-API-Key": key });
      expect(predictions[i]).toEqual(single.body.predictions);
    }
    expect(predictions[1]?.factors).toEqual([]);
    expect(predictions[2]?.factors).toEqual([
      "Demo requested",
      "Budget confirmed",
      "High engagement",
    ]);
  });

  it("echoes a caller's X-Request-Id", async () => {
    const res = await postJson(
      predictUrl,
      { inputs: SEED_INPUT },
      { "X-API-Key": key, "X-Request-Id": "trace-1234abcd" },
    );
    expect(res.headers.get("x-request-id")).toBe("trace-1234abcd");
  });
});

describe("POST /api/v1/models/{id}/predict — errors", () => {
  it("404 for an unknown model, saying how to list them", async () => {
    const res = await postJson(
      `${svc.url}/api/v1/models/999/predict`,
      { inputs: SEED_INPUT },
      { "X-API-Key": key },
    );
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: "model_not_found" });
    expect(res.body.detail).toMatch(/999.*GET \/api\/v1\/models/);
    expect(res.body.request_id).toBe(res.headers.get("x-request-id"));
  });

  it('422 naming engagement_score when it is "high"', async () => {
    const res = await postJson(
      predictUrl,
      { inputs: { ...SEED_INPUT, engagement_score: "high" } },
      { "X-API-Key": key },
    );
    expect(res.status).toBe(422);
    expect(res.body.code).toBe("invalid_input");
    expect(res.body.detail).toMatch(/inputs\.engagement_score/);
    expect(res.body.errors).toEqual([
      expect.objectContaining({ field: "inputs.engagement_score" }),
    ]);
    expect((res.body.errors as { problem: string }[])[0]?.problem).toMatch(/number/);
  });

  it("422 names every bad field, in a batch by index", async () => {
    const bad = { ...SEED_INPUT, engagement_score: 400, industry: 7 } as Record<string, unknown>;
    delete bad.company_size;
    const res = await postJson(predictUrl, { inputs: [SEED_INPUT, bad] }, { "X-API-Key": key });
    expect(res.status).toBe(422);
    const fields = (res.body.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual([
      "inputs[1].company_size",
      "inputs[1].engagement_score",
      "inputs[1].industry",
    ]);
  });

  it("422 when inputs is missing or of the wrong shape", async () => {
    const missing = await postJson(predictUrl, { input: SEED_INPUT }, { "X-API-Key": key });
    expect(missing.status).toBe(422);
    expect(missing.body.detail).toMatch(/inputs/);
    const wrong = await postJson(predictUrl, { inputs: "lead" }, { "X-API-Key": key });
    expect(wrong.status).toBe(422);
    const empty = await postJson(predictUrl, { inputs: [] }, { "X-API-Key": key });
    expect(empty.status).toBe(422);
  });

  it("413 for a batch larger than the model's max_batch_size", async () => {
    const res = await postJson(
      predictUrl,
      { inputs: Array.from({ length: 65 }, () => SEED_INPUT) },
      { "X-API-Key": key },
    );
    expect(res.status).toBe(413);
    expect(res.body.code).toBe("batch_too_large");
    expect(res.body.detail).toMatch(/65 inputs.*at most 64/);
  });

  it("400 for a body that is not JSON", async () => {
    const res = await postJson(predictUrl, "{not json", { "X-API-Key": key });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("bad_request");
  });

  it("415 for a compressed body, saying so (not read as broken JSON)", async () => {
    const res = await fetch(predictUrl, {
      method: "POST",
      headers: { "X-API-Key": key, "Content-Type": "application/json", "Content-Encoding": "gzip" },
      body: gzipSync(JSON.stringify({ inputs: SEED_INPUT })),
    });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({
      code: "unsupported_media_type",
      detail:
        "The body is sent with Content-Encoding: gzip, which this server does not decode: send it uncompressed.",
    });
    // "identity" is no coding at all.
    const plain = await postJson(
      predictUrl,
      { inputs: SEED_INPUT },
      { "X-API-Key": key, "Content-Encoding": "identity" },
    );
    expect(plain.status).toBe(200);
  });

  it("413 for a body over the size limit", async () => {
    const huge = { inputs: { ...SEED_INPUT, title: "x".repeat(2_000_000) } };
    const res = await postJson(predictUrl, huge, { "X-API-Key": key });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe("payload_too_large");
  });

  it("404 in the same envelope for an unknown route", async () => {
    const res = await getJson(`${svc.url}/api/v2/nothing`);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: "not_found" });
  });
});
