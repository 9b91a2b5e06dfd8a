/**
 * Cross-replica coordination in one place: with REDIS_URL, the Redis connections, the pub/sub
 * invalidation bus and the shared rate limiter; without it, their in-process equivalents.
 * Start-up never fails because Redis is unreachable — the service starts degraded (per-replica
 * limits, TTL-only invalidation) and picks Redis up when it answers. A malformed REDIS_URL is
 * a configuration error.
 */
import type { Config } from "../config/index.js";
import type { RateLimitLogger, RateLimiter } from "../auth/ratelimit/index.js";
import { memoryRateLimiter, redisRateLimiter } from "../auth/ratelimit/index.js";
import type { InvalidationBus } from "./bus.js";
import { memoryBus, redisBus } from "./bus.js";
import type { RedisConnection } from "./redis.js";

export interface ClusterCheck {
  name: string;
  ok: boolean;
  reason: string;
}

export interface Cluster {
  readonly mode: "memory" | "redis";
  readonly bus: InvalidationBus;
  readonly rateLimiter: RateLimiter;
  /** Entries for /ready: never failing, "degraded: …" while Redis is unreachable. */
  readiness(): ClusterCheck[];
  close(): Promise<void>;
}

export type ClusterLogger = RateLimitLogger;

export interface ClusterOptions {
  logger?: ClusterLogger;
  /** Key and channel prefix in a shared Redis. */
  prefix?: string;
  /** How long start-up waits for a first connection before going on degraded. */
  connectWaitMs?: number;
}

export type ClusterConfig = Pick<Config, "redisUrl" | "redisAuthToken"> &
  Partial<Pick<Config, "redisConnectTimeoutMs" | "redisCommandTimeoutMs">>;

export async function startCluster(
  config: ClusterConfig,
  options: ClusterOptions = {},
): Promise<Cluster> {
  const { logger, prefix } = options;
  if (!config.redisUrl) {
    return {
      mode: "memory",
      bus: memoryBus(logger),
      rateLimiter: memoryRateLimiter(),
      readiness: () => [],
      close: () => Promise.resolve(),
    };
  }
  // Loaded only with REDIS_URL: ioredis is ~25 modules a Redis-less start need not read.
  const { connectRedis, redisReadiness } = await import("./redis.js");
  const settings = {
    url: config.redisUrl,
    authToken: config.redisAuthToken,
    connectTimeoutMs: config.redisConnectTimeoutMs,
    commandTimeoutMs: config.redisCommandTimeoutMs,
  };
  const commands: RedisConnection = connectRedis(settings, "commands");
  const subscriber: RedisConnection = connectRedis(settings, "subscriber");
  const bus = redisBus({
    publisher: commands.client,
    subscriber: subscriber.client,
    prefix,
    logger,
  });
  const rateLimiter = redisRateLimiter({ client: commands.client, prefix, logger });
  try {
    await commands.ready(options.connectWaitMs);
  } catch (err) {
    logger?.warn(
      { err: err instanceof Error ? err.message : String(err) },
      "starting without Redis: rate limits are per replica until it answers",
    );
  }
  return {
    mode: "redis",
    bus,
    rateLimiter,
    readiness: () => [redisReadiness(commands.health())],
    async close() {
      await bus.close();
      await rateLimiter.close?.();
      await Promise.all([commands.close(), subscriber.close()]);
    },
  };
}
