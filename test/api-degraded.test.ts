import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILTIN_MODELS_DIR } from "../src/sources/index.js";
import { readSpecFile } from "../src/spec/index.js";
import { modelRepository } from "../src/store/index.js";
import type { TestService } from "./support/service.js";
import { SEED_INPUT, getJson, postJson, startTestService } from "./support/service.js";

interface Check {
  name: string;
  ok: boolean;
  reason: string;
  required?: boolean;
}

let svc: TestService;
const headers = () => ({ "X-API-Key": svc.adminKey });
/** The service's JSON log lines (level info). */
const logLines: string[] = [];

beforeAll(async () => {
  svc = await startTestService({}, { logTo: { write: (line) => void logLines.push(line) } });
  const models = modelRepository(svc.service.store.db);
  const spec = await readSpecFile(join(BUILTIN_MODELS_DIR, "lead-scoring"));
  // 22: its folder is gone. 23: its model.onnx is corrupt.
  await models.upsert({
    id: "22",
    name: "gone",
    version: "1",
    description: "",
    source: "/nonexistent/model-22",
    spec,
    maxBatchSize: 8,
  });
  const corrupt = mkdtempSync(join(tmpdir(), "mg-corrupt-"));
  cpSync(join(BUILTIN_MODELS_DIR, "lead-scoring"), corrupt, { recursive: true });
  writeFileSync(join(corrupt, "model.onnx"), "not an onnx file");
  await models.upsert({
    id: "23",
    name: "corrupt",
    version: "1",
    description: "",
    source: corrupt,
    spec,
    maxBatchSize: 8,
  });
  // Registered behind the server's back, as another replica would: the server looks unknown
  // ids up in the store again after a short floor (250 ms).
  await new Promise((r) => setTimeout(r, 300));
});
afterAll(async () => {
  await svc.close();
});

describe("a model that cannot be served", () => {
  it("answers 503 naming the missing folder, never 500", async () => {
    const res = await postJson(
      `${svc.url}/api/v1/models/22/predict`,
      { inputs: SEED_INPUT },
      headers(),
    );
    expect(res.status).toBe(503);
    expect(res.body.code).toBe("source_not_found");
    expect(res.body.detail).toMatch(
      /Model 22 cannot be served: its folder \/nonexistent\/model-22 does not exist/,
    );
  });

  it("answers 503 model_invalid naming the corrupt ONNX file", async () => {
    const res = await postJson(
      `${svc.url}/api/v1/models/23/predict`,
      { inputs: SEED_INPUT },
      headers(),
    );
    expect(res.status).toBe(503);
    expect(res.body.code).toBe("model_invalid");
    expect(res.body.detail).toMatch(/model\.onnx/);
  });

  it("does not stop model 21 from being served", async () => {
    const res = await postJson(
      `${svc.url}/api/v1/models/21/predict`,
      { inputs: SEED_INPUT },
      headers(),
    );
    expect(res.status).toBe(200);
  });

  it("is reported on /ready and /health, but a cold model keeps the replica ready", async () => {
    // In a fleet, one bad registration must not pull every replica out of the load balancer.
    const ready = await getJson(`${svc.url}/ready`);
    expect(ready.status).toBe(200);
    const checks = ready.body.checks as Check[];
    expect(checks.find((c) => c.name === "model:22")).toEqual({
      name: "model:22",
      ok: false,
      required: false,
      reason: expect.stringMatching(/does not exist/) as string,
    });
    expect(checks.find((c) => c.name === "model:23")).toMatchObject({
      ok: false,
      required: false,
      reason: expect.stringMatching(/model\.onnx/) as string,
    });
    // The warm model 21 is what this replica must serve, and it does.
    expect(checks.find((c) => c.name === "model:21")).toMatchObject({ ok: true });
    expect(checks.find((c) => c.name === "model:21")).not.toHaveProperty("required");

    const health = await getJson(`${svc.url}/health`);
    expect(health.body.status).toBe("degraded");
    expect(health.body.checks).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "model:22", ok: false })]),
    );
    const model = await getJson(`${svc.url}/api/v1/models/22/health`, headers());
    expect(model.status).toBe(503);
    expect(model.body).toMatchObject({
      status: "failed",
      healthy: false,
      last_error: { code: "source_not_found" },
    });
  });

  it("is in the logs, naming the model and why, while the replica stays ready", async () => {
    for (const id of ["22", "23"]) {
      const res = await postJson(
        `${svc.url}/api/v1/models/${id}/predict`,
        { inputs: SEED_INPUT },
        headers(),
      );
      expect(res.status).toBe(503);
    }
    expect((await getJson(`${svc.url}/ready`)).status).toBe(200);
    const failed = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry.msg === "a model cannot be served");
    expect(failed.find((entry) => entry.model === "22")).toMatchObject({
      level: 40,
      code: "source_not_found",
      reason: expect.stringMatching(/\/nonexistent\/model-22 does not exist/) as string,
    });
    expect(failed.find((entry) => entry.model === "23")).toMatchObject({ code: "model_invalid" });
  });

  it("a warm model that cannot be served makes the replica unready, naming it", async () => {
    const models = modelRepository(svc.service.store.db);
    const spec = await readSpecFile(join(BUILTIN_MODELS_DIR, "lead-scoring"));
    await models.upsert({
      id: "24",
      name: "warm and gone",
      version: "1",
      description: "",
      source: "/nonexistent/model-24",
      spec,
      maxBatchSize: 8,
      warm: true,
    });
    try {
      const ready = await getJson(`${svc.url}/ready`);
      expect(ready.status).toBe(503);
      expect(ready.body.status).toBe("not_ready");
      const failing = (ready.body.checks as Check[]).filter((c) => !c.ok && c.required !== false);
      expect(failing).toEqual([
        {
          name: "model:24",
          ok: false,
          reason: expect.stringMatching(/\/nonexistent\/model-24 does not exist/) as string,
        },
      ]);
    } finally {
      await models.remove("24");
    }
  });
});
