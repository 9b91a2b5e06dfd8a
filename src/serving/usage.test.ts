import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { tcpProxy } from "../cluster/test-support/tcp-proxy.js";
import type { TcpProxy } from "../cluster/test-support/tcp-proxy.js";
import type { Store, UsageEvent, UsageRepository } from "../store/index.js";
import { openStore, usageRepository } from "../store/index.js";
import { postgresBackend, testBackends, useStore } from "../store/test-support/backends.js";
import type { UsageRecorder, UsageRecorderOptions } from "./usage.js";
import { usageRecorder } from "./usage.js";

function event(i: number): UsageEvent {
  return {
    at: new Date(),
    keyId: "key_a",
    userId: "user_1",
    modelId: "21",
    status: 200,
    batchSize: 1,
    latencyMs: 3,
    requestId: `req_${i}`,
  };
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The real repository behind a switch that makes writes fail, as an unreachable store would. */
function switchable(repo: UsageRepository) {
  const state = { down: false, attempts: 0 };
  const sink = {
    async insertMany(events: readonly UsageEvent[]) {
      state.attempts += 1;
      if (state.down) throw new Error("store_unavailable: connection refused");
      await repo.insertMany(events);
    },
  };
  return { state, sink };
}

const recorders: UsageRecorder[] = [];
function recorder(options: UsageRecorderOptions): UsageRecorder {
  const r = usageRecorder({ retryInitialMs: 20, retryMaxMs: 100, ...options });
  recorders.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(recorders.splice(0).map((r) => r.close(0)));
});

describe.each(testBackends())("usageRecorder ($kind)", (backend) => {
  const store = useStore(backend);
  const repo = () => usageRepository(store().db);

  it("N records become N rows, written in batches by the timer", async () => {
    const r = recorder({ sink: repo(), flushMs: 20, batchSize: 50 });
    for (let i = 0; i < 237; i++) r.record(event(i));
    await eventually(async () => (await repo().count()) === 237);
    expect(r.stats()).toMatchObject({ buffered: 0, written: 237, dropped: 0, failedWrites: 0 });
  });

  it("writes a full batch at once, without waiting for the timer", async () => {
    const r = recorder({ sink: repo(), flushMs: 3_600_000, batchSize: 10 });
    for (let i = 0; i < 10; i++) r.record(event(i));
    await eventually(async () => (await repo().count()) === 10);
  });

  it("loses nothing while the store is down, and writes it all when it returns", async () => {
    const { state, sink } = switchable(repo());
    const warnings: string[] = [];
    const r = recorder({
      sink,
      flushMs: 10,
      batchSize: 25,
      logger: { warn: (_o, msg) => warnings.push(msg), error: () => undefined },
    });
    state.down = true;
    for (let i = 0; i < 100; i++) r.record(event(i));
    expect(await r.flush()).toBe(false);
    await eventually(async () => state.attempts >= 3); // retried with backoff
    expect(r.stats()).toMatchObject({ buffered: 100, written: 0 });
    expect(r.stats().lastError).toMatch(/store_unavailable/);
    expect(warnings[0]).toMatch(/kept and retried/);
    state.down = false;
    for (let i = 100; i < 110; i++) r.record(event(i));
    await eventually(async () => (await repo().count()) === 110);
    const ids = await store()
      .db.selectFrom("usage_events")
      .select("request_id")
      .orderBy("id")
      .execute();
    expect(ids.map((row) => row.request_id)).toEqual(
      Array.from({ length: 110 }, (_, i) => `req_${i}`),
    ); // in order, no duplicates
  });

  it("close() writes everything still buffered", async () => {
    const r = recorder({ sink: repo(), flushMs: 3_600_000, batchSize: 1_000 });
    for (let i = 0; i < 30; i++) r.record(event(i));
    expect(await repo().count()).toBe(0);
    expect(await r.close()).toEqual({ unwritten: 0 });
    expect(await repo().count()).toBe(30);
  });
});

describe("usageRecorder (no database)", () => {
  it("record() returns at once even while a write hangs; later records wait their turn", async () => {
    let release: () => void = () => undefined;
    const written: number[] = [];
    const sink = {
      async insertMany(events: readonly UsageEvent[]) {
        if (written.length === 0) await new Promise<void>((resolve) => (release = resolve));
        written.push(events.length);
      },
    };
    const r = recorder({ sink, flushMs: 3_600_000, batchSize: 5 });
    for (let i = 0; i < 5; i++) r.record(event(i));
    const flushing = r.flush();
    for (let i = 5; i < 8; i++) r.record(event(i)); // during the hung write
    expect(r.stats().buffered).toBe(8);
    release();
    // The flush wrote what it was asked for; the 3 later ones are left for the next one.
    expect(await flushing).toBe(false);
    expect(written).toEqual([5]);
    expect(await r.flush()).toBe(true);
    expect(written).toEqual([5, 3]);
  });

  it("a timer flush under steady load writes what was waiting, not a stream of tiny statements", async () => {
    const written: number[] = [];
    const sink = {
      async insertMany(events: readonly UsageEvent[]) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        written.push(events.length);
      },
    };
    const flushMs = 50;
    const r = recorder({ sink, flushMs, batchSize: 100_000 });
    const started = Date.now();
    let i = 0;
    while (Date.now() - started < 500) {
      r.record(event(i++));
      r.record(event(i++));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const ticks = Math.ceil((Date.now() - started) / flushMs);
    // One statement a tick. Chasing arrivals until the buffer is empty wrote one statement
    // every 5 ms here (~100), a handful of records each.
    expect(written.length).toBeLessThanOrEqual(ticks + 1);
    expect(await r.close()).toEqual({ unwritten: 0 });
    expect(written.reduce((a, b) => a + b, 0)).toBe(i);
  });

  it("writes full batches as they fill, and leaves the rest to the timer", async () => {
    const written: number[] = [];
    const sink = {
      async insertMany(events: readonly UsageEvent[]) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        written.push(events.length);
      },
    };
    const r = recorder({ sink, flushMs: 3_600_000, batchSize: 10 });
    for (let i = 0; i < 10; i++) r.record(event(i));
    await new Promise((resolve) => setImmediate(resolve)); // the full batch is being written
    for (let i = 10; i < 23; i++) r.record(event(i)); // arrive during that write
    await eventually(async () => written.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 30));
    // Not a stream of small statements chasing the arrivals: 3 wait for the timer (or flush).
    expect(written).toEqual([10, 10]);
    expect(r.stats().buffered).toBe(3);
    expect(await r.flush()).toBe(true);
    expect(written).toEqual([10, 10, 3]);
  });

  it("bounds the buffer: overflow is dropped, counted and logged once", async () => {
    const errors: string[] = [];
    const r = recorder({
      sink: { insertMany: () => Promise.reject(new Error("down")) },
      flushMs: 3_600_000,
      maxBuffered: 5,
      logger: { warn: () => undefined, error: (_o, msg) => errors.push(msg) },
    });
    for (let i = 0; i < 8; i++) r.record(event(i));
    expect(r.stats()).toMatchObject({ buffered: 5, dropped: 3 });
    expect(errors).toEqual([expect.stringMatching(/buffer full/)]);
  });

  it("close() gives up at its deadline and reports what it could not write", async () => {
    const errors: Record<string, unknown>[] = [];
    const r = recorder({
      sink: { insertMany: () => Promise.reject(new Error("down")) },
      logger: { warn: () => undefined, error: (o) => errors.push(o) },
    });
    r.record(event(1));
    r.record(event(2));
    expect(await r.close(100)).toEqual({ unwritten: 2 });
    expect(errors.at(-1)).toMatchObject({ unwritten: 2, lastError: "down" });
  });

  it("close() returns at its deadline though a write never answers, and says so", async () => {
    const errors: { obj: Record<string, unknown>; msg: string }[] = [];
    const r = recorder({
      // A store whose network swallows packets: the write neither succeeds nor fails.
      sink: { insertMany: () => new Promise<void>(() => undefined) },
      logger: { warn: () => undefined, error: (obj, msg) => errors.push({ obj, msg }) },
    });
    for (let i = 0; i < 3; i++) r.record(event(i));
    expect(await r.close(100)).toEqual({ unwritten: 3, inFlight: 3 });
    expect(errors.at(-1)?.obj).toMatchObject({ unwritten: 3, inFlight: 3 });
    expect(errors.at(-1)?.msg).toMatch(
      /3 usage records not written .*3 in a write still unanswered/,
    );
  });
});

describe("usageRecorder through a real PostgreSQL outage", () => {
  const backend = postgresBackend();
  let proxy: TcpProxy;
  let store: Store;
  beforeAll(async () => {
    await backend.setup();
    proxy = await tcpProxy("127.0.0.1", 5432);
    const url = new URL(backend.databaseUrl);
    url.port = String(proxy.port);
    store = await openStore({ databaseUrl: url.toString() });
  });
  afterAll(async () => {
    await proxy.start().catch(() => undefined);
    await store.close();
    await proxy.stop();
    await backend.teardown();
  });

  it("keeps records while PostgreSQL is unreachable and writes them when it is back", async () => {
    const repo = usageRepository(store.db);
    const r = recorder({ sink: repo, flushMs: 20, batchSize: 50 });
    await proxy.stop();
    for (let i = 0; i < 75; i++) r.record(event(i));
    expect(await r.flush()).toBe(false);
    expect(r.stats().lastError).toMatch(/PostgreSQL/);
    await proxy.start();
    await eventually(async () => r.stats().buffered === 0, 20_000);
    expect(await repo.count()).toBe(75);
  });
});

describe("usageRecorder catching up", () => {
  it("writes a backlog and what arrives meanwhile once each, in order", async () => {
    const written: string[] = [];
    let down = true;
    const r = recorder({
      sink: {
        async insertMany(events) {
          if (down) throw new Error("store_unavailable");
          await new Promise((resolve) => setImmediate(resolve));
          written.push(...events.map((e) => e.requestId));
        },
      },
      flushMs: 5,
      batchSize: 100,
      maxBuffered: 50_000,
    });
    for (let i = 0; i < 10_000; i++) r.record(event(i));
    expect(await r.flush()).toBe(false);
    down = false;
    let next = 10_000;
    while (written.length < 10_000) {
      for (let i = 0; i < 50; i++) r.record(event(next++));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(await r.flush()).toBe(true);
    expect(written).toEqual(Array.from({ length: next }, (_, i) => `req_${i}`));
    expect(r.stats()).toMatchObject({ buffered: 0, written: next, dropped: 0 });
  });
});
