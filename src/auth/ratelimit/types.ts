/**
 * Rate limits per API key: the interface both backends implement, and the HTTP view of a
 * decision (X-RateLimit-* headers, the 429). A limit is requests per hour; 0 means unlimited.
 */
import { ModelgateError } from "../../errors.js";

export const HOUR_MS = 3_600_000;

export interface RateLimitDecision {
  allowed: boolean;
  /** Requests per hour; 0 = unlimited. */
  limit: number;
  /** Requests left in the current window (Infinity when unlimited). */
  remaining: number;
  /** When the current window ends and the count starts again. */
  resetAt: Date;
  /** Whole seconds to wait before retrying; 0 when allowed. */
  retryAfterS: number;
  /** Counted by this replica alone because the shared store (Redis) is unreachable. */
  degraded: boolean;
}

export interface RateLimiterHealth {
  degraded: boolean;
  /** Why, for /ready and logs; undefined when not degraded. */
  reason: string | undefined;
}

export interface RateLimiter {
  /** Count one request of `keyId`. Never throws: a backend failure degrades, never allows all. */
  consume(keyId: string, limitPerHour: number): Promise<RateLimitDecision>;
  health(): RateLimiterHealth;
  /** Hand back what is held for other replicas (leased counts) and stop timers. */
  close?(): Promise<void>;
}

/** The limit a key runs under: its own, else the configured default (RATE_LIMIT_DEFAULT_PER_HOUR). */
export function effectiveLimit(
  keyLimit: number | null | undefined,
  defaultPerHour: number,
): number {
  return keyLimit ?? defaultPerHour;
}

export function unlimitedDecision(now: number): RateLimitDecision {
  return {
    allowed: true,
    limit: 0,
    remaining: Number.POSITIVE_INFINITY,
    resetAt: new Date(now),
    retryAfterS: 0,
    degraded: false,
  };
}

/** A decision from a count within a window that ends `msLeft` from `now`. */
export function decisionFromCount(
  limit: number,
  consumed: number,
  msLeft: number,
  now: number,
  degraded: boolean,
): RateLimitDecision {
  const allowed = consumed <= limit;
  const left = Math.max(msLeft, 0);
  return {
    allowed,
    limit,
    remaining: Math.max(limit - consumed, 0),
    resetAt: new Date(now + left),
    // At least 1: "Retry-After: 0" invites an immediate retry that is refused again.
    retryAfterS: allowed ? 0 : Math.max(1, Math.ceil(left / 1000)),
    degraded,
  };
}

/**
 * X-RateLimit-Limit / -Remaining / -Reset (Unix seconds, as GitHub sends it) for every
 * authenticated response. None for an unlimited key: there is no number that reads right.
 */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  if (decision.limit === 0) return {};
  return {
    "X-RateLimit-Limit": String(decision.limit),
    "X-RateLimit-Remaining": String(decision.remaining),
    "X-RateLimit-Reset": String(Math.ceil(decision.resetAt.getTime() / 1000)),
  };
}

/** The 429 for a refused decision, carrying Retry-After and the X-RateLimit-* headers. */
export function rateLimitedError(decision: RateLimitDecision): ModelgateError {
  return new ModelgateError(
    "rate_limited",
    `This API key's limit of ${decision.limit} requests per hour is used up: retry after ` +
      `${decision.retryAfterS} s (${decision.resetAt.toISOString()}), or use a key created ` +
      "with a higher --rate-limit-per-hour.",
    {
      headers: { ...rateLimitHeaders(decision), "Retry-After": String(decision.retryAfterS) },
    },
  );
}
