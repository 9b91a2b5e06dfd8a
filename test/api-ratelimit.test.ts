import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { socketAdminOps } from "../src/cli/admin-client.js";
import {
  closedPort,
  deletePrefix,
  randomPrefix,
  TEST_REDIS_URL,
} from "../src/cluster/test-support/redis.js";
import { adminSocketPath } from "../src/server/admin/socket.js";
import type { AdminOps } from "../src/server/admin/ops.js";
import type { TestService } from "./support/service.js";
import { SEED_INPUT, getJson, postJson, startTestService } from "./support/service.js";

const DEFAULT_LIMIT = 4;

interface Backend {
  name: string;
  env: () => Promise<Record<string, string>>;
}

const prefix = randomPrefix();
const BACKENDS: Backend[] = [
  { name: "in-process limits (no REDIS_URL)", env: async () => ({}) },
  {
    name: "Redis limits",
    env: async () => ({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix }),
  },
];

afterAll(async () => {
  await deletePrefix(prefix);
});

describe.each(BACKENDS)("rate limits per API key — $name", (backend) => {
  let svc: TestService;
  let admin: AdminOps;

  beforeAll(async () => {
    svc = await startTestService({
      ...(await backend.env()),
      RATE_LIMIT_DEFAULT_PER_HOUR: String(DEFAULT_LIMIT),
    });
    admin = socketAdminOps(adminSocketPath(svc.dataDir));
  });
  afterAll(async () => {
    await svc.close();
  });

  const predict = (key: string, model = "21") =>
    postJson(
      `${svc.url}/api/v1/models/${model}/predict`,
      { inputs: SEED_INPUT },
      { "X-API-Key": key },
    );

  it("allows exactly N an hour with X-RateLimit-* on every answer, then 429 with Retry-After", async () => {
    const { key } = await admin.createKey({ name: "three", rate_limit_per_hour: 3 });
    const before = Math.floor(Date.now() / 1000);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await predict(key));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(answers.map((a) => a.headers.get("x-ratelimit-remaining"))).toEqual([
      "2",
      "1",
      "0",
      "0",
    ]);
    for (const a of answers) expect(a.headers.get("x-ratelimit-limit")).toBe("3");
    const reset = Number(answers[0]?.headers.get("x-ratelimit-reset"));
    expect(reset).toBeGreaterThanOrEqual(before + 3_500);
    expect(reset).toBeLessThanOrEqual(before + 3_601);

    const refused = answers[3];
    expect(refused?.body.code).toBe("rate_limited");
    expect(refused?.body.detail).toMatch(/limit of 3 requests per hour is used up/);
    const retryAfter = Number(refused?.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(3_500);
    expect(retryAfter).toBeLessThanOrEqual(3_600);
  });

  it("counts every authenticated route, and route errors still carry the headers", async () => {
    const { key } = await admin.createKey({ name: "mixed", rate_limit_per_hour: 3 });
    const list = await getJson(`${svc.url}/api/v1/models`, { "X-API-Key": key });
    expect(list.status).toBe(200);
    expect(list.headers.get("x-ratelimit-remaining")).toBe("2");
    const missing = await predict(key, "no-such-model");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("x-ratelimit-remaining")).toBe("1");
    expect((await predict(key)).status).toBe(200);
    expect((await getJson(`${svc.url}/api/v1/models`, { "X-API-Key": key })).status).toBe(429);
  });

  it("does not spend the quota on refused keys or scopes", async () => {
    const narrow = await admin.createKey({
      name: "read-only",
      scopes: ["models:read"],
      rate_limit_per_hour: 1,
    });
    for (let i = 0; i < 3; i++) {
      const res = await predict(narrow.key);
      expect(res.status).toBe(403);
      expect(res.headers.get("x-ratelimit-limit")).toBeNull();
    }
    const list = await getJson(`${svc.url}/api/v1/models`, { "X-API-Key": narrow.key });
    expect(list.status).toBe(200);
    expect(list.headers.get("x-ratelimit-remaining")).toBe("0");
  });

  it("gives keys created without a limit RATE_LIMIT_DEFAULT_PER_HOUR", async () => {
    const created = await admin.createKey({ name: "default" });
    expect(created.rate_limit_per_hour).toBeNull();
    const statuses = [];
    for (let i = 0; i <= DEFAULT_LIMIT; i++) {
      const res = await predict(created.key);
      statuses.push(res.status);
      if (i === 0) expect(res.headers.get("x-ratelimit-limit")).toBe(String(DEFAULT_LIMIT));
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(DEFAULT_LIMIT);
    expect(statuses.at(-1)).toBe(429);
  });

  it("never limits the first-start admin key, and sends no X-RateLimit-* for it", async () => {
    for (let i = 0; i < DEFAULT_LIMIT + 2; i++) {
      const res = await predict(svc.adminKey);
      expect(res.status).toBe(200);
      expect(res.headers.get("x-ratelimit-limit")).toBeNull();
    }
    const keys = await admin.listKeys();
    expect(keys.find((k) => k.name === "bootstrap-admin")?.rate_limit_per_hour).toBe(0);
  });

  it("refuses a negative or fractional limit with 422 naming the field", async () => {
    await expect(admin.createKey({ name: "bad", rate_limit_per_hour: -1 })).rejects.toMatchObject({
      code: "invalid_request",
      message: expect.stringMatching(/rate_limit_per_hour/),
    });
    await expect(admin.createKey({ name: "bad", rate_limit_per_hour: 1.5 })).rejects.toMatchObject({
      code: "invalid_request",
    });
  });
});

describe("Redis unreachable", () => {
  let svc: TestService;
  let admin: AdminOps;

  beforeAll(async () => {
    const port = await closedPort();
    svc = await startTestService({ REDIS_URL: `redis://127.0.0.1:${port}` });
    admin = socketAdminOps(adminSocketPath(svc.dataDir));
  });
  afterAll(async () => {
    await svc.close();
  });

  it("keeps predicting with per-replica limits; /ready stays 200 and says degraded", async () => {
    const { key } = await admin.createKey({ name: "no-redis", rate_limit_per_hour: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push(
        (
          await postJson(
            `${svc.url}/api/v1/models/21/predict`,
            { inputs: SEED_INPUT },
            { "X-API-Key": key },
          )
        ).status,
      );
    }
    expect(statuses).toEqual([200, 200, 429]);
    const ready = await getJson(`${svc.url}/ready`);
    expect(ready.status).toBe(200);
    const checks = ready.body.checks as { name: string; ok: boolean; reason: string }[];
    expect(checks.find((c) => c.name === "redis")).toMatchObject({
      ok: true,
      reason: expect.stringMatching(/^degraded: Redis at 127\.0\.0\.1:\d+ is unreachable/),
    });
  });
});
