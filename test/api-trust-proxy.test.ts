/**
 * Behind a load balancer every connection comes from the balancer: with TRUST_PROXY naming it,
 * the budget of requests with invalid keys is kept per client (X-Forwarded-For), so one client
 * sending bad keys does not lock the others out; without it, X-Forwarded-For is not believed.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { TestService } from "./support/service.js";
import { SEED_INPUT, postJson, startTestService } from "./support/service.js";

let svc: TestService | undefined;
afterEach(async () => {
  await svc?.close();
  svc = undefined;
});

const BAD_KEY = `hk_live_${"x".repeat(32)}`;

async function tryBadKey(service: TestService, client: string) {
  return postJson(
    `${service.url}/api/v1/models/21/predict`,
    { inputs: SEED_INPUT },
    { "X-API-Key": BAD_KEY, "X-Forwarded-For": client },
  );
}

describe("TRUST_PROXY and the failed-attempt budget", () => {
  it("keeps a budget per forwarded client when the proxy is trusted", async () => {
    svc = await startTestService({ AUTH_FAILED_ATTEMPTS_PER_MINUTE: "2", TRUST_PROXY: "loopback" });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await tryBadKey(svc, "203.0.113.7")).status);
    expect(statuses).toEqual([401, 401, 429]);
    const other = await tryBadKey(svc, "198.51.100.9");
    expect(other.status).toBe(401);
    expect(other.body.code).toBe("api_key_invalid");
  });

  it("does not believe X-Forwarded-For from an untrusted sender", async () => {
    svc = await startTestService({ AUTH_FAILED_ATTEMPTS_PER_MINUTE: "2" });
    for (let i = 0; i < 2; i++) await tryBadKey(svc, `203.0.113.${i}`);
    const other = await tryBadKey(svc, "198.51.100.9");
    expect(other.status).toBe(429);
    expect(other.body.code).toBe("auth_failures_limited");
  });
});
