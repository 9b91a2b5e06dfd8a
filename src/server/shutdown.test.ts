/**
 * Shutdown within MODELGATE_SHUTDOWN_TIMEOUT_MS whatever the backends do: Redis (or a loaded
 * model) and the store that never finish closing still let it end inside the budget, each named
 * in a warning, and the usage records still get their share. On a test clock: no timing window.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ShutdownSteps } from "./shutdown.js";
import { shutdown } from "./shutdown.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** What closing a connection to a peer that swallows every packet does. */
const hangs = (): Promise<void> => new Promise<void>(() => undefined);
const closes = async (): Promise<void> => undefined;

function fakeSteps(closeBackends: () => Promise<void>, closeStore: () => Promise<void>) {
  const done: string[] = [];
  const steps: ShutdownSteps = {
    drain: () => void done.push("drain"),
    closeListeners: async () => void done.push("listeners"),
    usage: {
      close: async (ms: number) => {
        done.push(`usage ${ms > 0 ? "given time" : "0"}`);
        return { unwritten: 0 };
      },
    },
    flushLastUsed: async () => void done.push("last-used"),
    closeBackends,
    store: {
      close: () => {
        done.push("store");
        return closeStore();
      },
    },
  };
  return { done, steps };
}

describe("shutdown with backends that never close", () => {
  it.each([
    ["Redis swallowing packets", ["Redis and models"], closes],
    ["Redis and the store swallowing packets", ["Redis and models", "the store"], hangs],
  ] as const)("%s: ends within its budget, naming what it left", async (_name, named, store) => {
    const warn = vi.fn();
    const { done, steps: s } = fakeSteps(hangs, store);
    let finished = false;
    const run = shutdown({ shutdownTimeoutMs: 4_000, shutdownDrainMs: 0 }, { warn }, s).then(
      () => void (finished = true),
    );
    await vi.advanceTimersByTimeAsync(3_999);
    expect(finished).toBe(true);
    await run;
    expect(done).toEqual(["drain", "listeners", "usage given time", "last-used", "store"]);
    expect(warn.mock.calls.map(([fields]) => (fields as { phase: string }).phase)).toEqual(named);
    expect(String(warn.mock.calls[0]?.[1])).toContain(
      "did not finish in its share of MODELGATE_SHUTDOWN_TIMEOUT_MS",
    );
  });
});
