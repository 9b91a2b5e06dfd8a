import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { isModelgateError } from "../errors.js";
import type { RedisConnection } from "./redis.js";
import { connectRedis, redisOptions, redisReadiness, redisTarget } from "./redis.js";
import { closedPort, eventually, TEST_REDIS_URL } from "./test-support/redis.js";
import { tcpProxy } from "./test-support/tcp-proxy.js";

const run = promisify(execFile);

const opened: RedisConnection[] = [];
function open(...args: Parameters<typeof connectRedis>): RedisConnection {
  const conn = connectRedis(...args);
  opened.push(conn);
  return conn;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
});

describe("redisTarget and redisOptions", () => {
  it("names host:port without the password and turns on TLS for rediss://", () => {
    expect(redisTarget("rediss://:s3cret@cache.internal:6380")).toEqual({
      target: "cache.internal:6380",
      tls: true,
    });
    expect(redisTarget("redis://cache.internal")).toEqual({
      target: "cache.internal:6379",
      tls: false,
    });
    const options = redisOptions({ url: "rediss://cache:6379", authToken: "tok" }, "commands");
    expect(options).toMatchObject({ tls: {}, password: "tok", enableOfflineQueue: false });
    expect(redisOptions({ url: "redis://cache" }, "commands").tls).toBeUndefined();
    expect(redisOptions({ url: "redis://cache" }, "subscriber").enableOfflineQueue).toBe(true);
  });

  it("refuses other schemes and never echoes the URL", () => {
    expect(() => redisTarget("http://cache:6379")).toThrow(/redis:\/\/ or rediss:\/\//);
    try {
      redisTarget("not a url with p4ssword");
      expect.unreachable();
    } catch (err) {
      expect(isModelgateError(err) && err.code).toBe("config_invalid");
      expect(String(err)).not.toContain("p4ssword");
    }
  });
});

describe("connectRedis", () => {
  it("connects to the real Redis and reports up", async () => {
    const conn = open({ url: TEST_REDIS_URL });
    await conn.ready();
    expect(await conn.client.ping()).toBe("PONG");
    expect(conn.health()).toMatchObject({ up: true, target: "127.0.0.1:6379" });
    expect(redisReadiness(conn.health())).toEqual({
      name: "redis",
      ok: true,
      reason: "reachable at 127.0.0.1:6379",
    });
  });

  it("fails commands at once when Redis is down, and says degraded", async () => {
    const port = await closedPort();
    const conn = open({ url: `redis://127.0.0.1:${port}` });
    await expect(conn.ready(300)).rejects.toThrow(/unreachable/);
    await expect(conn.client.get("x")).rejects.toThrow();
    const health = conn.health();
    expect(health.up).toBe(false);
    expect(health.lastError).toMatch(/ECONNREFUSED/);
    const check = redisReadiness(health);
    expect(check.ok).toBe(true);
    expect(check.reason).toMatch(/^degraded: .*rate limits are per replica/);
  });

  it("reconnects by itself when Redis comes back", async () => {
    const proxy = await tcpProxy("127.0.0.1", 6379);
    try {
      const conn = open({ url: `redis://127.0.0.1:${proxy.port}` });
      await conn.ready();
      await proxy.stop();
      expect(await eventually(() => !conn.health().up)).toBe(true);
      await expect(conn.client.get("x")).rejects.toThrow();
      await proxy.start();
      await conn.ready(5_000);
      expect(await conn.client.ping()).toBe("PONG");
    } finally {
      await proxy.stop();
    }
  });

  it("replaces a connection whose network swallows packets, and is ready once it returns", async () => {
    const proxy = await tcpProxy("127.0.0.1", 6379);
    try {
      const conn = open({
        url: `redis://127.0.0.1:${proxy.port}`,
        connectTimeoutMs: 300,
        commandTimeoutMs: 200,
      });
      await conn.ready();
      proxy.blackhole();
      await expect(conn.client.ping()).rejects.toThrow(/timed out/);
      // Nothing was refused or reset, yet the connection is known dead and /ready says so.
      expect(await eventually(() => !conn.health().up, 5_000)).toBe(true);
      expect(redisReadiness(conn.health()).reason).toMatch(/^degraded: /);
      await expect(conn.client.get("x")).rejects.toThrow();
      proxy.heal();
      await conn.ready(5_000);
      expect(await conn.client.ping()).toBe("PONG");
    } finally {
      await proxy.stop();
    }
  });

  it("an idle subscriber finds out too (heartbeat) and hears messages again", async () => {
    const proxy = await tcpProxy("127.0.0.1", 6379);
    const publisher = open({ url: TEST_REDIS_URL });
    try {
      const sub = open(
        { url: `redis://127.0.0.1:${proxy.port}`, connectTimeoutMs: 300, heartbeatMs: 100 },
        "subscriber",
      );
      const channel = `mg_test_heartbeat_${process.pid}`;
      const heard: string[] = [];
      sub.client.on("message", (_channel: string, message: string) => heard.push(message));
      await sub.client.subscribe(channel);
      proxy.blackhole();
      expect(await eventually(() => !sub.health().up, 5_000)).toBe(true);
      proxy.heal();
      await sub.ready(5_000);
      // Re-subscribed on the new connection: a message published now arrives.
      const arrived = await eventually(() => {
        void publisher.client.publish(channel, "after");
        return heard.includes("after");
      }, 5_000);
      expect(arrived).toBe(true);
    } finally {
      await proxy.stop();
    }
  });

  it("has TCP keepalive on (ss shows the kernel's keepalive timer on its connection)", async () => {
    const conn = open({ url: TEST_REDIS_URL });
    await conn.ready();
    // The client's own port, as Redis saw it: 127.0.0.1 directly, no proxy between.
    const info = String(await conn.client.call("CLIENT", "INFO"));
    const port = /\baddr=127\.0\.0\.1:(\d+)/.exec(info)?.[1] ?? "";
    expect(port, info).not.toBe("");
    const { stdout } = await run("ss", ["-tnoH", "state", "established", `( sport = :${port} )`]);
    expect(stdout, `connection from port ${port}`).toMatch(/timer:\(keepalive,/);
  });
});
