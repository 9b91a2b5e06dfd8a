import { appendFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { UsageEvent } from "./usage.js";
import { percentileCont, usageLog } from "./usage-log.js";

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mg-usage-log-"));
  path = join(dir, "usage.ndjson");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const event = (over: Partial<UsageEvent> = {}): UsageEvent => ({
  at: new Date("2026-01-01T00:00:00Z"),
  keyId: "key_a",
  userId: "u",
  modelId: "21",
  status: 200,
  batchSize: 1,
  latencyMs: 1,
  requestId: "req_1",
  ...over,
});

describe("usageLog (embedded usage records)", () => {
  it("appends records and summarises them per key and model like the PostgreSQL summary", async () => {
    const log = usageLog(path);
    await log.insertMany([
      event({ latencyMs: 1 }),
      event({ latencyMs: 2, batchSize: 3 }),
      event({ latencyMs: 10, status: 422, at: new Date("2026-01-01T00:01:00Z") }),
      event({ keyId: "key_b", modelId: "22", latencyMs: 5 }),
    ]);
    await log.insertMany([event({ latencyMs: 4, at: new Date("2026-01-01T00:02:00Z") })]);
    expect(await log.count()).toBe(5);
    const [a, b] = await log.summarize();
    expect(a).toMatchObject({ keyId: "key_a", modelId: "21", requests: 4, errors: 1, rows: 5 });
    expect(a?.p50LatencyMs).toBe(3); // percentile_cont over 1, 2, 4, 10
    expect(a?.p95LatencyMs).toBeCloseTo(9.1, 5);
    expect(a?.firstAt.toISOString()).toBe("2026-01-01T00:00:00.000Z");
    expect(a?.lastAt.toISOString()).toBe("2026-01-01T00:02:00.000Z");
    expect(b).toMatchObject({ keyId: "key_b", modelId: "22", requests: 1 });
    expect(await log.summarize({ keyId: "key_b" })).toHaveLength(1);
    expect(await log.summarize({ modelId: "nope" })).toEqual([]);
    expect((await log.summarize({ since: new Date("2026-01-01T00:01:00Z") }))[0]?.requests).toBe(2);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("reads nothing from a missing log, and skips a last line cut by a crash", async () => {
    const log = usageLog(path);
    expect(await log.summarize()).toEqual([]);
    await log.insertMany([event()]);
    appendFileSync(path, '{"at":"2026-01-01T00:00:00Z","key_id":"key_a","mod');
    expect(await log.count()).toBe(1);
  });

  it("interpolates percentiles as percentile_cont does", () => {
    expect(percentileCont([], 0.5)).toBe(0);
    expect(percentileCont([7], 0.95)).toBe(7);
    expect(percentileCont([1, 2, 3, 4], 0.5)).toBe(2.5);
  });
});
