/**
 * Networks that lie, under load: a TCP proxy in front of the machine's PostgreSQL or Redis
 * swallows every packet (nothing refused, nothing reset — a partition, a firewall that drops),
 * then lets new connections through again while the old ones stay silent for good.
 *
 * - PostgreSQL: requests that need the store get 503 store_unavailable naming it within the
 *   configured timeouts (none hangs), /ready says so, the replica serves again within 5 s of the
 *   network's return, and every answered request has its usage record.
 * - the auth service: 503 auth_unavailable within its timeout, keys accepted again within 5 s.
 * - Redis: nothing fails — rate limits fall back per replica and /ready flags `degraded` — and
 *   the shared counter is used again within 5 s of the network's return.
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { socketAdminOps } from "../src/cli/admin-client.js";
import { deletePrefix, randomPrefix, TEST_REDIS_URL } from "../src/cluster/test-support/redis.js";
import { tcpProxy } from "../src/cluster/test-support/tcp-proxy.js";
import type { TcpProxy } from "../src/cluster/test-support/tcp-proxy.js";
import { adminSocketPath } from "../src/server/admin/socket.js";
import { usageRowsIn } from "../src/store/test-support/usage-rows.js";
import { admin as adminSql } from "../src/store/test-support/backends.js";
import { startFakeAuth } from "./support/fake-auth.js";
import { startLoad } from "./support/load.js";
import type { TestService } from "./support/service.js";
import { SEED_INPUT, getJson, startTestService } from "./support/service.js";

const BODY = JSON.stringify({ inputs: SEED_INPUT });
const RECOVERY_MS = 5_000;

interface Check {
  name: string;
  ok: boolean;
  reason: string;
}

let proxy: TcpProxy | undefined;
let svc: TestService | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  proxy?.heal();
  await svc?.close();
  await proxy?.stop();
  svc = undefined;
  proxy = undefined;
});
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

function predictor(url: string, key: string) {
  return (signal: AbortSignal) =>
    fetch(`${url}/api/v1/models/21/predict`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key },
      body: BODY,
      signal,
    });
}

async function readiness(url: string): Promise<{ status: number; checks: Check[] }> {
  const res = await getJson(`${url}/ready`);
  return { status: res.status, checks: res.body.checks as Check[] };
}

/** Polls `check` until it holds; the milliseconds it took, or Infinity past `withinMs`. */
async function timeUntil(check: () => Promise<boolean>, withinMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started <= withinMs) {
    if (await check().catch(() => false)) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 50));
  }
  return Infinity;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("PostgreSQL blackholed under load", () => {
  it("503 store_unavailable within the timeout, back within 5 s, no usage record lost", async () => {
    const schema = `mg_fault_${randomBytes(6).toString("hex")}`;
    await adminSql(`create schema ${schema}`);
    cleanups.push(() => adminSql(`drop schema if exists ${schema} cascade`));
    proxy = await tcpProxy("127.0.0.1", 5432);
    const options = encodeURIComponent(`-c search_path=${schema}`);
    const queryTimeoutMs = 1_000;
    const connectTimeoutMs = 1_000;
    svc = await startTestService({
      DATABASE_URL: `postgres://postgres@127.0.0.1:${proxy.port}/test?options=${options}`,
      DATABASE_QUERY_TIMEOUT_MS: String(queryTimeoutMs),
      DATABASE_CONNECT_TIMEOUT_MS: String(connectTimeoutMs),
      USAGE_FLUSH_MS: "100",
    });
    const url = svc.url;
    const admin = socketAdminOps(adminSocketPath(svc.dataDir));
    const keys = await Promise.all(
      ["a", "b"].map((name) => admin.createKey({ name, rate_limit_per_hour: 0 })),
    );
    const loads = keys.map((k) => startLoad(predictor(url, k.key), { workers: 3 }));
    const load = {
      answers: () => loads.flatMap((l) => l.answers),
      hung: () => loads.reduce((n, l) => n + l.hung, 0),
    };
    await Promise.all(loads.map((l) => l.waitFor(30)));

    proxy.blackhole();
    // Past the key cache (1 s) and the registry cache (2 s): requests need the store now.
    await pause(3_500);
    const ready = await readiness(url);
    expect(ready.status).toBe(503);
    const store = ready.checks.find((c) => c.name === "store");
    expect(store?.ok).toBe(false);
    expect(store?.reason).toMatch(/PostgreSQL at 127\.0\.0\.1:\d+\/test/);

    proxy.heal();
    const tookMs = await timeUntil(async () => {
      const answered = await predictor(url, keys[0]?.key ?? "")(AbortSignal.timeout(10_000));
      return answered.status === 200 && (await readiness(url)).status === 200;
    }, RECOVERY_MS);
    expect(tookMs, "serving again after the network returned").toBeLessThanOrEqual(RECOVERY_MS);
    await Promise.all(loads.map((l) => l.waitFor(20)));
    await Promise.all(loads.map((l) => l.stop()));

    const answers = load.answers();
    expect(load.hung(), "requests that never got an answer").toBe(0);
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200, 503]));
    const refused = answers.filter((a) => a.status === 503);
    for (const a of refused) {
      expect(a.code).toBe("store_unavailable");
      expect(a.detail).toMatch(/PostgreSQL at 127\.0\.0\.1:\d+\/test/);
    }
    // Within the timeouts: a read timeout (query + 1 s) after waiting for a connection, plus
    // slack for a loaded machine — not the minutes a silent socket takes to die by itself.
    const boundMs = connectTimeoutMs + queryTimeoutMs + 1_000 + 3_000;
    const slowest = Math.max(...refused.map((a) => a.ms));
    expect(slowest, "slowest 503 (ms)").toBeLessThanOrEqual(boundMs);

    // Every request answered 200 has its usage record, once.
    const ok = answers.filter((a) => a.status === 200).map((a) => a.requestId);
    const db = svc.service.store.db;
    let recorded = new Set<string>();
    await timeUntil(async () => {
      const rows = await db.selectFrom("usage_events").select("request_id").execute();
      recorded = new Set(rows.map((r) => r.request_id));
      return ok.every((id) => recorded.has(id));
    }, 20_000);
    const lost = ok.filter((id) => !recorded.has(id));
    expect(lost, `${lost.length} of ${ok.length} answered requests have no record`).toEqual([]);
  });
});

describe("Redis blackholed under load", () => {
  it("keeps answering with per-replica limits, flags degraded, shares limits again within 5 s", async () => {
    const prefix = randomPrefix();
    cleanups.push(() => deletePrefix(prefix));
    proxy = await tcpProxy("127.0.0.1", 6379);
    const commandTimeoutMs = 300;
    svc = await startTestService({
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      REDIS_KEY_PREFIX: prefix,
      REDIS_COMMAND_TIMEOUT_MS: String(commandTimeoutMs),
      REDIS_CONNECT_TIMEOUT_MS: "500",
    });
    const url = svc.url;
    const admin = socketAdminOps(adminSocketPath(svc.dataDir));
    const key = await admin.createKey({ name: "limited", rate_limit_per_hour: 1_000_000 });
    const redis = new Redis(TEST_REDIS_URL);
    cleanups.push(async () => {
      await redis.quit();
    });
    const counted = async () => Number(await redis.hget(`${prefix}quota:${key.id}`, "n"));

    const load = startLoad(predictor(url, key.key), { workers: 4 });
    await load.waitFor(30);
    expect(await counted()).toBeGreaterThan(0);

    proxy.blackhole();
    const blackholedAt = Date.now();
    const flagged = await timeUntil(async () => {
      const redisCheck = (await readiness(url)).checks.find((c) => c.name === "redis");
      return /^degraded: /.test(redisCheck?.reason ?? "");
    }, 10_000);
    expect(flagged, "/ready flags Redis degraded").toBeLessThan(Infinity);
    await load.waitFor(30);
    const ready = await readiness(url);
    expect(ready.status).toBe(200);
    const during = await counted();

    proxy.heal();
    const tookMs = await timeUntil(async () => {
      const redisCheck = (await readiness(url)).checks.find((c) => c.name === "redis");
      return /^reachable at /.test(redisCheck?.reason ?? "") && (await counted()) > during;
    }, RECOVERY_MS);
    expect(tookMs, "shared limits again after the network returned").toBeLessThanOrEqual(
      RECOVERY_MS,
    );
    await load.stop();

    expect(load.hung, "requests that never got an answer").toBe(0);
    const statuses = new Set(load.answers.map((a) => a.status));
    expect(statuses, "never refused, never failed").toEqual(new Set([200]));
    // A request waits for Redis at most a command timeout, then falls back: bounded.
    const slowest = Math.max(...load.after(blackholedAt).map((a) => a.ms));
    expect(slowest, "slowest answer while Redis was blackholed (ms)").toBeLessThanOrEqual(
      commandTimeoutMs + 3_000,
    );

    // No usage record lost (the embedded store's table, complete once the service has stopped).
    const dataDir = svc.dataDir;
    await svc.service.close();
    const recorded = new Set(usageRowsIn(dataDir).map((r) => r.request_id));
    const lost = load.answers.filter((a) => !recorded.has(a.requestId));
    expect(lost, `${lost.length} of ${load.answers.length} answers have no record`).toEqual([]);
  });
});

describe("the auth service blackholed under load", () => {
  it("503 auth_unavailable within its timeout, accepted again within 5 s", async () => {
    const auth = await startFakeAuth({
      ext_partner_key: {
        user_id: "u",
        key_id: "ext_1",
        scopes: ["predict"],
        rate_limit_per_hour: 0,
      },
    });
    cleanups.push(() => auth.close());
    proxy = await tcpProxy("127.0.0.1", Number(new URL(auth.url).port));
    const timeoutMs = 500;
    svc = await startTestService({
      AUTH_SERVICE_URL: `http://127.0.0.1:${proxy.port}`,
      AUTH_SERVICE_TIMEOUT_MS: String(timeoutMs),
      // Every request asks the service, so every request meets the blackhole.
      AUTH_SERVICE_CACHE_TTL_MS: "0",
    });
    const url = svc.url;
    const load = startLoad(predictor(url, "ext_partner_key"), { workers: 4 });
    await load.waitFor(30);

    proxy.blackhole();
    const blackholedAt = Date.now();
    // Five failures in a row (concurrent checks of one key share a call) open the circuit.
    const opened = await timeUntil(async () => {
      const ready = await readiness(url);
      const check = ready.checks.find((c) => c.name === "auth_service");
      return ready.status === 503 && /is failing/.test(check?.reason ?? "");
    }, 10_000);
    expect(opened, "/ready says the auth service is failing").toBeLessThan(Infinity);

    proxy.heal();
    const tookMs = await timeUntil(async () => {
      const res = await predictor(url, "ext_partner_key")(AbortSignal.timeout(10_000));
      return res.status === 200;
    }, RECOVERY_MS);
    expect(tookMs, "keys accepted again after the network returned").toBeLessThanOrEqual(
      RECOVERY_MS,
    );
    await load.stop();

    expect(load.hung, "requests that never got an answer").toBe(0);
    const during = load.after(blackholedAt).filter((a) => a.status !== 200);
    expect(during.length).toBeGreaterThan(0);
    for (const a of during) {
      expect(a.status).toBe(503);
      expect(a.code).toBe("auth_unavailable");
    }
    const slowest = Math.max(...during.map((a) => a.ms));
    expect(slowest, "slowest 503 (ms)").toBeLessThanOrEqual(timeoutMs + 3_000);
  });
});
