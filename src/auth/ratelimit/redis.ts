/**
 * The shared rate limiter: one counter per key in Redis (rate-limiter-flexible's
 * RateLimiterRedis: a Lua INCR + EXPIRE, atomic on the server), so N per hour means N in total
 * across every replica and connection, not N each.
 *
 * When Redis cannot answer (down, not yet connected, past the command timeout) the request is
 * counted by this replica's memory limiter instead and the decision says `degraded`: the
 * limit then holds per replica (up to N × replicas in total) — never unlimited, never an error.
 * Every request tries Redis first, so exact limits resume as soon as it answers again.
 */
import type { Redis } from "ioredis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { memoryRateLimiter } from "./memory.js";
import type { RateLimitDecision, RateLimiter, RateLimiterHealth } from "./types.js";
import { decisionFromCount, HOUR_MS, unlimitedDecision } from "./types.js";

export interface RateLimitLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
}

export interface RedisRateLimiterOptions {
  /** A commands connection (no offline queue, bounded command timeout: see src/cluster/redis). */
  client: Redis;
  /** Key prefix, so several deployments (or tests) can share one Redis. */
  prefix?: string;
  /** Counts requests while Redis is unreachable; a memory limiter by default. */
  fallback?: RateLimiter;
  windowMs?: number;
  logger?: RateLimitLogger;
  now?: () => number;
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function redisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const windowMs = options.windowMs ?? HOUR_MS;
  const now = options.now ?? Date.now;
  const fallback = options.fallback ?? memoryRateLimiter({ windowMs, now });
  const keyPrefix = `${options.prefix ?? "modelgate:"}rl`;
  // rate-limiter-flexible fixes `points` per limiter, and keys have their own limits: one
  // limiter per distinct limit, all on the same Redis keys (a changed limit keeps its count).
  const limiters = new Map<number, RateLimiterRedis>();
  let degradedReason: string | undefined;

  function limiterFor(limit: number): RateLimiterRedis {
    let limiter = limiters.get(limit);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: options.client,
        points: limit,
        duration: Math.ceil(windowMs / 1000),
        keyPrefix,
        // Fail at once while disconnected instead of waiting for a connection.
        rejectIfRedisNotReady: true,
      });
      limiters.set(limit, limiter);
    }
    return limiter;
  }

  function recovered(): void {
    if (degradedReason === undefined) return;
    options.logger?.info({}, "Redis answers again: rate limits are shared across replicas");
    degradedReason = undefined;
  }

  async function degrade(keyId: string, limit: number, err: unknown): Promise<RateLimitDecision> {
    if (degradedReason === undefined) {
      options.logger?.warn(
        { err: reasonOf(err) },
        "Redis unreachable: rate limits are counted per replica until it answers",
      );
    }
    degradedReason = `Redis unreachable (${reasonOf(err)}): rate limits are per replica`;
    const decision = await fallback.consume(keyId, limit);
    return { ...decision, degraded: true };
  }

  return {
    async consume(keyId, limit) {
      if (limit === 0) return unlimitedDecision(now());
      try {
        const res = await limiterFor(limit).consume(keyId, 1);
        recovered();
        return decisionFromCount(limit, res.consumedPoints, res.msBeforeNext, now(), false);
      } catch (err) {
        // rate-limiter-flexible rejects with the result when over the limit, an Error otherwise.
        if (err instanceof RateLimiterRes) {
          recovered();
          return decisionFromCount(limit, err.consumedPoints, err.msBeforeNext, now(), false);
        }
        return degrade(keyId, limit, err);
      }
    },
    health(): RateLimiterHealth {
      return { degraded: degradedReason !== undefined, reason: degradedReason };
    },
  };
}
