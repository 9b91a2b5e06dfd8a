/**
 * The seeds' incident, end to end against a fake Hugging Face Hub: model 21 lives in a private
 * repository and the service may lack HUGGINGFACE_API_KEY. It must never answer 500, must say
 * so by name on /ready and on every failed prediction, and must refuse a strict start.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { readSpecFile } from "../src/spec/index.js";
import { BUILTIN_MODELS_DIR } from "../src/sources/index.js";
import { modelRepository, openStore } from "../src/store/index.js";
import type { FakeHub } from "./support/fake-hub.js";
import { PRIVATE_REPO, PUBLIC_REPO, startFakeHub } from "./support/fake-hub.js";
import type { TestService } from "./support/service.js";
import { SEED_INPUT, getJson, postJson, startTestService } from "./support/service.js";

let hub: FakeHub;
const open: TestService[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  hub = await startFakeHub();
});
afterAll(async () => {
  await hub.close();
});
afterEach(async () => {
  hub.clearFaults();
  await Promise.all(open.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A data dir where model 21 is registered from the Hub, as the seeds' deployment had it. */
async function dataDirWith21(repo: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "mg-hub-"));
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
  return dir;
}

async function start(
  dataDir: string,
  env: Record<string, string> = {},
  strict = false,
): Promise<TestService> {
  const svc = await startTestService(
    { HF_ENDPOINT: hub.url, MODELGATE_REGISTER_EXAMPLE: "false", ...env },
    { dataDir, strict },
  );
  open.push(svc);
  return svc;
}

const predict = (svc: TestService, key = svc.adminKey) =>
  postJson(`${svc.url}/api/v1/models/21/predict`, { inputs: SEED_INPUT }, { "X-API-Key": key });

const INCIDENT = `HUGGINGFACE_API_KEY is not set; model 21 is stored in a private Hugging Face repository ${PRIVATE_REPO}`;

describe("the seeds' incident: private model, no token", () => {
  it("answers every prediction 503 naming the variable, never 500", async () => {
    const svc = await start(await dataDirWith21(PRIVATE_REPO));
    for (let i = 0; i < 3; i++) {
      const res = await predict(svc);
      expect(res.status).toBe(503);
      expect(res.body.code).toBe("source_credentials_missing");
      expect(String(res.body.detail)).toContain(INCIDENT);
    }
  });

  it("reports the same sentence on /ready (503) and on the model's health", async () => {
    const svc = await start(await dataDirWith21(PRIVATE_REPO));
    const ready = await getJson(`${svc.url}/ready`);
    expect(ready.status).toBe(503);
    const check = (ready.body.checks as { name: string; ok: boolean; reason: string }[]).find(
      (c) => c.name === "model:21",
    );
    expect(check?.ok).toBe(false);
    expect(check?.reason).toContain(INCIDENT);
    const health = await getJson(`${svc.url}/api/v1/models/21/health`, {
      "X-API-Key": svc.adminKey,
    });
    expect(health.status).toBe(503);
    expect(JSON.stringify(health.body)).toContain(INCIDENT);
  });

  it("refuses a strict start with one sentence naming the variable and the model", async () => {
    const dir = await dataDirWith21(PRIVATE_REPO);
    await expect(start(dir, {}, true)).rejects.toMatchObject({
      code: "source_credentials_missing",
      message: expect.stringContaining(`Refusing to start: ${INCIDENT}`),
    });
    await expect(start(dir, { NODE_ENV: "production" })).rejects.toMatchObject({
      code: "source_credentials_missing",
    });
  });
});

describe("with the Hub", () => {
  it("serves the private model once the token is set, recording the commit served", async () => {
    const svc = await start(
      await dataDirWith21(PRIVATE_REPO),
      { HUGGINGFACE_API_KEY: hub.tokens.read },
      true,
    );
    const res = await predict(svc);
    expect(res.status).toBe(200);
    expect(res.body.predictions).toMatchObject({ factors: ["Demo requested", "High engagement"] });
    const health = await getJson(`${svc.url}/api/v1/models/21/health`, {
      "X-API-Key": svc.adminKey,
    });
    expect(health.body).toMatchObject({ status: "ready", served_from_cache: false });
    expect(String(health.body.revision)).toMatch(/^[0-9a-f]{40}$/);
  });

  it("answers 503 source_unauthorized naming the repository for a token refused access (403)", async () => {
    const svc = await start(await dataDirWith21(PRIVATE_REPO), {
      HUGGINGFACE_API_KEY: hub.tokens.forbidden,
    });
    const res = await predict(svc);
    expect(res.status).toBe(503);
    expect(res.body.code).toBe("source_unauthorized");
    expect(String(res.body.detail)).toContain(
      `HUGGINGFACE_API_KEY may not read the Hugging Face repository ${PRIVATE_REPO} of model 21 (HTTP 403)`,
    );
    expect(String(res.body.detail)).not.toContain(hub.tokens.forbidden);
  });

  it("answers 503 source_not_found for a token the Hub hides the private repository from (404)", async () => {
    const svc = await start(await dataDirWith21(PRIVATE_REPO), {
      HUGGINGFACE_API_KEY: hub.tokens.noAccess,
    });
    const res = await predict(svc);
    expect(res.status).toBe(503);
    expect(res.body.code).toBe("source_not_found");
    expect(String(res.body.detail)).toContain(
      `The Hugging Face repository ${PRIVATE_REPO} of model 21 does not exist, or HUGGINGFACE_API_KEY cannot read it`,
    );
    expect(String(res.body.detail)).not.toContain(hub.tokens.noAccess);
  });

  it("/ready tells the truth about a token the Hub rejected at start, before any request", async () => {
    // Not strict: the service starts, but must not report itself ready to serve model 21.
    const svc = await start(await dataDirWith21(PRIVATE_REPO), {
      HUGGINGFACE_API_KEY: `hf_${"x".repeat(34)}`,
    });
    const ready = await getJson(`${svc.url}/ready`);
    expect(ready.status).toBe(503);
    const check = (ready.body.checks as { name: string; ok: boolean; reason: string }[]).find(
      (c) => c.name === "model:21",
    );
    expect(check?.ok).toBe(false);
    expect(check?.reason).toMatch(/HUGGINGFACE_API_KEY/);
    expect(check?.reason).toMatch(/found when the service started/);
    const health = await getJson(`${svc.url}/api/v1/models/21/health`, {
      "X-API-Key": svc.adminKey,
    });
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({
      healthy: false,
      last_error: { code: "source_unauthorized" },
    });
    // The prediction gives the same cause.
    const res = await predict(svc);
    expect(res.status).toBe(503);
    expect(res.body.code).toBe("source_unauthorized");
    expect(String(res.body.detail)).toContain("rejected HUGGINGFACE_API_KEY");
    expect(JSON.stringify([ready.body, health.body, res.body])).not.toContain("x".repeat(34));
  });

  it("a token that is not an hf_ token is a clear 503, not a crash", async () => {
    const svc = await start(await dataDirWith21(PRIVATE_REPO), {
      HUGGINGFACE_API_KEY: "not-a-token",
    });
    const res = await predict(svc);
    expect(res.status).toBe(503);
    expect(String(res.body.detail)).toMatch(/does not look like a Hugging Face token/);
  });

  it("one download for a hundred concurrent cold requests", async () => {
    const svc = await start(await dataDirWith21(PUBLIC_REPO));
    const before = hub.hits("model.onnx");
    const answers = await Promise.all(Array.from({ length: 100 }, () => predict(svc)));
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 100 }, () => 200));
    expect(hub.hits("model.onnx") - before).toBe(1);
  });

  it("keeps serving from the verified disk cache when the Hub is down, and says so", async () => {
    const dir = await dataDirWith21(PRIVATE_REPO);
    const first = await start(dir, { HUGGINGFACE_API_KEY: hub.tokens.read });
    const key = first.adminKey;
    expect((await predict(first)).status).toBe(200);
    await first.close();
    open.splice(open.indexOf(first), 1);

    await hub.down();
    try {
      // Restarted with the Hub gone and, worse, without the token: still served, strictly.
      const again = await start(dir, {}, true);
      expect((await predict(again, key)).status).toBe(200);
      const ready = await getJson(`${again.url}/ready`);
      expect(ready.status).toBe(200);
      const check = (ready.body.checks as { name: string; reason: string }[]).find(
        (c) => c.name === "model:21",
      );
      expect(check?.reason).toMatch(/disk cache/);
    } finally {
      await hub.up();
    }
  });

  describe("a cold model whose Hub fails: 503 source_unreachable with Retry-After, and /ready says so", () => {
    /** Predicts once, then reads what /ready and the model's health report. */
    async function coldFailure(svc: TestService) {
      const res = await predict(svc);
      const ready = await getJson(`${svc.url}/ready`);
      const check = (ready.body.checks as { name: string; ok: boolean; reason: string }[]).find(
        (c) => c.name === "model:21",
      );
      const health = await getJson(`${svc.url}/api/v1/models/21/health`, {
        "X-API-Key": svc.adminKey,
      });
      return { res, check, health };
    }
    const UNAVAILABLE = `The Hugging Face Hub at ${"HUB"} is unavailable for model 21's repository ${PUBLIC_REPO}`;
    const unavailable = () => UNAVAILABLE.replace("HUB", hub.url);

    it("the Hub down (connection refused)", async () => {
      const dir = await dataDirWith21(PUBLIC_REPO);
      await hub.down();
      try {
        const svc = await start(dir, { MODELGATE_SOURCE_RETRIES: "1" });
        const { res, check, health } = await coldFailure(svc);
        expect(res.status).toBe(503);
        expect(res.body).toMatchObject({
          code: "source_unreachable",
          request_id: expect.any(String),
        });
        expect(String(res.body.detail)).toContain(
          `${unavailable()} (connection refused, 2 attempts)`,
        );
        expect(res.headers.get("retry-after")).toBe("30");
        expect(check).toMatchObject({ ok: false, reason: expect.stringContaining(unavailable()) });
        expect(health.body).toMatchObject({ last_error: { code: "source_unreachable" } });
      } finally {
        await hub.up();
      }
    });

    it("the Hub answering 429 with a Retry-After longer than a request may wait", async () => {
      const svc = await start(await dataDirWith21(PUBLIC_REPO));
      hub.fault({ fault: { kind: "status", status: 429, retryAfter: 120 } });
      const { res, check } = await coldFailure(svc);
      expect(res.status).toBe(503);
      expect(res.body.code).toBe("source_unreachable");
      expect(String(res.body.detail)).toContain(`${unavailable()} (HTTP 429)`);
      expect(res.headers.get("retry-after")).toBe("120"); // the Hub's own figure, passed on
      expect(check).toMatchObject({ ok: false, reason: expect.stringContaining("HTTP 429") });
    });

    it("the Hub answering 5xx on every attempt", async () => {
      const svc = await start(await dataDirWith21(PUBLIC_REPO), { MODELGATE_SOURCE_RETRIES: "1" });
      hub.fault({ fault: { kind: "status", status: 502 } });
      const { res, check } = await coldFailure(svc);
      expect(res.status).toBe(503);
      expect(res.body.code).toBe("source_unreachable");
      expect(String(res.body.detail)).toContain(`${unavailable()} (HTTP 502, 2 attempts)`);
      expect(res.headers.get("retry-after")).toBe("30");
      expect(check).toMatchObject({ ok: false, reason: expect.stringContaining("HTTP 502") });
    });
  });
});
