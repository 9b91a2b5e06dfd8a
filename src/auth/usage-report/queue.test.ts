import { describe, expect, it } from "vitest";
import { boundedQueue } from "./queue.js";

describe("boundedQueue", () => {
  it("is first in, first out, across the ring's wrap-around", () => {
    const q = boundedQueue<number>(3);
    for (let round = 0; round < 5; round++) {
      q.push(round * 10 + 1);
      q.push(round * 10 + 2);
      expect(q.shift()).toBe(round * 10 + 1);
      expect(q.shift()).toBe(round * 10 + 2);
    }
    expect(q.size).toBe(0);
    expect(q.shift()).toBeUndefined();
    expect(q.overflowed).toBe(0);
  });

  it("when full, drops the oldest item and counts it", () => {
    const q = boundedQueue<number>(3);
    for (let i = 1; i <= 7; i++) q.push(i);
    expect(q.size).toBe(3);
    expect(q.overflowed).toBe(4);
    expect(q.drain()).toEqual([5, 6, 7]);
    expect(q.size).toBe(0);
  });

  it("puts a taken item back at the head; when full, that (oldest) item is the one dropped", () => {
    const q = boundedQueue<string>(2);
    q.push("a");
    q.push("b");
    const taken = q.shift();
    expect(taken).toBe("a");
    expect(q.unshift("a")).toBe(true);
    expect(q.drain()).toEqual(["a", "b"]);

    q.push("c");
    q.push("d");
    expect(q.unshift("older")).toBe(false);
    expect(q.overflowed).toBe(1);
    expect(q.drain()).toEqual(["c", "d"]);
  });

  it("never holds more than its capacity, and refuses a capacity below 1", () => {
    const q = boundedQueue<number>(1_000);
    for (let i = 0; i < 100_000; i++) q.push(i);
    expect(q.size).toBe(1_000);
    expect(q.overflowed).toBe(99_000);
    expect(q.shift()).toBe(99_000);
    expect(() => boundedQueue(0)).toThrow(/at least 1/);
  });
});
