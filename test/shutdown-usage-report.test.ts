/**
 * SIGTERM, for real (`modelgate serve` as a process), with usage reports still queued for the
 * external auth service: they are sent before the process exits, within
 * MODELGATE_SHUTDOWN_TIMEOUT_MS; when the service stays away, the process still exits and says
 * in one log line how many it could not send.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ServeProcess } from "./support/cli.js";
import { startServe } from "./support/cli.js";
import type { FakeAuth } from "./support/fake-auth.js";
import { startFakeAuth } from "./support/fake-auth.js";
import { SEED_INPUT } from "./support/service.js";

const KEY = "hk_live_sigterm0000000000000000000001";
const BODY = JSON.stringify({ inputs: SEED_INPUT });

let auth: FakeAuth | undefined;
let serve: ServeProcess | undefined;
const dirs: string[] = [];
afterEach(async () => {
  if (serve && serve.child.exitCode === null) await serve.stop();
  await auth?.close();
  serve = undefined;
  auth = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(budgetMs: number): Promise<{ auth: FakeAuth; serve: ServeProcess }> {
  auth = await startFakeAuth({
    [KEY]: { user_id: "u", key_id: "key_sigterm", scopes: [], rate_limit_per_hour: 0 },
  });
  const dataDir = mkdtempSync(join(tmpdir(), "mg-sigterm-reports-"));
  dirs.push(dataDir);
  serve = await startServe({
    MODELGATE_DATA_DIR: dataDir,
    AUTH_SERVICE_URL: auth.url,
    AUTH_SERVICE_CACHE_TTL_MS: "3600000",
    MODELGATE_SHUTDOWN_TIMEOUT_MS: String(budgetMs),
    MODELGATE_SHUTDOWN_DRAIN_MS: "0",
  });
  return { auth, serve };
}

async function predictMany(url: string, n: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${url}/api/v1/models/21/predict`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": KEY },
      body: BODY,
    });
    await res.arrayBuffer();
    statuses.push(res.status);
  }
  return statuses;
}

async function counts(url: string): Promise<{ sent: number; queued: number; in_flight: number }> {
  const health = (await (await fetch(`${url}/health`)).json()) as {
    usage_reports: { sent: number; queued: number; in_flight: number };
  };
  return health.usage_reports;
}

const logLines = (stdout: string) =>
  stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { msg?: string; unsent?: number });

describe("SIGTERM with usage reports queued for the auth service", () => {
  it("sends them before exiting", { timeout: 120_000 }, async () => {
    const { auth, serve } = await start(10_000);
    auth.usageMode = "down"; // reports fail and wait in the queue
    expect(await predictMany(serve.url, 20)).toEqual(Array(20).fill(200));
    const before = await counts(serve.url);
    expect(before.sent).toBe(0);
    auth.usageMode = "normal";
    const code = await serve.stop();
    expect(code).toBe(0);
    expect(auth.usage.filter((r) => r.keyId === "key_sigterm")).toHaveLength(20);
    expect(logLines(serve.stdout()).some((l) => l.msg?.includes("could not be sent"))).toBe(false);
  });

  it(
    "exits within its budget when the service stays away, counting what it could not send",
    {
      timeout: 120_000,
    },
    async () => {
      const { auth, serve } = await start(3_000);
      auth.usageMode = "down";
      expect(await predictMany(serve.url, 10)).toEqual(Array(10).fill(200));
      await auth.stop(); // connection refused from now on
      const code = await serve.stop();
      expect(code).toBe(0);
      const line = logLines(serve.stdout()).find((l) => l.msg?.includes("could not be sent"));
      expect(line?.unsent).toBe(10);
      expect(auth.usage).toHaveLength(0);
    },
  );
});
