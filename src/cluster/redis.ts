/**
 * The Redis connection replicas coordinate through (REDIS_URL, REDIS_AUTH_TOKEN). Tuned for a
 * hot path that must never hang on Redis: bounded connect and command timeouts, no offline
 * queue (a command while disconnected fails at once, and callers fall back to per-replica
 * behaviour), and endless reconnection in the background so a Redis that comes back is used
 * again without a restart. The connection's health feeds /ready.
 *
 * A network that swallows packets (nothing refused, nothing reset) is caught too: a connection
 * that lets a command go unanswered for the socket timeout is dropped and replaced, and a
 * heartbeat PING makes an idle connection — the subscriber, which never sends anything after
 * SUBSCRIBE — find out the same way. TCP keepalive covers a peer that vanished. The only
 * offline queue, the subscriber's, holds its SUBSCRIBE; heartbeats are sent only while ready.
 */
import { Redis } from "ioredis";
import type { RedisOptions } from "ioredis";
import { ModelgateError } from "../errors.js";

export interface RedisSettings {
  /** redis://[user:password@]host:port[/db] or rediss:// for TLS. */
  url: string;
  /** AUTH password (e.g. an ElastiCache auth token); wins over a password in the URL. */
  authToken?: string | undefined;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  /** How often an idle connection is asked to PING (0: never). */
  heartbeatMs?: number;
}

export const REDIS_DEFAULTS = {
  connectTimeoutMs: 2_000,
  commandTimeoutMs: 500,
  maxBackoffMs: 2_000,
  keepAliveInitialDelayMs: 10_000,
  heartbeatMs: 2_000,
};

export interface RedisHealth {
  up: boolean;
  /** host:port, never the password. */
  target: string;
  lastError: string | undefined;
  /** When `up` last changed. */
  since: Date;
}

export interface RedisConnection {
  readonly client: Redis;
  readonly target: string;
  health(): RedisHealth;
  /** Resolves once connected, or rejects after `timeoutMs` (the client keeps retrying). */
  ready(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * `subscriber` connections keep an offline queue: SUBSCRIBE issued before the first connect
 * must wait for it rather than fail, and ioredis re-subscribes after every reconnect.
 */
export type RedisRole = "commands" | "subscriber";

/** host:port of a Redis URL, safe to print. Throws config_invalid for a wrong scheme. */
export function redisTarget(url: string): { target: string; tls: boolean } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // No cause: URL's TypeError carries the whole input, password included.
    throw new ModelgateError(
      "config_invalid",
      "REDIS_URL is not a valid URL: expected redis://host:6379 or rediss://host:6379",
    );
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new ModelgateError(
      "config_invalid",
      `REDIS_URL must start with redis:// or rediss://, not ${parsed.protocol}//`,
    );
  }
  return {
    target: `${parsed.hostname || "localhost"}:${parsed.port || "6379"}`,
    tls: parsed.protocol === "rediss:",
  };
}

export function redisOptions(settings: RedisSettings, role: RedisRole): RedisOptions {
  const { tls } = redisTarget(settings.url);
  const connectTimeout = settings.connectTimeoutMs ?? REDIS_DEFAULTS.connectTimeoutMs;
  const commandTimeout = settings.commandTimeoutMs ?? REDIS_DEFAULTS.commandTimeoutMs;
  return {
    connectTimeout,
    commandTimeout,
    // No byte back this long while a command (the ready check included) waits: the connection
    // is dead though nothing said so; it is destroyed and a new one is opened.
    socketTimeout: Math.max(connectTimeout, commandTimeout),
    keepAlive: REDIS_DEFAULTS.keepAliveInitialDelayMs,
    enableOfflineQueue: role === "subscriber",
    // A command caught by a dropped connection fails instead of being replayed later.
    maxRetriesPerRequest: role === "subscriber" ? null : 0,
    retryStrategy: (times: number) => Math.min(times * 100, REDIS_DEFAULTS.maxBackoffMs),
    lazyConnect: false,
    ...(settings.authToken ? { password: settings.authToken } : {}),
    ...(tls ? { tls: {} } : {}),
  };
}

export function connectRedis(
  settings: RedisSettings,
  role: RedisRole = "commands",
): RedisConnection {
  const { target } = redisTarget(settings.url);
  const client = new Redis(settings.url, redisOptions(settings, role));
  let up = false;
  let lastError: string | undefined;
  let since = new Date();
  const setUp = (value: boolean) => {
    if (value !== up) since = new Date();
    up = value;
  };
  client.on("ready", () => {
    setUp(true);
    lastError = undefined;
  });
  // Unheard 'error' events are printed by ioredis; we keep the last one for /ready instead.
  client.on("error", (err: Error) => {
    lastError = err.message || ("code" in err && String(err.code)) || "connection error";
  });
  client.on("close", () => setUp(false));
  client.on("end", () => setUp(false));
  const heartbeatMs = settings.heartbeatMs ?? REDIS_DEFAULTS.heartbeatMs;
  const heartbeat =
    heartbeatMs > 0
      ? setInterval(() => {
          if (client.status === "ready") client.ping().catch(() => undefined);
        }, heartbeatMs)
      : undefined;
  heartbeat?.unref();

  return {
    client,
    target,
    health: () => ({ up, target, lastError, since }),
    ready(timeoutMs = settings.connectTimeoutMs ?? REDIS_DEFAULTS.connectTimeoutMs) {
      if (client.status === "ready") return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          client.off("ready", onReady);
          reject(
            new ModelgateError(
              "not_ready",
              `Redis at ${target} is unreachable (${lastError ?? "no answer"}): check that it runs and that REDIS_URL points to it`,
            ),
          );
        }, timeoutMs);
        function onReady(): void {
          clearTimeout(timer);
          resolve();
        }
        client.once("ready", onReady);
      });
    },
    async close() {
      clearInterval(heartbeat);
      if (client.status === "end") return;
      // QUIT waits for a connection (queued on a subscriber): only ask a live one politely.
      if (client.status !== "ready") return client.disconnect();
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** The /ready entry for Redis: never failing (the service works without it), but saying so. */
export function redisReadiness(health: RedisHealth): { name: string; ok: boolean; reason: string } {
  if (health.up) return { name: "redis", ok: true, reason: `reachable at ${health.target}` };
  return {
    name: "redis",
    ok: true,
    reason:
      `degraded: Redis at ${health.target} is unreachable (${health.lastError ?? "connecting"}): ` +
      "rate limits are per replica and invalidation waits for cache TTLs",
  };
}
