/**
 * SIGTERM, for real (`modelgate serve` as a process), where the usage records are at stake:
 *
 * - PostgreSQL swallowing every packet: the process still exits within
 *   MODELGATE_SHUTDOWN_TIMEOUT_MS, by its own shutdown rather than the last-resort timer, and
 *   the records it could not write are counted in one log line — none lost without a word.
 * - the embedded store under load: every request answered before the process exits has its
 *   row in the store's usage_events (written on SIGTERM, not by the flush timer).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { tcpProxy } from "../src/cluster/test-support/tcp-proxy.js";
import type { TcpProxy } from "../src/cluster/test-support/tcp-proxy.js";
import { usageRowsIn } from "../src/store/test-support/usage-rows.js";
import { admin as adminSql, urlWithSchema } from "../src/store/test-support/backends.js";
import { bannerKey } from "./support/cli.js";
import type { Replica } from "./support/fleet.js";
import { startReplica, stopReplica } from "./support/fleet.js";
import { startLoad } from "./support/load.js";
import { SEED_INPUT } from "./support/service.js";

const BODY = JSON.stringify({ inputs: SEED_INPUT });

let replica: Replica | undefined;
let proxy: TcpProxy | undefined;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  proxy?.heal();
  if (replica) await stopReplica(replica);
  await proxy?.stop();
  replica = undefined;
  proxy = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function predict(url: string, key: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${url}/api/v1/models/21/predict`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": key },
    body: BODY,
    ...(signal ? { signal } : {}),
  });
}

interface LogLine {
  msg?: string;
  [field: string]: unknown;
}

function logLines(stdout: string): LogLine[] {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as LogLine);
}

describe("SIGTERM while PostgreSQL swallows every packet", () => {
  it("exits within its budget and says how many usage records it could not write", async () => {
    const schema = `mg_shutdown_${randomBytes(6).toString("hex")}`;
    await adminSql(`create schema ${schema}`);
    cleanups.push(() => adminSql(`drop schema if exists ${schema} cascade`));
    proxy = await tcpProxy("127.0.0.1", 5432);
    const url = new URL(urlWithSchema(schema));
    url.port = String(proxy.port);
    const budgetMs = 4_000;
    replica = await startReplica({
      DATABASE_URL: url.toString(),
      // Records stay buffered until shutdown; a query waits longer than the whole budget.
      USAGE_FLUSH_MS: "60000",
      DATABASE_QUERY_TIMEOUT_MS: "30000",
      MODELGATE_SHUTDOWN_TIMEOUT_MS: String(budgetMs),
      MODELGATE_SHUTDOWN_DRAIN_MS: "0",
    });
    const key = bannerKey(replica.stderr()) ?? "";
    const answered = 20;
    for (let i = 0; i < answered; i++) {
      expect((await predict(replica.url, key)).status).toBe(200);
    }

    proxy.blackhole();
    const signalledAt = Date.now();
    replica.signal("SIGTERM");
    const code = await replica.exited;
    const tookMs = Date.now() - signalledAt;
    const lines = logLines(replica.tail());
    expect(code, replica.tail()).toBe(0);
    // Its own shutdown finished in time: the last-resort timer in `serve` never fired.
    expect(lines.some((l) => /shutdown timed out/.test(l.msg ?? ""))).toBe(false);
    expect(lines.some((l) => l.msg === "stopped")).toBe(true);
    expect(tookMs).toBeLessThanOrEqual(budgetMs + 5_000); // the budget, plus a process exit

    const notWritten = lines.find((l) => /usage records not written/.test(l.msg ?? ""));
    expect(notWritten, replica.tail()).toMatchObject({ unwritten: answered });
    expect(notWritten?.msg).toContain(`${answered} usage records not written to the store`);

    // What was kept: nothing reached the database; every record is accounted for in the log.
    proxy.heal();
    const client = new pg.Client({ connectionString: urlWithSchema(schema) });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number }>(
        "select count(*)::int as n from usage_events",
      );
      expect((rows[0]?.n ?? 0) + Number(notWritten?.unwritten)).toBe(answered);
    } finally {
      await client.end();
    }
  });
});

describe("SIGTERM on the embedded store under load", () => {
  it("writes the usage record of every answered request to the store", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "mg-shutdown-"));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const running = await startReplica(
      { USAGE_FLUSH_MS: "60000", MODELGATE_SHUTDOWN_DRAIN_MS: "300" },
      60_000,
      { dataDir },
    );
    replica = running;
    const key = bannerKey(running.stderr()) ?? "";
    const load = startLoad((signal) => predict(running.url, key, signal), { workers: 6 });
    await load.waitFor(60);

    running.signal("SIGTERM");
    const code = await running.exited;
    await load.stop();
    expect(code, running.tail()).toBe(0);

    const answered = load.answers.filter((a) => a.requestId !== "");
    expect(answered.length).toBeGreaterThanOrEqual(60);
    const logged = usageRowsIn(dataDir).map((r) => r.request_id);
    const recorded = new Set(logged);
    expect(recorded.size, "no record written twice").toBe(logged.length);
    const lost = answered.filter((a) => !recorded.has(a.requestId));
    expect(lost, `${lost.length} of ${answered.length} answered requests have no record`).toEqual(
      [],
    );
  });
});
