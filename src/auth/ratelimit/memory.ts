/**
 * The in-process rate limiter: the embedded default, and every replica's fallback while Redis
 * is unreachable.
 *
 * A fixed window per key, opened by the key's first request and lasting an hour — the same
 * semantics as the Redis limiter (a counter that expires), so falling back or recovering
 * never changes what a client sees, and X-RateLimit-Reset is one clear moment. A
 * sliding log would be smoother at window edges but costs memory per request; for an hourly
 * quota (not burst control) the fixed window's worst case, 2N across one boundary, is fine.
 */
import type { RateLimitDecision, RateLimiter } from "./types.js";
import { decisionFromCount, HOUR_MS, unlimitedDecision } from "./types.js";

export interface MemoryRateLimiterOptions {
  windowMs?: number;
  /** Keys tracked at once; past it expired windows are swept, then the oldest is dropped. */
  maxKeys?: number;
  now?: () => number;
}

interface Window {
  endsAt: number;
  count: number;
}

export function memoryRateLimiter(options: MemoryRateLimiterOptions = {}): RateLimiter {
  const windowMs = options.windowMs ?? HOUR_MS;
  const maxKeys = options.maxKeys ?? 100_000;
  const now = options.now ?? Date.now;
  const windows = new Map<string, Window>();

  function makeRoom(at: number): void {
    if (windows.size < maxKeys) return;
    for (const [key, w] of windows) if (w.endsAt <= at) windows.delete(key);
    // Still full of live windows: forget the oldest (its key gets a fresh window early).
    if (windows.size >= maxKeys) {
      const oldest = windows.keys().next();
      if (!oldest.done) windows.delete(oldest.value);
    }
  }

  function consumeSync(keyId: string, limit: number): RateLimitDecision {
    const at = now();
    if (limit === 0) return unlimitedDecision(at);
    let window = windows.get(keyId);
    if (!window || window.endsAt <= at) {
      windows.delete(keyId);
      makeRoom(at);
      window = { endsAt: at + windowMs, count: 0 };
      windows.set(keyId, window);
    }
    // A refused request spends nothing: raising a key's limit lets it go on at once.
    if (window.count >= limit)
      return decisionFromCount(limit, limit + 1, window.endsAt - at, at, false);
    window.count += 1;
    return decisionFromCount(limit, window.count, window.endsAt - at, at, false);
  }

  return {
    consume: (keyId, limit) => Promise.resolve(consumeSync(keyId, limit)),
    health: () => ({ degraded: false, reason: undefined }),
  };
}
