/**
 * The seeds' clients read /info, /{id}/health, /live and /version by the seeds' field names:
 * those fields answer beside modelgate's own, with the seeds' types and meanings, over HTTP.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSpecFile } from "../src/spec/index.js";
import { BUILTIN_MODELS_DIR } from "../src/sources/index.js";
import { modelRepository, openStore } from "../src/store/index.js";
import type { FakeHub } from "./support/fake-hub.js";
import { PRIVATE_REPO, PUBLIC_REPO, startFakeHub } from "./support/fake-hub.js";
import type { TestService } from "./support/service.js";
import { SEED_INPUT, getJson, postJson, startTestService } from "./support/service.js";

describe("the seeds' fields on the shipped model 21", () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => {
    await svc.close();
  });
  const key = () => ({ Authorization: `ApiKey ${svc.adminKey}` });

  it("/info: model_id, type, storage, is_available, inference_methods beside modelgate's", async () => {
    const res = await getJson(`${svc.url}/api/v1/models/21/info`, key());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: "21",
      model_id: "21",
      name: "Sales Lead Scoring",
      type: "onnx",
      storage: "local",
      is_available: true,
      inference_methods: ["local"],
      max_batch_size: 64,
    });
  });

  it("/health: is_cached turns true once loaded; storage_type; inference_ready", async () => {
    const predicted = await postJson(
      `${svc.url}/api/v1/models/21/predict`,
      { inputs: SEED_INPUT },
      key(),
    );
    expect(predicted.status).toBe(200);
    const res = await getJson(`${svc.url}/api/v1/models/21/health`, key());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      model_id: "21",
      status: "ready",
      is_cached: true,
      storage_type: "local",
      inference_ready: true,
    });
  });

  it("/live: alive, uptime in whole seconds, memory_usage_mb the process's RSS", async () => {
    const res = await getJson(`${svc.url}/live`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "alive", alive: true });
    expect(Number.isInteger(res.body.uptime)).toBe(true);
    expect(res.body.uptime).toBeGreaterThanOrEqual(0);
    // This process runs the service: its RSS is the same order of magnitude.
    const rssMb = process.memoryUsage.rss() / 1024 / 1024;
    expect(res.body.memory_usage_mb).toBeGreaterThan(rssMb / 4);
    expect(res.body.memory_usage_mb).toBeLessThan(rssMb * 4);
  });

  it("/version: git_commit and build_date recorded at build time (or unknown), api_version v1", async () => {
    const res = await getJson(`${svc.url}/version`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: "modelgate", version: "0.1.0", api_version: "v1" });
    expect(String(res.body.git_commit)).toMatch(/^(?:[0-9a-f]{7,40}|unknown)$/);
    expect(String(res.body.build_date)).toMatch(/^(?:\d{4}-\d{2}-\d{2}|unknown)$/);
  });
});

describe("storage of a Hub model, in the seeds' words", () => {
  let hub: FakeHub;
  const dirs: string[] = [];
  beforeAll(async () => {
    hub = await startFakeHub();
  });
  afterAll(async () => {
    await hub.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function serviceWith21(repo: string): Promise<TestService> {
    const dir = mkdtempSync(join(tmpdir(), "mg-seeds-"));
    dirs.push(dir);
    const store = await openStore({ dataDir: dir });
    const spec = await readSpecFile(join(BUILTIN_MODELS_DIR, "lead-scoring"));
    await modelRepository(store.db).upsert({
      id: "21",
      name: spec.name,
      version: spec.version,
      description: "",
      source: `hf://${repo}`,
      spec,
      maxBatchSize: 64,
    });
    await store.close();
    return startTestService(
      {
        HF_ENDPOINT: hub.url,
        HUGGINGFACE_API_KEY: hub.tokens.read,
        MODELGATE_REGISTER_EXAMPLE: "false",
      },
      { dataDir: dir },
    );
  }

  it.each([
    [PRIVATE_REPO, "huggingface_private"],
    [PUBLIC_REPO, "huggingface"],
  ])("%s is %s once the Hub answered", async (repo, storage) => {
    const svc = await serviceWith21(repo);
    try {
      const headers = { "X-API-Key": svc.adminKey };
      const predicted = await postJson(
        `${svc.url}/api/v1/models/21/predict`,
        { inputs: SEED_INPUT },
        headers,
      );
      expect(predicted.status).toBe(200);
      const info = await getJson(`${svc.url}/api/v1/models/21/info`, headers);
      expect(info.body).toMatchObject({ storage, type: "onnx", inference_methods: ["local"] });
      const health = await getJson(`${svc.url}/api/v1/models/21/health`, headers);
      expect(health.body).toMatchObject({ storage_type: storage, is_cached: true });
    } finally {
      await svc.close();
    }
  });
});
