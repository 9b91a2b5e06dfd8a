import { describe, expect, it } from "vitest";
import { createBatcher } from "./batcher.js";

type Row = Record<string, unknown>;

/** Until the end of this turn of the event loop (where the batcher starts its run). */
const endOfTurn = () => new Promise((r) => setImmediate(r));

/** A model stand-in that echoes each row's id and records the size of every run. */
function recordingRun() {
  const runs: number[] = [];
  let release: (() => void) | null = null;
  let hold = false;
  const run = async (rows: readonly Row[]) => {
    runs.push(rows.length);
    if (hold) await new Promise<void>((r) => (release = r));
    return rows.map((r) => ({ echo: r.id }));
  };
  return {
    runs,
    run,
    holdNext() {
      hold = true;
    },
    releaseHeld() {
      hold = false;
      release?.();
    },
  };
}

describe("createBatcher", () => {
  it("runs a lone request on its own, at the end of its turn", async () => {
    const model = recordingRun();
    const batcher = createBatcher(model.run, 64);
    const answer = batcher.submit([{ id: 1 }]);
    expect(model.runs).toEqual([]);
    await endOfTurn();
    expect(model.runs).toEqual([1]);
    expect(await answer).toEqual([{ echo: 1 }]);
  });

  it("runs the requests of one turn together, each getting its own outputs", async () => {
    const model = recordingRun();
    const batcher = createBatcher(model.run, 64);
    const answers = [
      batcher.submit([{ id: "a" }]),
      batcher.submit([{ id: "b" }, { id: "c" }]),
      batcher.submit([{ id: "d" }]),
    ];
    expect(await Promise.all(answers)).toEqual([
      [{ echo: "a" }],
      [{ echo: "b" }, { echo: "c" }],
      [{ echo: "d" }],
    ]);
    expect(model.runs).toEqual([4]);
  });

  it("queues requests arriving during a run into the next run, each getting its own outputs", async () => {
    const model = recordingRun();
    const batcher = createBatcher(model.run, 64);
    model.holdNext();
    const first = batcher.submit([{ id: "a" }]);
    await endOfTurn();
    const rest = [
      batcher.submit([{ id: "b" }]),
      batcher.submit([{ id: "c" }, { id: "d" }]),
      batcher.submit([{ id: "e" }]),
    ];
    model.releaseHeld();
    expect(await first).toEqual([{ echo: "a" }]);
    expect(await Promise.all(rest)).toEqual([
      [{ echo: "b" }],
      [{ echo: "c" }, { echo: "d" }],
      [{ echo: "e" }],
    ]);
    expect(model.runs).toEqual([1, 4]);
  });

  it("never exceeds maxBatch rows in a run and never splits a request", async () => {
    const model = recordingRun();
    const batcher = createBatcher(model.run, 4);
    model.holdNext();
    const all = [batcher.submit([{ id: 0 }])];
    await endOfTurn();
    for (let i = 1; i <= 5; i++)
      all.push(
        batcher.submit([{ id: `${i}a` }, { id: `${i}b` }, { id: `${i}c` }].slice(0, (i % 3) + 1)),
      );
    model.releaseHeld();
    const outputs = await Promise.all(all);
    expect(outputs.map((o) => o.length)).toEqual([1, 2, 3, 1, 2, 3]);
    expect(model.runs[0]).toBe(1);
    expect(model.runs.slice(1).every((n) => n <= 4)).toBe(true);
    expect(model.runs.reduce((a, b) => a + b, 0)).toBe(12);
  });

  it("a failed run rejects every request in it, and the next run goes ahead", async () => {
    let fail = true;
    let runs = 0;
    const batcher = createBatcher(async (rows) => {
      runs += 1;
      if (fail) {
        fail = false;
        throw new Error("boom");
      }
      return rows.map(() => ({ ok: true }));
    }, 8);
    // Settled-watched from the start: both reject during the turn below.
    const failed = Promise.allSettled([batcher.submit([{}]), batcher.submit([{}])]);
    await endOfTurn();
    const next = batcher.submit([{}]);
    const outcomes = await failed;
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected"]);
    expect(outcomes.map((o) => (o.status === "rejected" ? String(o.reason) : ""))).toEqual([
      "Error: boom",
      "Error: boom",
    ]);
    expect(await next).toEqual([{ ok: true }]);
    expect(runs).toBe(2);
  });
});

describe("createBatcher with a run that throws instead of rejecting", () => {
  it("rejects the requests of that run and goes on with the next", async () => {
    let calls = 0;
    const batcher = createBatcher((rows) => {
      calls += 1;
      if (calls === 1) throw new Error("thrown, not rejected");
      return Promise.resolve(rows.map(() => ({ ok: true })));
    }, 8);
    const first = batcher.submit([{}]);
    await expect(first).rejects.toThrow("thrown, not rejected");
    expect(await batcher.submit([{}])).toEqual([{ ok: true }]);
  });
});

describe("createBatcher with an observer", () => {
  it("reports each request's queue wait and each run's size and time", async () => {
    const model = recordingRun();
    const waits: number[] = [];
    const runs: [number, number][] = [];
    const batcher = createBatcher(model.run, 64, {
      waited: (s) => waits.push(s),
      ran: (rows, s) => runs.push([rows, s]),
    });
    model.holdNext();
    const first = batcher.submit([{ id: "a" }]);
    await endOfTurn();
    const queued = [batcher.submit([{ id: "b" }]), batcher.submit([{ id: "c" }, { id: "d" }])];
    // Held long enough that the queued requests' wait is measurable.
    await new Promise((r) => setTimeout(r, 20));
    model.releaseHeld();
    await Promise.all([first, ...queued]);
    expect(runs.map(([rows]) => rows)).toEqual([1, 3]);
    expect(runs[0]?.[1]).toBeGreaterThanOrEqual(0.015);
    expect(waits).toHaveLength(3);
    // The lone first request ran at the end of its turn; the two behind it waited for the held run.
    expect(waits[0]).toBeLessThan(waits[1] ?? 0);
    expect(waits[1]).toBeGreaterThanOrEqual(0.015);
    expect(waits[2]).toBeGreaterThanOrEqual(0.015);
  });
});
