/**
 * PostgreSQL going away under a running service (a TCP proxy in front of the machine's server
 * plays the outage): keys verified moments ago keep working until their cache entry expires,
 * every other request is 503 store_unavailable (never 500), and the usage records of what was
 * answered meanwhile are written once the database is back.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { socketAdminOps } from "../src/cli/admin-client.js";
import { tcpProxy } from "../src/cluster/test-support/tcp-proxy.js";
import type { TcpProxy } from "../src/cluster/test-support/tcp-proxy.js";
import { adminSocketPath } from "../src/server/admin/socket.js";
import type { AdminOps } from "../src/server/admin/ops.js";
import { admin as adminSql } from "../src/store/test-support/backends.js";
import type { TestService } from "./support/service.js";
import { SEED_INPUT, getJson, postJson, startTestService } from "./support/service.js";

const schema = `mg_test_${randomBytes(6).toString("hex")}`;
let proxy: TcpProxy;
let svc: TestService;
let admin: AdminOps;

beforeAll(async () => {
  await adminSql(`create schema ${schema}`);
  proxy = await tcpProxy("127.0.0.1", 5432);
  const options = encodeURIComponent(`-c search_path=${schema}`);
  svc = await startTestService({
    DATABASE_URL: `postgres://postgres@127.0.0.1:${proxy.port}/test?options=${options}`,
    AUTH_CACHE_TTL_MS: "1000",
    USAGE_FLUSH_MS: "100",
  });
  admin = socketAdminOps(adminSocketPath(svc.dataDir));
});
afterAll(async () => {
  await proxy.start().catch(() => undefined);
  await svc?.close();
  await proxy.stop();
  await adminSql(`drop schema if exists ${schema} cascade`);
});

const predict = (key: string) =>
  postJson(`${svc.url}/api/v1/models/21/predict`, { inputs: SEED_INPUT }, { "X-API-Key": key });

async function eventually(check: () => Promise<boolean>, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/**
 * The key cache lives 1 s by the clock (Date.now). On a loaded machine a second can pass between
 * two requests, so the test holds the clock still instead of racing it: the cache entry made
 * by the first request is then valid for exactly as long as the test says, whatever the load.
 * Only Date is faked; timers (timeouts, the usage flush) run in real time.
 */
function holdClock(): { advance(ms: number): void; release(): void } {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Date.now());
  return {
    advance: (ms) => vi.setSystemTime(Date.now() + ms),
    release: () => vi.useRealTimers(),
  };
}

describe("PostgreSQL unreachable", () => {
  it("serves cached keys until their TTL, 503 store_unavailable otherwise, and loses no record", async () => {
    const known = await admin.createKey({ name: "known" });
    const other = await admin.createKey({ name: "not-yet-used" });
    const clock = holdClock();
    const answered = { requestId: "" };
    try {
      expect((await predict(known.key)).status).toBe(200); // verified and cached now

      await proxy.stop();
      const during = await predict(known.key);
      expect(during.status).toBe(200); // within its 1 s, by construction
      answered.requestId = during.headers.get("x-request-id") ?? "";

      const refused = await predict(other.key);
      expect(refused.status).toBe(503);
      expect(refused.body.code).toBe("store_unavailable");
      expect(refused.body.detail).toMatch(/PostgreSQL at 127\.0\.0\.1:\d+\/test/);
      expect(refused.body.detail).toMatch(/check that it runs and that DATABASE_URL points to it/);

      const ready = await getJson(`${svc.url}/ready`);
      expect(ready.status).toBe(503);
      const checks = ready.body.checks as { name: string; ok: boolean }[];
      expect(checks.find((c) => c.name === "store")?.ok).toBe(false);

      clock.advance(1_001); // AUTH_CACHE_TTL_MS has passed
      const expired = await predict(known.key);
      expect(expired.status).toBe(503);
      expect(expired.body.code).toBe("store_unavailable");
    } finally {
      clock.release();
    }

    await proxy.start();
    // Retried with backoff (0.5 s, doubling): the record of the answer given meanwhile arrives.
    const db = svc.service.store.db;
    const written = await eventually(async () => {
      const rows = await db
        .selectFrom("usage_events")
        .select("request_id")
        .where("key_id", "=", known.id)
        .execute()
        .catch(() => []);
      return rows.length === 2;
    }, 15_000);
    expect(written).toBe(true);
    const row = await db
      .selectFrom("usage_events")
      .select("status")
      .where("request_id", "=", answered.requestId)
      .executeTakeFirst();
    expect(row?.status).toBe(200);
    expect((await predict(other.key)).status).toBe(200);
  });
});
