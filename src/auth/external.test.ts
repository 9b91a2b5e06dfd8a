import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeAuth } from "../../test/support/fake-auth.js";
import { startFakeAuth } from "../../test/support/fake-auth.js";
import { closedPort } from "../cluster/test-support/redis.js";
import { circuitBreaker } from "./circuit-breaker.js";
import { parseRetryAfter } from "./external-response.js";
import { externalAuth } from "./external.js";
import { hashKey } from "./keys.js";
import type { AuthResult } from "./verifier.js";

const GOOD = "mg_live_good_key_0123456789";
const LIMITLESS = "mg_live_limitless_key_000000";

let fake: FakeAuth;
beforeAll(async () => {
  fake = await startFakeAuth({
    [GOOD]: {
      user_id: "user_7",
      key_id: "key_ext_1",
      scopes: ["predict", "model:write"],
      rate_limit_per_hour: 100,
    },
    [LIMITLESS]: { user_id: "u", key_id: "key_ext_2", scopes: [], rate_limit_per_hour: null },
  });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.mode = "normal";
});

function clock() {
  let t = Date.now();
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("externalAuth", () => {
  it("validates with the key as Bearer and the service id, and maps the principal", async () => {
    const auth = externalAuth({ url: `${fake.url}/`, serviceId: "modelgate-test" });
    const before = fake.count;
    const result = await auth.verify(GOOD);
    expect(result).toEqual({
      valid: true,
      principal: {
        keyId: "key_ext_1",
        keyName: "key_ext_1",
        userId: "user_7",
        // Any key the service accepts may predict and read models, as in the seeds' service;
        // the scopes it named are kept as named, model:write granting nothing here.
        scopes: ["predict", "models:read"],
        serviceScopes: ["predict", "model:write"],
        modelIds: null,
      },
      rateLimitPerHour: 100,
      // For the failure limiter, which then need not hash the key again.
      keyHash: hashKey(GOOD),
    });
    expect(fake.count).toBe(before + 1);
    expect(fake.requests.at(-1)).toEqual({
      authorization: `Bearer ${GOOD}`,
      body: JSON.stringify({ service_id: "modelgate-test" }),
    });
    expect(await auth.verify(LIMITLESS)).toMatchObject({ valid: true, rateLimitPerHour: null });
  });

  it("reads the seeds' newer answers: the user nested as user.id, unknown scopes kept", async () => {
    const key = "hk_live_nested_user_key_000001";
    fake.keys.set(key, {
      user: { id: "acct_9", email: "ops@example.com" },
      key_id: "b84f0026-039f-4693-b6bd-c29820222802",
      scopes: ["mlflow:write", "inference:run"],
      rate_limit_per_hour: 1000,
    });
    const auth = externalAuth({ url: fake.url, serviceId: "platform" });
    expect(await auth.verify(key)).toEqual({
      valid: true,
      principal: {
        keyId: "b84f0026-039f-4693-b6bd-c29820222802",
        keyName: "b84f0026-039f-4693-b6bd-c29820222802",
        userId: "acct_9",
        scopes: ["predict", "models:read"],
        serviceScopes: ["mlflow:write", "inference:run"],
        modelIds: null,
      },
      rateLimitPerHour: 1000,
      keyHash: hashKey(key),
    });
  });

  it("grants admin only when the service names it", async () => {
    const key = "hk_live_admin_key_00000000001";
    fake.keys.set(key, {
      user_id: "ops",
      key_id: "k_admin",
      scopes: ["admin"],
      rate_limit_per_hour: 0,
    });
    const auth = externalAuth({ url: fake.url, serviceId: "platform" });
    expect(await auth.verify(key)).toMatchObject({
      valid: true,
      principal: { scopes: ["predict", "models:read", "admin"], serviceScopes: ["admin"] },
    });
  });

  it("a key whose balance the service says is insufficient is refused (402), for a short while", async () => {
    const key = "hk_live_broke_key_000000000001";
    fake.keys.set(key, {
      user_id: "u",
      key_id: "k_broke",
      scopes: [],
      rate_limit_per_hour: null,
      balance: 0,
    });
    const c = clock();
    const auth = externalAuth({ url: fake.url, serviceId: "s", invalidTtlMs: 1_000, now: c.now });
    const result = await auth.verify(key);
    expect(result).toEqual({
      valid: false,
      code: "insufficient_balance",
      reason: "the auth service reports this key's balance (0) is insufficient",
    });
    const before = fake.count;
    await auth.verify(key);
    expect(fake.count).toBe(before); // cached like a refusal
    c.advance(1_001);
    await auth.verify(key);
    expect(fake.count).toBe(before + 1);
  });

  it("caches valid and invalid answers; concurrent checks share one call", async () => {
    const auth = externalAuth({ url: fake.url, serviceId: "s" });
    const before = fake.count;
    const results = await Promise.all([1, 2, 3, 4].map(() => auth.verify(GOOD)));
    expect(results.every((r) => r.valid)).toBe(true);
    expect(await auth.verify(GOOD)).toMatchObject({ valid: true });
    expect(fake.count).toBe(before + 1);

    expect(await auth.verify("mg_live_unknown")).toEqual({ valid: false, code: "api_key_invalid" });
    expect(await auth.verify("mg_live_unknown")).toEqual({ valid: false, code: "api_key_invalid" });
    expect(fake.count).toBe(before + 2);

    auth.invalidate();
    await auth.verify(GOOD);
    expect(fake.count).toBe(before + 3);
  });

  it("keeps invalid answers for less time than valid ones", async () => {
    const c = clock();
    const auth = externalAuth({
      url: fake.url,
      serviceId: "s",
      validTtlMs: 10_000,
      invalidTtlMs: 1_000,
      now: c.now,
    });
    await auth.verify(GOOD);
    await auth.verify("mg_live_nope");
    const before = fake.count;
    c.advance(1_500);
    await auth.verify(GOOD);
    await auth.verify("mg_live_nope");
    expect(fake.count).toBe(before + 1); // only the invalid one was asked again
    c.advance(10_000);
    await auth.verify(GOOD);
    expect(fake.count).toBe(before + 2);
  });

  it("maps 429 to rate_limited with the service's Retry-After, uncached", async () => {
    const auth = externalAuth({ url: fake.url, serviceId: "s" });
    fake.mode = "limited";
    fake.retryAfter = "42";
    const before = fake.count;
    expect(await auth.verify(GOOD)).toEqual({
      valid: false,
      code: "rate_limited",
      retryAfterS: 42,
    });
    fake.mode = "normal";
    expect(await auth.verify(GOOD)).toMatchObject({ valid: true });
    expect(fake.count).toBe(before + 2);
  });

  it.each([
    ["slow", /no answer within 200 ms/],
    ["down", /cannot be reached/],
    ["error", /answered HTTP 500/],
    ["garbage", /answered 200 without user_id \(or user\.id\) and key_id/],
  ] as const)("%s → auth_unavailable, never allowed", async (mode, reason) => {
    const auth = externalAuth({ url: fake.url, serviceId: "s", timeoutMs: 200 });
    fake.mode = mode;
    const result = await auth.verify(GOOD);
    expect(result).toMatchObject({ valid: false, code: "auth_unavailable" });
    expect(result.valid === false && "reason" in result && result.reason).toMatch(reason);
    expect(JSON.stringify(result)).not.toContain(GOOD);
    // A failure is not cached: the next check asks again.
    fake.mode = "normal";
    expect(await auth.verify(GOOD)).toMatchObject({ valid: true });
  });

  it("reports a refused connection as auth_unavailable", async () => {
    const auth = externalAuth({ url: `http://127.0.0.1:${await closedPort()}`, serviceId: "s" });
    expect(await auth.verify(GOOD)).toMatchObject({
      valid: false,
      code: "auth_unavailable",
      reason: expect.stringMatching(/ECONNREFUSED/),
    });
  });

  it("opens the circuit after K failures, then a probe closes it again", async () => {
    const c = clock();
    const breaker = circuitBreaker({ threshold: 3, coolDownMs: 10_000, now: c.now });
    const auth = externalAuth({ url: fake.url, serviceId: "s", breaker, now: c.now });
    fake.mode = "error";
    const before = fake.count;
    for (let i = 0; i < 3; i++) await auth.verify(GOOD);
    expect(fake.count).toBe(before + 3);
    expect(auth.health().state).toBe("open");
    expect(auth.readiness()).toMatchObject({ name: "auth_service", ok: false });
    expect(auth.readiness().reason).toMatch(/failing \(answered HTTP 500\)/);

    const refused: AuthResult = await auth.verify(GOOD);
    expect(fake.count).toBe(before + 3); // not called while open
    expect(refused).toMatchObject({ code: "auth_unavailable", retryAfterS: 10 });

    fake.mode = "normal";
    c.advance(10_000);
    expect(await auth.verify(GOOD)).toMatchObject({ valid: true });
    expect(fake.count).toBe(before + 4);
    expect(auth.health().state).toBe("closed");
    expect(auth.readiness()).toEqual({
      name: "auth_service",
      ok: true,
      reason: `answering at ${fake.url}`,
    });
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates, with a floor of 1 and a default of 60", () => {
    const now = Date.UTC(2025, 0, 1, 12);
    expect(parseRetryAfter("120", now)).toBe(120);
    expect(parseRetryAfter("0", now)).toBe(1);
    expect(parseRetryAfter(new Date(now + 90_000).toUTCString(), now)).toBe(90);
    expect(parseRetryAfter(null, now)).toBe(60);
    expect(parseRetryAfter("soon", now)).toBe(60);
  });
});
