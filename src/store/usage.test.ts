import { describe, expect, it } from "vitest";
import { testBackends, useStore } from "./test-support/backends.js";
import type { UsageEvent } from "./usage.js";
import { usageRepository } from "./usage.js";
import { usageRetention } from "./usage-retention.js";

const T0 = new Date("2025-06-01T12:00:00Z");

function relativeError(actual: number | undefined, exact: number): number {
  return Math.abs((actual ?? Number.NaN) - exact) / exact;
}

function event(over: Partial<UsageEvent> = {}): UsageEvent {
  return {
    at: T0,
    keyId: "key_a",
    userId: "user_1",
    modelId: "21",
    status: 200,
    batchSize: 1,
    latencyMs: 10,
    requestId: "req_1",
    ...over,
  };
}

describe.each(testBackends())("usageRepository ($kind)", (backend) => {
  const store = useStore(backend);
  const repo = () => usageRepository(store().db);

  it("inserts many events in one call and reads them back", async () => {
    const events = Array.from({ length: 120 }, (_, i) =>
      event({ requestId: `req_${i}`, latencyMs: i + 0.5 }),
    );
    await repo().insertMany(events);
    await repo().insertMany([]);
    expect(await repo().count()).toBe(120);
    const row = await store()
      .db.selectFrom("usage_events")
      .selectAll()
      .where("request_id", "=", "req_7")
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      at: T0,
      key_id: "key_a",
      user_id: "user_1",
      model_id: "21",
      status: 200,
      batch_size: 1,
      latency_ms: 7.5,
    });
  });

  it("stores any text as given, and times to the millisecond", async () => {
    const texts = ['a"b', "back\\slash", "a,b", "{x}", "NULL", "", " sp ", "é🙂", 'e\\"nd\\'];
    const at = new Date("2025-06-01T12:00:00.123Z");
    await repo().insertMany(
      texts.map((t, i) => event({ at, userId: t, keyId: `k${i}`, requestId: t, latencyMs: 1.25 })),
    );
    const rows = await store()
      .db.selectFrom("usage_events")
      .select(["key_id", "user_id", "request_id", "at", "latency_ms"])
      .orderBy("id")
      .execute();
    expect(rows.map((r) => r.user_id)).toEqual(texts);
    expect(rows.map((r) => r.request_id)).toEqual(texts);
    expect(rows.every((r) => r.at.getTime() === at.getTime() && r.latency_ms === 1.25)).toBe(true);
  });

  it("replaces NUL, which PostgreSQL text cannot hold, instead of failing the batch", async () => {
    await repo().insertMany([event({ userId: "a\u0000b" })]);
    const row = await store().db.selectFrom("usage_events").select("user_id").executeTakeFirst();
    expect(row?.user_id).toBe("a\uFFFDb");
  });

  it("inserts past one statement's parameter limit, all or nothing", async () => {
    const events = Array.from({ length: 12_001 }, (_, i) => event({ requestId: `r${i}` }));
    await repo().insertMany(events);
    expect(await repo().count()).toBe(12_001);
    // A bad row in the second statement undoes the first: a retry never duplicates rows.
    const bad = events.map((e, i) => (i === 6_000 ? { ...e, status: 200.5 } : e));
    await expect(repo().insertMany(bad)).rejects.toThrow();
    expect(await repo().count()).toBe(12_001);
  });

  it("summarises per key and model: counts, errors, rows and latency percentiles", async () => {
    const at = (min: number) => new Date(T0.getTime() + min * 60_000);
    await repo().insertMany([
      // key_a × 21: latencies 1..20, two errors, batches of 2
      ...Array.from({ length: 20 }, (_, i) =>
        event({ latencyMs: i + 1, batchSize: 2, status: i < 2 ? 503 : 200, at: at(i) }),
      ),
      event({ keyId: "key_a", modelId: "7", latencyMs: 5, at: at(30) }),
      event({ keyId: "key_b", status: 429, batchSize: 4, latencyMs: 1, at: at(40) }),
    ]);
    const all = await repo().summarize();
    expect(all.map((s) => [s.keyId, s.modelId, s.requests, s.errors, s.rows])).toEqual([
      ["key_a", "21", 20, 2, 36],
      ["key_a", "7", 1, 0, 1],
      ["key_b", "21", 1, 1, 0],
    ]);
    const first = all[0];
    // From latency buckets: within half a bucket (9.5 %) of percentile_cont's 10.5 and 19.05.
    expect(relativeError(first?.p50LatencyMs, 10.5)).toBeLessThan(0.095);
    expect(relativeError(first?.p95LatencyMs, 19.05)).toBeLessThan(0.095);
    expect(first?.firstAt).toEqual(at(0));
    expect(first?.lastAt).toEqual(at(19));

    expect((await repo().summarize({ keyId: "key_b" })).map((s) => s.keyId)).toEqual(["key_b"]);
    expect((await repo().summarize({ modelId: "7" })).map((s) => s.requests)).toEqual([1]);
    const recent = await repo().summarize({ since: at(15) });
    expect(recent.map((s) => [s.keyId, s.modelId, s.requests])).toEqual([
      ["key_a", "21", 5],
      ["key_a", "7", 1],
      ["key_b", "21", 1],
    ]);
    expect(await repo().summarize({ keyId: "key_a", modelId: "21", since: at(60) })).toEqual([]);
  });

  it("expires raw records in bounded batches, keeps the rollups, and answers from them", async () => {
    const DAY = 86_400_000;
    const old = (i: number) => new Date(T0.getTime() - 40 * DAY + i * 60_000);
    await repo().insertMany([
      ...Array.from({ length: 25 }, (_, i) => event({ at: old(i), requestId: `old${i}` })),
      ...Array.from({ length: 5 }, (_, i) => event({ at: new Date(T0.getTime() + i) })),
    ]);
    const before = new Date(T0.getTime() - 30 * DAY);
    expect(await repo().expire(before, 10)).toBe(10);
    const retention = usageRetention({
      usage: repo(),
      retentionDays: 30,
      batchRows: 10,
      pauseMs: 0,
      firstRunMs: 3_600_000,
      now: () => T0.getTime(),
    });
    expect(await retention.runOnce()).toBe(15);
    await retention.stop();
    expect(retention.stats()).toMatchObject({ expired: 15, runs: 1 });
    expect(await repo().count()).toBe(5);

    const [all] = await repo().summarize();
    expect(all).toMatchObject({
      requests: 30,
      rows: 30,
      firstAt: old(0),
      lastAt: new Date(T0.getTime() + 4),
    });
    // Since the middle of an hour whose raw records are gone: that whole hour, from the rollups.
    const [fromOld] = await repo().summarize({ since: old(10) });
    expect(fromOld?.requests).toBe(30);
  });

  it("adds batches to the same hour's rollups, and counts nothing twice when a write fails", async () => {
    await repo().insertMany([event({ latencyMs: 3 }), event({ latencyMs: 3, status: 500 })]);
    await repo().insertMany([event({ latencyMs: 3, batchSize: 5 })]);
    const bad = [event({ latencyMs: 3 }), event({ status: 1.5 })];
    await expect(repo().insertMany(bad)).rejects.toThrow();
    const rollups = await store().db.selectFrom("usage_hourly").selectAll().execute();
    expect(rollups).toHaveLength(1);
    expect(rollups[0]).toMatchObject({ hour: T0, requests: 3, errors: 1 });
    expect(Number(rollups[0]?.rows)).toBe(6);
    expect(await repo().count()).toBe(3);
  });

  it("counts exactly what happened since any time, across hours and days", async () => {
    const start = Date.parse("2025-06-01T20:17:00Z");
    const events = Array.from({ length: 400 }, (_, i) =>
      event({
        at: new Date(start + i * 613_457), // ~10 min apart: three days, every hour and day edge
        keyId: i % 3 === 0 ? "key_b" : "key_a",
        status: i % 7 === 0 ? 500 : 200,
        batchSize: 1 + (i % 3),
        latencyMs: 1 + (i % 40),
        requestId: `r${i}`,
      }),
    );
    await repo().insertMany(events.slice(0, 150));
    await repo().insertMany(events.slice(150));
    for (const since of [undefined, start + 1, start + 3_600_000 * 5.5, start + 86_400_000 * 1.3]) {
      const expected = new Map<string, { requests: number; errors: number; rows: number }>();
      for (const e of events) {
        if (since !== undefined && e.at.getTime() < since) continue;
        const g = expected.get(e.keyId) ?? { requests: 0, errors: 0, rows: 0 };
        g.requests += 1;
        if (e.status >= 400) g.errors += 1;
        else g.rows += e.batchSize;
        expected.set(e.keyId, g);
      }
      const got = await repo().summarize(since === undefined ? {} : { since: new Date(since) });
      expect(
        Object.fromEntries(
          got.map((r) => [r.keyId, { requests: r.requests, errors: r.errors, rows: r.rows }]),
        ),
        `since ${since}`,
      ).toEqual(Object.fromEntries(expected));
      const firstA = events.find(
        (e) => e.keyId === "key_a" && (since === undefined || e.at.getTime() >= since),
      );
      expect(got.find((r) => r.keyId === "key_a")?.firstAt).toEqual(firstA?.at);
    }
  });
});
