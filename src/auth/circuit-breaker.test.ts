import { describe, expect, it } from "vitest";
import { circuitBreaker } from "./circuit-breaker.js";

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("circuitBreaker", () => {
  it("opens after `threshold` consecutive failures, not after scattered ones", () => {
    const c = clock();
    const breaker = circuitBreaker({ threshold: 3, coolDownMs: 1_000, now: c.now });
    breaker.failure("a");
    breaker.failure("b");
    breaker.success();
    breaker.failure("c");
    breaker.failure("d");
    expect(breaker.tryAcquire()).toBe(true);
    breaker.failure("e");
    expect(breaker.health()).toMatchObject({
      state: "open",
      consecutiveFailures: 3,
      lastError: "e",
      retryAt: new Date(c.now() + 1_000),
    });
    expect(breaker.tryAcquire()).toBe(false);
  });

  it("lets exactly one probe through after the cool-down; success closes it", () => {
    const c = clock();
    const breaker = circuitBreaker({ threshold: 1, coolDownMs: 1_000, now: c.now });
    breaker.failure("down");
    c.advance(999);
    expect(breaker.tryAcquire()).toBe(false);
    c.advance(1);
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.health().state).toBe("half_open");
    expect(breaker.tryAcquire()).toBe(false); // the probe is still out
    breaker.success();
    expect(breaker.health()).toMatchObject({ state: "closed", consecutiveFailures: 0 });
    expect(breaker.tryAcquire()).toBe(true);
  });

  it("a failed probe opens it for another cool-down", () => {
    const c = clock();
    const breaker = circuitBreaker({ threshold: 2, coolDownMs: 1_000, now: c.now });
    breaker.failure("x");
    breaker.failure("x");
    c.advance(1_000);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.failure("still down");
    expect(breaker.health().state).toBe("open");
    expect(breaker.tryAcquire()).toBe(false);
    c.advance(1_000);
    expect(breaker.tryAcquire()).toBe(true);
  });

  it("a probe released without a verdict hands the probe to the next caller", () => {
    const c = clock();
    const breaker = circuitBreaker({ threshold: 1, coolDownMs: 1_000, now: c.now });
    breaker.failure("down");
    c.advance(1_000);
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
    breaker.release(); // e.g. a usage report answered 500: says nothing of validation
    expect(breaker.health().state).toBe("half_open");
    expect(breaker.tryAcquire()).toBe(true);
    breaker.success();
    expect(breaker.health().state).toBe("closed");
    breaker.release(); // closed: nothing changes
    expect(breaker.health()).toMatchObject({ state: "closed", consecutiveFailures: 0 });
  });
});
