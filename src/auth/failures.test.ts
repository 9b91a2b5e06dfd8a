import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { handleError } from "../server/errors.js";
import { addressKey, failureLimiter } from "./failures.js";
import { authGuards } from "./hook.js";
import { generateKey, hashKey } from "./keys.js";
import { memoryRateLimiter } from "./ratelimit/index.js";
import type { AuthResult } from "./verifier.js";

const PRINCIPAL = {
  keyId: "key_a",
  keyName: "a",
  userId: "u",
  scopes: ["predict" as const],
  modelIds: null,
};
const VALID = generateKey();

/**
 * A guarded route whose verifier knows one key and counts its calls; `withHash`: its valid
 * answer carries the key's hash, as both real verifiers' do.
 */
async function appWith(failedAttemptsPerMinute: number, withHash = false) {
  const app = Fastify({ logger: false });
  app.decorateRequest("principal", null);
  app.setErrorHandler(handleError);
  const calls = { verify: 0 };
  const auth = authGuards({
    verifier: {
      async verify(key): Promise<AuthResult> {
        calls.verify += 1;
        return key === VALID
          ? {
              valid: true,
              principal: PRINCIPAL,
              rateLimitPerHour: 0,
              ...(withHash ? { keyHash: hashKey(key) } : {}),
            }
          : { valid: false, code: "api_key_invalid" };
      },
    },
    rateLimiter: memoryRateLimiter(),
    defaultLimitPerHour: 0,
    failedAttemptsPerMinute,
  });
  app.get("/p", { onRequest: auth.require("predict") }, async function p() {
    return { ok: true };
  });
  await app.ready();
  const get = (key: string, remoteAddress = "203.0.113.7") =>
    app.inject({ method: "GET", url: "/p", headers: { "x-api-key": key }, remoteAddress });
  return { get, calls };
}

describe("failed attempts per client address", () => {
  it.each([
    ["hashes the key itself", false],
    ["takes the hash the verifier computed", true],
  ])(
    "past the limit: 429 auth_failures_limited, without verifying (%s)",
    async (_how, withHash) => {
      const { get, calls } = await appWith(3, withHash);
      expect((await get(VALID)).statusCode).toBe(200); // verified once: remembered
      for (let i = 0; i < 3; i++) expect((await get(generateKey())).statusCode).toBe(401);
      const over = await get(generateKey());
      expect(over.statusCode).toBe(429);
      expect(over.json()).toMatchObject({
        code: "auth_failures_limited",
        detail: expect.stringMatching(
          /more than 3 a minute\): retry after \d+ s, with a valid key/,
        ),
        request_id: expect.any(String),
      });
      expect(Number(over.headers["retry-after"])).toBeGreaterThan(0);
      expect(Number(over.headers["retry-after"])).toBeLessThanOrEqual(60);
      const verified = calls.verify;
      expect((await get(generateKey())).statusCode).toBe(429);
      expect(calls.verify).toBe(verified); // answered from memory: no verification at all
      // A key verified recently still passes from that address; another address is not blocked.
      expect((await get(VALID)).statusCode).toBe(200);
      expect((await get(generateKey(), "198.51.100.9")).statusCode).toBe(401);
    },
  );

  it("0 turns it off", async () => {
    const { get } = await appWith(0);
    for (let i = 0; i < 5; i++) expect((await get(generateKey())).statusCode).toBe(401);
  });
});

describe("failureLimiter", () => {
  it("counts per minute: the budget comes back when the window ends", () => {
    let now = 1_000_000;
    const limiter = failureLimiter({ perMinute: 2, now: () => now });
    expect([limiter.fail("a"), limiter.fail("a")]).toEqual([0, 0]);
    expect(limiter.fail("a")).toBe(60);
    now += 45_000;
    expect(limiter.blockedFor("a")).toBe(15);
    now += 15_000;
    expect(limiter.blockedFor("a")).toBe(0);
    expect(limiter.fail("a")).toBe(0);
  });

  it("keeps at most maxAddresses, dropping the least recently failing", () => {
    const limiter = failureLimiter({ perMinute: 1, maxAddresses: 100 });
    for (let i = 0; i < 1_000; i++) limiter.fail(`10.0.${i >> 8}.${i & 255}`);
    expect(limiter.size()).toBe(100);
  });

  it("counts IPv6 clients by their /64 and IPv4-mapped addresses as IPv4", () => {
    expect(addressKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:0db8:0001:0002:ffff:1:2:3")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(addressKey("192.0.2.1")).toBe("192.0.2.1");
  });
});
