import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeAuth } from "./support/fake-auth.js";
import { startFakeAuth } from "./support/fake-auth.js";
import type { TestService } from "./support/service.js";
import { SEED_INPUT, getJson, postJson, startTestService } from "./support/service.js";

// The external service decides what a key is; these need not look like modelgate's keys.
const PARTNER = "ext_partner_key_0001";
const OPS = "ext_ops_key_0001";

let auth: FakeAuth;
let svc: TestService;

beforeAll(async () => {
  auth = await startFakeAuth({
    [PARTNER]: {
      user_id: "user_42",
      key_id: "ext_key_1",
      scopes: ["predict", "models:read"],
      rate_limit_per_hour: 2,
    },
    [OPS]: { user_id: "ops", key_id: "ext_key_ops", scopes: ["admin"], rate_limit_per_hour: 0 },
  });
  svc = await startTestService({
    AUTH_SERVICE_URL: auth.url,
    AUTH_SERVICE_ID: "modelgate-test",
    AUTH_SERVICE_TIMEOUT_MS: "300",
  });
});
afterAll(async () => {
  await svc.close();
  await auth.close();
});

const predict = (key: string) =>
  postJson(`${svc.url}/api/v1/models/21/predict`, { inputs: SEED_INPUT }, { "X-API-Key": key });

/** A key the service has never been asked about, so no cached answer hides the mode. */
let fresh = 0;
const newKey = () => `ext_unknown_key_${++fresh}`;

describe("keys validated by the external auth service (AUTH_SERVICE_URL)", () => {
  it("predicts as the user and key the service names, asking it once per key", async () => {
    const before = auth.count;
    const res = await predict(PARTNER);
    expect(res.status).toBe(200);
    expect(res.body.metadata).toMatchObject({ user_id: "user_42", api_key_id: "ext_key_1" });
    const call = auth.requests.at(-1);
    expect(call?.authorization).toBe(`Bearer ${PARTNER}`);
    expect(JSON.parse(call?.body ?? "{}")).toEqual({ service_id: "modelgate-test" });
    const list = await getJson(`${svc.url}/api/v1/models`, { Authorization: `Bearer ${PARTNER}` });
    expect(list.status).toBe(200);
    expect(auth.count - before).toBe(1); // the second answer came from the cache
  });

  it("enforces the rate_limit_per_hour the service gives, with X-RateLimit-*", async () => {
    // Two requests above already used the limit of 2.
    const res = await predict(PARTNER);
    expect(res.status).toBe(429);
    expect(res.body.code).toBe("rate_limited");
    expect(res.headers.get("x-ratelimit-limit")).toBe("2");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("answers 401 for a key the service refuses, and its scopes decide the rest", async () => {
    const res = await predict(newKey());
    expect(res.status).toBe(401);
    expect(res.body.code).toBe("api_key_invalid");
    const usage = await getJson(`${svc.url}/api/v1/usage`, { "X-API-Key": OPS });
    expect(usage.status).toBe(200);
    expect(usage.headers.get("x-ratelimit-limit")).toBeNull(); // 0 = unlimited
    const denied = await getJson(`${svc.url}/api/v1/usage`, { "X-API-Key": PARTNER });
    expect(denied.body.code).toBe("scope_missing");
  });

  it("passes the service's own 429 on with its Retry-After", async () => {
    auth.mode = "limited";
    auth.retryAfter = "17";
    try {
      const res = await predict(newKey());
      expect(res.status).toBe(429);
      expect(res.body.code).toBe("rate_limited");
      expect(res.headers.get("retry-after")).toBe("17");
    } finally {
      auth.mode = "normal";
    }
  });

  it("a slow service is 503 auth_unavailable after AUTH_SERVICE_TIMEOUT_MS, never 500", async () => {
    auth.mode = "slow";
    auth.slowMs = 3_000;
    try {
      const started = Date.now();
      const res = await predict(newKey());
      expect(res.status).toBe(503);
      expect(res.body.code).toBe("auth_unavailable");
      expect(res.body.detail).toMatch(/no answer within 300 ms/);
      expect(res.body.detail).toMatch(/never allowed unchecked/);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(Date.now() - started).toBeLessThan(2_500);
    } finally {
      auth.mode = "normal";
    }
  });

  it("a service that is down is 503 for new keys; keys it accepted keep working", async () => {
    // The whole service: its usage endpoint too (a report it answered would close the circuit
    // that validation and usage reports share).
    auth.mode = "down";
    auth.usageMode = "down";
    try {
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await predict(newKey())).status);
      expect(statuses.every((s) => s === 503)).toBe(true);
      // Accepted above and cached for AUTH_SERVICE_CACHE_TTL_MS: not asked again.
      const cached = await getJson(`${svc.url}/api/v1/usage`, { "X-API-Key": OPS });
      expect(cached.status).toBe(200);

      // Five failures in a row opened the circuit: /ready says so, and no call is made.
      const ready = await getJson(`${svc.url}/ready`);
      expect(ready.status).toBe(503);
      const checks = ready.body.checks as { name: string; ok: boolean; reason: string }[];
      expect(checks.find((c) => c.name === "auth_service")).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/is failing/),
      });
      const calls = auth.count;
      const paused = await predict(newKey());
      expect(paused.status).toBe(503);
      expect(paused.body.detail).toMatch(/calls are paused/);
      expect(auth.count).toBe(calls);
    } finally {
      auth.mode = "normal";
      auth.usageMode = "normal";
    }
  });
});
