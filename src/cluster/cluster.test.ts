import { afterAll, afterEach, describe, expect, it } from "vitest";
import { pino } from "pino";
import type { Cluster, ClusterLogger } from "./cluster.js";
import { startCluster } from "./cluster.js";
import { closedPort, deletePrefix, eventually, randomPrefix } from "./test-support/redis.js";
import { TEST_REDIS_URL } from "./test-support/redis.js";

const prefix = randomPrefix();
const started: Cluster[] = [];
async function start(...args: Parameters<typeof startCluster>): Promise<Cluster> {
  const cluster = await startCluster(...args);
  started.push(cluster);
  return cluster;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((c) => c.close()));
});
afterAll(() => deletePrefix(prefix));

const none = { redisUrl: undefined, redisAuthToken: undefined };

describe("startCluster", () => {
  it("without REDIS_URL works in-process and adds nothing to /ready", async () => {
    const cluster = await start(none);
    expect(cluster.mode).toBe("memory");
    expect(cluster.readiness()).toEqual([]);
    const seen: string[] = [];
    cluster.bus.subscribe("models", (p) => seen.push(p.modelId));
    await cluster.bus.publish("models", { event: "removed", modelId: "21" });
    expect(seen).toEqual(["21"]);
    expect((await cluster.rateLimiter.consume("key_a", 1)).allowed).toBe(true);
    expect((await cluster.rateLimiter.consume("key_a", 1)).allowed).toBe(false);
  });

  it("with REDIS_URL shares limits and invalidations between replicas", async () => {
    const config = { redisUrl: TEST_REDIS_URL, redisAuthToken: undefined };
    const [a, b] = await Promise.all([start(config, { prefix }), start(config, { prefix })]);
    if (!a || !b) throw new Error("two clusters expected");
    await Promise.all([a.bus.ready(), b.bus.ready()]);
    expect(a.readiness()).toEqual([
      { name: "redis", ok: true, reason: "reachable at 127.0.0.1:6379" },
    ]);
    const seen: string[] = [];
    b.bus.subscribe("keys", (p) => seen.push(p.keyId));
    await a.bus.publish("keys", { event: "revoked", keyId: "key_9", prefix: "mg_x" });
    expect(await eventually(() => seen.length === 1, 1_000)).toBe(true);

    expect((await a.rateLimiter.consume("key_shared", 2)).allowed).toBe(true);
    expect((await b.rateLimiter.consume("key_shared", 2)).allowed).toBe(true);
    expect((await a.rateLimiter.consume("key_shared", 2)).allowed).toBe(false);
  });

  it("starts degraded, not failed, when Redis is unreachable", async () => {
    const warnings: string[] = [];
    const logger: ClusterLogger = {
      warn: (_o, msg) => warnings.push(msg),
      info: () => undefined,
    };
    const url = `redis://127.0.0.1:${await closedPort()}`;
    const cluster = await start(
      { redisUrl: url, redisAuthToken: undefined },
      {
        logger,
        connectWaitMs: 200,
      },
    );
    expect(cluster.mode).toBe("redis");
    expect(warnings[0]).toMatch(/starting without Redis/);
    const [check] = cluster.readiness();
    expect(check?.ok).toBe(true);
    expect(check?.reason).toMatch(/^degraded: .*rate limits are per replica/);
    const decision = await cluster.rateLimiter.consume("key_a", 5);
    expect(decision).toMatchObject({ allowed: true, degraded: true });
    expect(await cluster.bus.publish("keys", { event: "created", keyId: "k", prefix: "p" })).toBe(
      false,
    );
  });

  it("refuses a REDIS_URL that is not redis:// or rediss://", async () => {
    await expect(
      startCluster({ redisUrl: "http://cache:6379", redisAuthToken: undefined }),
    ).rejects.toThrow(/REDIS_URL must start with redis:\/\//);
  });

  it("takes pino as its logger", () => {
    const logger: ClusterLogger = pino({ level: "silent" });
    expect(typeof logger.warn).toBe("function");
  });
});
