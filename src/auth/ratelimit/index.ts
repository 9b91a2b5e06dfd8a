export type { RateLimitDecision, RateLimiter, RateLimiterHealth } from "./types.js";
export { effectiveLimit, rateLimitedError, rateLimitHeaders, HOUR_MS } from "./types.js";
export { memoryRateLimiter } from "./memory.js";
export type { MemoryRateLimiterOptions } from "./memory.js";
export { redisRateLimiter } from "./redis.js";
export type { RateLimitLogger, RedisRateLimiterOptions } from "./redis.js";
