import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { BusPayloads, InvalidationBus } from "./bus.js";
import { isBusPayload, memoryBus, redisBus } from "./bus.js";
import type { RedisConnection } from "./redis.js";
import { connectRedis } from "./redis.js";
import { eventually, randomPrefix, TEST_REDIS_URL } from "./test-support/redis.js";
import { tcpProxy } from "./test-support/tcp-proxy.js";

const revoked: BusPayloads["keys"] = { event: "revoked", keyId: "key_1", prefix: "mg_abc" };

describe("memoryBus", () => {
  it("delivers to subscribers of the topic, until they unsubscribe", async () => {
    const bus = memoryBus();
    const seen: unknown[] = [];
    const off = bus.subscribe("keys", (p) => seen.push(p));
    bus.subscribe("models", () => seen.push("wrong topic"));
    expect(await bus.publish("keys", revoked)).toBe(true);
    off();
    await bus.publish("keys", revoked);
    expect(seen).toEqual([revoked]);
  });

  it("keeps delivering when one handler throws", async () => {
    const bus = memoryBus({ warn: () => undefined });
    const seen: string[] = [];
    bus.subscribe("models", () => {
      throw new Error("boom");
    });
    bus.subscribe("models", (p) => seen.push(p.modelId));
    await bus.publish("models", { event: "removed", modelId: "21" });
    expect(seen).toEqual(["21"]);
  });
});

describe("isBusPayload", () => {
  it("accepts only well-formed payloads", () => {
    expect(isBusPayload("keys", revoked)).toBe(true);
    expect(isBusPayload("keys", { event: "revoked", keyId: 1, prefix: "x" })).toBe(false);
    expect(isBusPayload("models", { event: "updated", modelId: "21" })).toBe(true);
    expect(isBusPayload("models", { event: "eaten", modelId: "21" })).toBe(false);
    expect(isBusPayload("models", null)).toBe(false);
  });
});

describe("redisBus (real Redis)", () => {
  const prefix = randomPrefix();
  const connections: RedisConnection[] = [];
  const buses: InvalidationBus[] = [];
  function client(url = TEST_REDIS_URL, role: "commands" | "subscriber" = "commands") {
    const conn = connectRedis({ url }, role);
    connections.push(conn);
    return conn;
  }
  function bus(url = TEST_REDIS_URL): InvalidationBus {
    const b = redisBus({
      publisher: client(url).client,
      subscriber: client(url, "subscriber").client,
      prefix,
    });
    buses.push(b);
    return b;
  }
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.close()));
  });
  afterAll(async () => {
    await Promise.all(connections.map((c) => c.close()));
  });

  it("two instances see each other's messages, each delivers its own once", async () => {
    const a = bus();
    const b = bus();
    await Promise.all([a.ready(), b.ready()]);
    const atA: unknown[] = [];
    const atB: unknown[] = [];
    a.subscribe("keys", (p) => atA.push(p));
    b.subscribe("keys", (p) => atB.push(p));

    const sentAt = Date.now();
    expect(await a.publish("keys", revoked)).toBe(true);
    // The contract is "a revoke is seen everywhere within 1 s"; locally this takes ~1 ms.
    expect(await eventually(() => atB.length === 1, 1_000)).toBe(true);
    expect(Date.now() - sentAt).toBeLessThan(1_000);
    expect(atB).toEqual([revoked]);

    await b.publish("keys", { ...revoked, keyId: "key_2" });
    expect(await eventually(() => atA.length === 2, 1_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(atA).toEqual([revoked, { ...revoked, keyId: "key_2" }]);
    expect(atB).toHaveLength(2);
  });

  it("ignores malformed messages on its channels", async () => {
    const a = bus();
    await a.ready();
    const seen: unknown[] = [];
    a.subscribe("models", (p) => seen.push(p));
    const conn = client();
    await conn.ready();
    const raw = conn.client;
    await raw.publish(`${prefix}bus:models`, "not json");
    await raw.publish(`${prefix}bus:models`, JSON.stringify({ origin: "x", payload: { a: 1 } }));
    const ok = { event: "updated", modelId: "21" };
    await raw.publish(`${prefix}bus:models`, JSON.stringify({ origin: "x", payload: ok }));
    expect(await eventually(() => seen.length === 1)).toBe(true);
    expect(seen).toEqual([ok]);
  });

  it("publishing while Redis is down runs local handlers and reports false; resubscribes after", async () => {
    const proxy = await tcpProxy("127.0.0.1", 6379);
    try {
      const a = bus(`redis://127.0.0.1:${proxy.port}`);
      const b = bus();
      await Promise.all([a.ready(), b.ready()]);
      const atA: unknown[] = [];
      a.subscribe("keys", (p) => atA.push(p));

      await proxy.stop();
      const local: unknown[] = [];
      a.subscribe("keys", (p) => local.push(p));
      // No offline queue on the publisher: this fails at once instead of hanging.
      expect(await a.publish("keys", revoked)).toBe(false);
      expect(local).toEqual([revoked]);

      await proxy.start();
      atA.length = 0;
      // A's subscriber reconnects and re-subscribes by itself: messages from B reach it again.
      const deadline = Date.now() + 10_000;
      while (atA.length === 0 && Date.now() < deadline) {
        await b.publish("keys", revoked);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(atA.length).toBeGreaterThan(0);
    } finally {
      await proxy.stop();
    }
  });
});
