import { describe, expect, it } from "vitest";
import type { KeyRecord } from "../store/index.js";
import type { VerifyResult } from "./service.js";
import { authFailureError, localVerifier } from "./verifier.js";

const record: KeyRecord = {
  id: "key_1",
  name: "ci",
  userId: "admin",
  prefix: "mg_abc",
  scopes: ["predict"],
  modelIds: null,
  expiresAt: null,
  revokedAt: null,
  lastUsedAt: null,
  rateLimitPerHour: 25,
  createdAt: new Date(0),
};

describe("localVerifier", () => {
  it("passes failures through and adds the key's rate limit to a valid result", async () => {
    const principal = {
      keyId: "key_1",
      keyName: "ci",
      userId: "admin",
      scopes: ["predict"] as const,
      modelIds: null,
    };
    const answers: Record<string, VerifyResult> = {
      good: { valid: true, principal, record, keyHash: "ab12" },
      revoked: { valid: false, code: "api_key_revoked" },
    };
    const verifier = localVerifier({
      verify: async (key) => answers[key] ?? { valid: false, code: "api_key_invalid" },
    });
    expect(await verifier.verify("good")).toEqual({
      valid: true,
      principal,
      rateLimitPerHour: 25,
      keyHash: "ab12",
    });
    expect(await verifier.verify("revoked")).toEqual({ valid: false, code: "api_key_revoked" });
  });
});

describe("authFailureError", () => {
  it("answers 401, 429 and 503 with Retry-After, never 500", () => {
    expect(authFailureError({ valid: false, code: "api_key_revoked" }).status).toBe(401);
    const limited = authFailureError({ valid: false, code: "rate_limited", retryAfterS: 7 });
    expect(limited.status).toBe(429);
    expect(limited.headers).toEqual({ "Retry-After": "7" });
    const down = authFailureError({
      valid: false,
      code: "auth_unavailable",
      reason: "the auth service at http://auth:80 cannot be reached (ECONNREFUSED)",
      retryAfterS: 5,
    });
    expect(down.status).toBe(503);
    expect(down.code).toBe("auth_unavailable");
    expect(down.headers).toEqual({ "Retry-After": "5" });
    expect(down.detail).toMatch(/cannot be checked now: the auth service .*\(ECONNREFUSED\)/);
  });
});
