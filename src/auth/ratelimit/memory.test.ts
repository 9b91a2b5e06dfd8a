import { describe, expect, it } from "vitest";
import { isModelgateError } from "../../errors.js";
import { memoryRateLimiter } from "./memory.js";
import { effectiveLimit, HOUR_MS, rateLimitedError, rateLimitHeaders } from "./types.js";

function clock(start = Date.UTC(2025, 0, 1, 12)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("memoryRateLimiter", () => {
  it("allows exactly N an hour per key, then refuses until the window ends", async () => {
    const c = clock();
    const limiter = memoryRateLimiter({ now: c.now });
    const first = await limiter.consume("key_a", 3);
    expect(first).toEqual({
      allowed: true,
      limit: 3,
      remaining: 2,
      resetAt: new Date(c.now() + HOUR_MS),
      retryAfterS: 0,
      degraded: false,
    });
    c.advance(1_000);
    expect((await limiter.consume("key_a", 3)).remaining).toBe(1);
    expect((await limiter.consume("key_a", 3)).allowed).toBe(true);
    const refused = await limiter.consume("key_a", 3);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterS: 3_599 });
    // Other keys have their own windows.
    expect((await limiter.consume("key_b", 3)).remaining).toBe(2);

    c.advance(HOUR_MS - 1_000);
    expect(await limiter.consume("key_a", 3)).toMatchObject({ allowed: true, remaining: 2 });
  });

  it("does not spend the quota on refused requests", async () => {
    const limiter = memoryRateLimiter();
    await limiter.consume("key_a", 2);
    await limiter.consume("key_a", 2);
    for (let i = 0; i < 3; i++) expect((await limiter.consume("key_a", 2)).allowed).toBe(false);
    // The key's limit is raised: 2 were used, not 5.
    expect(await limiter.consume("key_a", 5)).toMatchObject({ allowed: true, remaining: 2 });
  });

  it("answers 0 (unlimited) without counting", async () => {
    const limiter = memoryRateLimiter();
    for (let i = 0; i < 5; i++) {
      expect(await limiter.consume("key_admin", 0)).toMatchObject({ allowed: true, limit: 0 });
    }
    expect((await limiter.consume("key_admin", 1)).allowed).toBe(true);
  });

  it("stays bounded: expired windows go first, then the oldest", async () => {
    const c = clock();
    const limiter = memoryRateLimiter({ now: c.now, maxKeys: 2, windowMs: 1_000 });
    await limiter.consume("a", 1);
    await limiter.consume("b", 1);
    expect((await limiter.consume("a", 1)).allowed).toBe(false);
    await limiter.consume("c", 1); // evicts "a", the oldest
    expect((await limiter.consume("a", 1)).allowed).toBe(true);
    expect(limiter.health()).toEqual({ degraded: false, reason: undefined });
  });
});

describe("the HTTP view of a decision", () => {
  it("renders X-RateLimit-* and a 429 with Retry-After", async () => {
    const c = clock(Date.UTC(2025, 0, 1, 12, 0, 0, 250));
    const limiter = memoryRateLimiter({ now: c.now });
    const ok = await limiter.consume("key_a", 1);
    expect(rateLimitHeaders(ok)).toEqual({
      "X-RateLimit-Limit": "1",
      "X-RateLimit-Remaining": "0",
      "X-RateLimit-Reset": String(Math.ceil((c.now() + HOUR_MS) / 1000)),
    });
    c.advance(600_000);
    const refused = await limiter.consume("key_a", 1);
    const err = rateLimitedError(refused);
    expect(isModelgateError(err) && err.status).toBe(429);
    expect(err.code).toBe("rate_limited");
    expect(err.headers).toMatchObject({ "Retry-After": "3000", "X-RateLimit-Remaining": "0" });
    expect(err.detail).toMatch(/limit of 1 requests per hour is used up: retry after 3000 s/);
  });

  it("sends no rate-limit headers for an unlimited key; null limits take the default", async () => {
    const decision = await memoryRateLimiter().consume("key_admin", 0);
    expect(rateLimitHeaders(decision)).toEqual({});
    expect(effectiveLimit(null, 1_000)).toBe(1_000);
    expect(effectiveLimit(undefined, 1_000)).toBe(1_000);
    expect(effectiveLimit(0, 1_000)).toBe(0);
    expect(effectiveLimit(5, 1_000)).toBe(5);
  });
});
