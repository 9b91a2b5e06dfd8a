import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { ModelgateError } from "../errors.js";
import { handleError } from "../server/errors.js";
import { authGuards } from "./hook.js";
import { memoryRateLimiter } from "./ratelimit/index.js";
import type { KeyVerifier } from "./verifier.js";

const PRINCIPAL = {
  keyId: "key_a",
  keyName: "a",
  userId: "u",
  scopes: ["predict" as const],
  modelIds: null,
};

async function appWith(verifier: KeyVerifier, defaultLimitPerHour = 2) {
  const app = Fastify({ logger: false });
  app.decorateRequest("principal", null);
  app.setErrorHandler(handleError);
  const auth = authGuards({ verifier, rateLimiter: memoryRateLimiter(), defaultLimitPerHour });
  app.get("/p", { onRequest: auth.require("predict") }, async function p(request) {
    return { key: request.principal?.keyId };
  });
  app.get("/admin", { onRequest: auth.require("admin") }, async function a() {
    return {};
  });
  await app.ready();
  return app;
}

const get = (app: Awaited<ReturnType<typeof appWith>>, url = "/p") =>
  app.inject({ method: "GET", url, headers: { "x-api-key": "k" } });

describe("the auth guard", () => {
  it("answers a key store that throws with 503 store_unavailable, never 500", async () => {
    const app = await appWith({
      verify: () => Promise.reject(new Error("Connection terminated unexpectedly")),
    });
    const res = await get(app);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: "store_unavailable" });
    expect(res.json().detail).not.toMatch(/terminated/); // the cause is logged, not sent
  });

  it("passes a typed store error on as it is", async () => {
    const app = await appWith({
      verify: () =>
        Promise.reject(new ModelgateError("store_unavailable", "cannot connect to PostgreSQL")),
    });
    expect((await get(app)).json().detail).toBe("cannot connect to PostgreSQL");
  });

  it("answers auth failures as values with their status and headers", async () => {
    const down = await appWith({
      verify: async () => ({
        valid: false,
        code: "auth_unavailable",
        reason: "no answer",
        retryAfterS: 7,
      }),
    });
    const res = await get(down);
    expect(res.statusCode).toBe(503);
    expect(res.headers["retry-after"]).toBe("7");
    const revoked = await appWith({
      verify: async () => ({ valid: false, code: "api_key_revoked" }),
    });
    expect((await get(revoked)).json().code).toBe("api_key_revoked");
  });

  it("checks the scope before spending the quota, then limits with X-RateLimit-*", async () => {
    const app = await appWith({
      verify: async () => ({ valid: true, principal: PRINCIPAL, rateLimitPerHour: null }),
    });
    expect((await get(app, "/admin")).statusCode).toBe(403);
    const first = await get(app);
    expect(first.statusCode).toBe(200);
    expect(first.headers["x-ratelimit-remaining"]).toBe("1");
    expect((await get(app)).statusCode).toBe(200);
    const refused = await get(app);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
  });

  it("reads the key from X-API-Key, Authorization: Bearer and Authorization: ApiKey (the seeds' form)", async () => {
    const seen: string[] = [];
    const app = await appWith(
      {
        verify: async (key) => {
          seen.push(key);
          return { valid: true, principal: PRINCIPAL, rateLimitPerHour: null };
        },
      },
      100,
    );
    const forms = [
      { "x-api-key": "hk_one" },
      { authorization: "Bearer hk_two" },
      { authorization: "ApiKey hk_three" },
      { authorization: "apikey  hk_four " },
    ];
    for (const headers of forms) {
      expect((await app.inject({ method: "GET", url: "/p", headers })).statusCode).toBe(200);
    }
    expect(seen).toEqual(["hk_one", "hk_two", "hk_three", "hk_four"]);
    const basic = await app.inject({
      method: "GET",
      url: "/p",
      headers: { authorization: "Basic aGs6eA==" },
    });
    expect(basic.statusCode).toBe(401);
    expect(basic.json().code).toBe("api_key_missing");
  });
});
