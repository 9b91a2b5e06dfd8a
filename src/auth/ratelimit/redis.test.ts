import { afterAll, describe, expect, it } from "vitest";
import type { RedisConnection } from "../../cluster/redis.js";
import { connectRedis } from "../../cluster/redis.js";
import {
  closedPort,
  deletePrefix,
  randomPrefix,
  TEST_REDIS_URL,
} from "../../cluster/test-support/redis.js";
import { tcpProxy } from "../../cluster/test-support/tcp-proxy.js";
import { LEASE, redisRateLimiter } from "./redis.js";
import { HOUR_MS, rateLimitHeaders } from "./types.js";

const prefix = randomPrefix();
const connections: RedisConnection[] = [];
async function connection(url = TEST_REDIS_URL, wait = true): Promise<RedisConnection> {
  const conn = connectRedis({ url });
  connections.push(conn);
  if (wait) await conn.ready();
  return conn;
}
afterAll(async () => {
  await Promise.all(connections.map((c) => c.close()));
  await deletePrefix(prefix);
});

/** A connection that counts the Lua scripts (EVAL / EVALSHA) it sends. */
async function countingScripts() {
  const conn = await connection();
  const commands = { n: 0 };
  const send = conn.client.sendCommand.bind(conn.client);
  conn.client.sendCommand = (command, stream) => {
    if (/^eval/i.test(command.name)) commands.n += 1;
    return send(command, stream);
  };
  return { conn, commands };
}

describe("redisRateLimiter (real Redis)", () => {
  it("is exact across instances: 3 limiters racing for N allow exactly N in total", async () => {
    const limiters = await Promise.all(
      [1, 2, 3].map(async () => redisRateLimiter({ client: (await connection()).client, prefix })),
    );
    const limit = 50;
    const attempts = limiters.flatMap((limiter) =>
      Array.from({ length: 40 }, () => limiter.consume("key_race", limit)),
    );
    const decisions = await Promise.all(attempts);
    expect(decisions.filter((d) => d.allowed)).toHaveLength(limit);
    expect(decisions.every((d) => !d.degraded)).toBe(true);
    const remaining = decisions.filter((d) => d.allowed).map((d) => d.remaining);
    expect(new Set(remaining).size).toBe(limit); // each count seen exactly once
    expect(Math.min(...remaining)).toBe(0);
    const refused = decisions.find((d) => !d.allowed);
    expect(refused?.retryAfterS).toBeGreaterThan(3_500);
    expect(refused?.retryAfterS).toBeLessThanOrEqual(3_600);
  });

  it("sends one command for the requests of one key arriving together, each with its count", async () => {
    const { conn, commands } = await countingScripts();
    const limiter = redisRateLimiter({ client: conn.client, prefix });
    const decisions = await Promise.all(
      Array.from({ length: 20 }, () => limiter.consume("key_together", 15)),
    );
    expect(commands.n).toBe(1);
    expect(decisions.map((d) => d.allowed)).toEqual([
      ...Array<boolean>(15).fill(true),
      ...Array<boolean>(5).fill(false),
    ]);
    expect(decisions.slice(0, 15).map((d) => d.remaining)).toEqual(
      Array.from({ length: 15 }, (_, i) => 14 - i),
    );
    // Another key is its own command; the used-up key is refused here, without asking again.
    const [other, again] = await Promise.all([
      limiter.consume("key_other", 15),
      limiter.consume("key_together", 15),
    ]);
    expect(other.allowed).toBe(true);
    expect(again).toMatchObject({ allowed: false, remaining: 0 });
    expect(commands.n).toBe(2);
  });

  it("a busy key costs a few Redis commands, not one a request, and counts every one", async () => {
    const { conn, commands } = await countingScripts();
    const limiter = redisRateLimiter({ client: conn.client, prefix });
    const limit = 1_000_000;
    const remaining: number[] = [];
    // 16 clients, each sending its next request when the previous one is answered.
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = 0; i < 250; i++) {
          const d = await limiter.consume("key_busy", limit);
          expect(d.allowed).toBe(true);
          remaining.push(d.remaining);
          await new Promise((r) => setImmediate(r));
        }
      }),
    );
    expect(remaining).toHaveLength(4_000);
    expect(commands.n).toBeLessThan(200); // one a request before leases: 4,000
    // Every request had its own count, and the last one saw exactly 4,000 spent.
    expect(new Set(remaining).size).toBe(4_000);
    expect(Math.min(...remaining)).toBe(limit - 4_000);
    const stored = Number(await conn.client.hget(`${prefix}quota:key_busy`, "n"));
    expect(stored).toBeGreaterThanOrEqual(4_000); // plus the lease still held
    await limiter.close?.();
    // What was leased and not used went back: the counter holds exactly the requests allowed.
    expect(Number(await conn.client.hget(`${prefix}quota:key_busy`, "n"))).toBe(4_000);
  });

  it("never lets more than N through across replicas, and unused leases come back", async () => {
    const a = redisRateLimiter({
      client: (await connection()).client,
      prefix,
      giveBackIdleMs: 100,
    });
    // B's clock can be moved on, so its one-second refusal need not be waited out.
    let skewMs = 0;
    const b = redisRateLimiter({
      client: (await connection()).client,
      prefix,
      now: () => Date.now() + skewMs,
    });
    const limit = 2_000;
    let allowedA = 0;
    // A is busy long enough to lease ahead of its requests…
    for (let i = 0; i < 60; i++) {
      const batch = await Promise.all(
        Array.from({ length: 8 }, () => a.consume("key_lease", limit)),
      );
      allowedA += batch.filter((d) => d.allowed).length;
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(allowedA).toBe(480);
    // …then the traffic moves to B, which spends everything left.
    let allowedB = 0;
    const spendAtB = async () => {
      for (;;) {
        const batch = await Promise.all(
          Array.from({ length: 20 }, () => b.consume("key_lease", limit)),
        );
        const n = batch.filter((d) => d.allowed).length;
        allowedB += n;
        if (n < batch.length) return;
      }
    };
    await spendAtB();
    expect(allowedA + allowedB).toBeLessThanOrEqual(limit);
    // A, idle, gives its unused lease back: the counter then holds only what was allowed.
    const counter = (await connection()).client;
    const returned = async () =>
      Number(await counter.hget(`${prefix}quota:key_lease`, "n")) === allowedA + allowedB;
    const deadline = Date.now() + 10_000;
    while (!(await returned()) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await returned()).toBe(true);
    // B finds the returned counts once its refusal is rechecked.
    skewMs += LEASE.refusedRecheckMs;
    await spendAtB();
    expect(allowedA + allowedB).toBe(limit);
  });

  it("near the limit leases nothing ahead: a burst over it across replicas allows exactly N", async () => {
    const a = redisRateLimiter({ client: (await connection()).client, prefix });
    const b = redisRateLimiter({ client: (await connection()).client, prefix });
    const limit = 30;
    const burst = async (limiter: typeof a, n: number) =>
      (
        await Promise.all(Array.from({ length: n }, () => limiter.consume("key_burst", limit)))
      ).filter((d) => d.allowed).length;
    // A is busy for two turns, so it knows the key's traffic (what sizes a lease)…
    let allowed = await burst(a, 5);
    await new Promise((r) => setTimeout(r, 5));
    allowed += await burst(a, 5);
    // …then the rest of the burst reaches B: every count A did not use is still there.
    allowed += await burst(b, 25);
    expect(allowed).toBe(limit);
    await a.close?.();
    await b.close?.();
  });

  it("gives nothing back into the next window", async () => {
    const a = redisRateLimiter({ client: (await connection()).client, prefix });
    const b = redisRateLimiter({ client: (await connection()).client, prefix });
    const counter = (await connection()).client;
    const key = `${prefix}quota:key_window`;
    // A is busy enough to hold a lease when its traffic stops.
    for (let i = 0; i < 40; i++) {
      await Promise.all(Array.from({ length: 8 }, () => a.consume("key_window", 1_000_000)));
      await new Promise((r) => setImmediate(r));
    }
    expect(Number(await counter.hget(key, "n"))).toBeGreaterThan(320); // leased ahead
    // The window ends — what its expiry does, without waiting for a clock — and B opens the
    // next one.
    await counter.del(key);
    for (let i = 0; i < 5; i++) await b.consume("key_window", 1_000_000);
    // A hands its lease back to the window it came from, which is gone; B hands back its own.
    await a.close?.();
    await b.close?.();
    expect(Number(await counter.hget(key, "n"))).toBe(5);
  });

  it("gives the header data of the shared window", async () => {
    const limiter = redisRateLimiter({ client: (await connection()).client, prefix });
    const before = Date.now();
    const first = await limiter.consume("key_headers", 10);
    const second = await limiter.consume("key_headers", 10);
    expect(first).toMatchObject({ allowed: true, limit: 10, remaining: 9, degraded: false });
    expect(second.remaining).toBe(8);
    const reset = first.resetAt.getTime();
    expect(reset).toBeGreaterThan(before + HOUR_MS - 60_000);
    expect(reset).toBeLessThanOrEqual(Date.now() + HOUR_MS + 1_000);
    expect(rateLimitHeaders(second)["X-RateLimit-Remaining"]).toBe("8");
    expect(await limiter.consume("key_headers", 0)).toMatchObject({ allowed: true, limit: 0 });
  });

  it("keeps the count when a key's limit changes", async () => {
    const limiter = redisRateLimiter({ client: (await connection()).client, prefix });
    await limiter.consume("key_change", 5);
    await limiter.consume("key_change", 5);
    expect((await limiter.consume("key_change", 2)).allowed).toBe(false);
    // The refusal spent nothing: 2 used of 10.
    expect(await limiter.consume("key_change", 10)).toMatchObject({ allowed: true, remaining: 7 });
  });

  it("falls back to per-replica limits when Redis is down, and says degraded", async () => {
    const port = await closedPort();
    const conn = await connection(`redis://127.0.0.1:${port}`, false);
    const warnings: string[] = [];
    const limiter = redisRateLimiter({
      client: conn.client,
      prefix,
      logger: { warn: (_o, msg) => warnings.push(msg), info: () => undefined },
    });
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limiter.consume("key_down", 3));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions.every((d) => d.degraded)).toBe(true);
    expect(decisions[3]?.retryAfterS).toBeGreaterThan(0);
    expect(limiter.health().degraded).toBe(true);
    expect(limiter.health().reason).toMatch(/per replica/);
    expect(warnings).toHaveLength(1); // logged once, not per request
  });

  it("returns to exact shared limits when Redis comes back", async () => {
    const proxy = await tcpProxy("127.0.0.1", 6379);
    try {
      const conn = await connection(`redis://127.0.0.1:${proxy.port}`);
      const limiter = redisRateLimiter({ client: conn.client, prefix });
      expect((await limiter.consume("key_flap", 100)).degraded).toBe(false);
      await proxy.stop();
      const during = await limiter.consume("key_flap", 100);
      expect(during).toMatchObject({ allowed: true, degraded: true });
      await proxy.start();
      await conn.ready(5_000);
      const after = await limiter.consume("key_flap", 100);
      expect(after).toMatchObject({ allowed: true, degraded: false, remaining: 98 });
      expect(limiter.health()).toEqual({ degraded: false, reason: undefined });
    } finally {
      await proxy.stop();
    }
  });
});
