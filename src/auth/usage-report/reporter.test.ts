/**
 * The usage reporter against a scripted transport and a hand-driven clock: backoff, Retry-After,
 * the shared circuit breaker and the queue bound are checked by counts at chosen instants,
 * never by waiting. (The same reporter against a real HTTP fake: test/api-usage-report.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { circuitBreaker } from "../circuit-breaker.js";
import type { AuthTransport, TransportAnswer } from "../external-transport.js";
import type { ReportClock } from "./clock.js";
import { backoffMs } from "./clock.js";
import type { UsageReport } from "./reporter.js";
import { usageReporter } from "./reporter.js";

interface TestClock extends ReportClock {
  /** Move time on, running the timers that fall due (in order) and what they start. */
  advance(ms: number): Promise<void>;
  /** Run deferred work and let answered sends finish. */
  settle(): Promise<void>;
}

const ticks = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

function testClock(): TestClock {
  let t = 1_000_000;
  let timers: { at: number; fn: () => void; live: boolean }[] = [];
  let deferred: (() => void)[] = [];
  async function settle() {
    for (let i = 0; i < 20 && deferred.length > 0; i++) {
      const run = deferred;
      deferred = [];
      for (const fn of run) fn();
      await ticks();
    }
    await ticks();
  }
  return {
    now: () => t,
    random: () => 0.5,
    defer: (fn) => void deferred.push(fn),
    setTimeout(fn, ms) {
      const timer = { at: t + Math.max(0, ms), fn, live: true };
      timers.push(timer);
      return { cancel: () => void (timer.live = false) };
    },
    async advance(ms) {
      const end = t + ms;
      for (;;) {
        timers = timers.filter((x) => x.live);
        const due = timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        t = Math.max(t, due.at);
        due.live = false;
        due.fn();
        await settle();
      }
      t = end;
      await settle();
    },
    settle,
  };
}

type Script = (call: number, url: URL, body: string) => TransportAnswer | Error | "hang";

interface ScriptedTransport extends AuthTransport {
  calls: { url: string; headers: Record<string, string>; body: Record<string, unknown> }[];
  /** Calls started and not answered ("hang"). */
  hanging: number;
  release(answer: TransportAnswer): void;
  script: Script;
}

function transport(script: Script): ScriptedTransport {
  const hung: ((a: TransportAnswer) => void)[] = [];
  const self: ScriptedTransport = {
    calls: [],
    script,
    get hanging() {
      return hung.length;
    },
    release(answer) {
      for (const resolve of hung.splice(0)) resolve(answer);
    },
    post(url, headers, body) {
      self.calls.push({ url: url.toString(), headers, body: JSON.parse(body) });
      const outcome = self.script(self.calls.length, url, body);
      if (outcome === "hang") return new Promise((resolve) => hung.push(resolve));
      return outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome);
    },
    close() {},
  };
  return self;
}

const ok: TransportAnswer = { status: 201, retryAfter: null, text: "{}" };
const answer = (status: number, retryAfter: string | null = null): TransportAnswer => ({
  status,
  retryAfter,
  text: "{}",
});
const refused = () => Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });

function report(i: number): UsageReport {
  return {
    keyId: `key/${i}`,
    endpoint: "/api/v1/models/21/predict",
    responseTimeMs: i,
    statusCode: 200,
  };
}

function setup(
  script: Script,
  options: { queueMax?: number; concurrency?: number; roundMs?: number } = {},
) {
  const clock = testClock();
  const breaker = circuitBreaker({ threshold: 5, coolDownMs: 1_500, now: clock.now });
  const t = transport(script);
  const reporter = usageReporter({
    url: "http://auth.test/",
    serviceId: "platform",
    transport: t,
    breaker,
    timeoutMs: 1_000,
    retries: 2,
    backoff: { initialMs: 100, maxMs: 10_000 },
    clock,
    roundMs: 0,
    ...options,
  });
  return { clock, breaker, t, reporter };
}

describe("backoffMs", () => {
  it("doubles per failure in a row, with jitter between half and all of it, up to the cap", () => {
    const limits = { initialMs: 100, maxMs: 1_000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, limits, () => 0))).toEqual([
      50, 100, 200, 400, 500,
    ]);
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, limits, () => 0.999999))).toEqual([
      100, 200, 400, 800, 1_000,
    ]);
  });
});

describe("usageReporter", () => {
  it("sends each report as the seeds do: POST …/api/v1/usage/{key_id}, four fields, JSON", async () => {
    const { clock, t, reporter } = setup(() => ok);
    reporter.report(report(7));
    expect(t.calls).toHaveLength(0); // queued: nothing happens on the caller's path
    await clock.settle();
    expect(t.calls).toEqual([
      {
        url: "http://auth.test/api/v1/usage/key%2F7",
        headers: { "content-type": "application/json" },
        body: {
          endpoint: "/api/v1/models/21/predict",
          response_time_ms: 7,
          status_code: 200,
          service_id: "platform",
        },
      },
    ]);
    expect(reporter.stats()).toMatchObject({ sent: 1, retried: 0, dropped: 0, queued: 0 });
  });

  it("sends in rounds: what arrives within roundMs goes out together", async () => {
    const { clock, t, reporter } = setup(() => "hang", { roundMs: 20, concurrency: 4 });
    reporter.report(report(1));
    reporter.report(report(2));
    await clock.settle();
    expect(t.calls).toHaveLength(0);
    await clock.advance(19);
    reporter.report(report(3));
    await clock.advance(0);
    expect(t.calls).toHaveLength(0);
    await clock.advance(1);
    expect(t.calls).toHaveLength(3); // one round
    // A full round's worth waiting goes at once, without waiting for roundMs.
    t.script = () => ok;
    t.release(ok);
    await clock.settle();
    for (let i = 4; i <= 7; i++) reporter.report(report(i));
    await clock.settle();
    expect(t.calls).toHaveLength(7);
    expect(reporter.stats()).toMatchObject({ sent: 7, queued: 0, inFlight: 0 });
  });

  it("keeps at most `concurrency` reports in flight", async () => {
    const { clock, t, reporter } = setup(() => "hang", { concurrency: 3 });
    for (let i = 0; i < 10; i++) reporter.report(report(i));
    await clock.settle();
    expect(t.hanging).toBe(3);
    expect(reporter.stats()).toMatchObject({ inFlight: 3, queued: 7 });
    t.script = () => ok;
    t.release(ok);
    await clock.settle();
    expect(reporter.stats()).toMatchObject({ sent: 10, inFlight: 0, queued: 0 });
  });

  it("retries a 5xx after a growing backoff, then drops it after USAGE_REPORT_RETRIES", async () => {
    const { clock, t, reporter } = setup(() => answer(500));
    reporter.report(report(1));
    await clock.settle();
    expect(t.calls).toHaveLength(1);
    // First backoff: between 50 and 100 ms (random 0.5 → 75 ms).
    await clock.advance(74);
    expect(t.calls).toHaveLength(1);
    await clock.advance(1);
    expect(t.calls).toHaveLength(2);
    // Second: 150 ms.
    await clock.advance(149);
    expect(t.calls).toHaveLength(2);
    await clock.advance(1);
    expect(t.calls).toHaveLength(3);
    // retries: 2 → the third error answer is the last.
    await clock.advance(60_000);
    expect(t.calls).toHaveLength(3);
    expect(reporter.stats()).toMatchObject({
      sent: 0,
      retried: 2,
      dropped: 1,
      droppedAfterRetries: 1,
      queued: 0,
      lastError: "answered HTTP 500",
    });
  });

  it("waits out a 429's Retry-After without spending the report's retries", async () => {
    let limited = 4;
    const { clock, t, reporter } = setup(() => (limited-- > 0 ? answer(429, "10") : ok));
    reporter.report(report(1));
    await clock.settle();
    for (let round = 1; round <= 4; round++) {
      await clock.advance(9_999);
      expect(t.calls).toHaveLength(round);
      await clock.advance(1);
      expect(t.calls).toHaveLength(round + 1);
    }
    // Four 429s in a row, more than retries (2), and the report still went through.
    expect(reporter.stats()).toMatchObject({ sent: 1, retried: 4, dropped: 0 });
  });

  it("honours a 503's Retry-After as a date", async () => {
    const { clock, t, reporter } = setup((n) =>
      n === 1 ? answer(503, new Date(clock.now() + 30_000).toUTCString()) : ok,
    );
    reporter.report(report(1));
    await clock.settle();
    await clock.advance(29_000);
    expect(t.calls).toHaveLength(1);
    await clock.advance(2_000);
    expect(reporter.stats()).toMatchObject({ sent: 1, retried: 1 });
  });

  it("drops a report the service refuses with a 4xx at once (a retry cannot help)", async () => {
    const { clock, t, reporter } = setup(() => answer(404));
    reporter.report(report(1));
    await clock.settle();
    await clock.advance(60_000);
    expect(t.calls).toHaveLength(1);
    expect(reporter.stats()).toMatchObject({ dropped: 1, droppedRefused: 1, retried: 0 });
  });

  it("an unreachable service opens the shared circuit; reports wait, none is lost", async () => {
    let down = true;
    const { clock, t, breaker, reporter } = setup(() => (down ? refused() : ok), {
      concurrency: 1,
    });
    for (let i = 0; i < 50; i++) reporter.report(report(i));
    await clock.settle();
    // Failures in a row, each after its backoff, until the circuit opens (threshold 5).
    await clock.advance(1_200);
    expect(breaker.health().state).toBe("open");
    const callsWhileOpen = t.calls.length;
    expect(callsWhileOpen).toBe(5);
    const probeAt = breaker.health().retryAt?.getTime() ?? 0;
    await clock.advance(probeAt - clock.now() - 1); // inside the cool-down: no call at all
    expect(t.calls).toHaveLength(callsWhileOpen);
    await clock.advance(1); // then exactly one probe
    expect(t.calls).toHaveLength(callsWhileOpen + 1);
    // Minutes of outage: one probe per cool-down, and the reports keep waiting.
    await clock.advance(300_000);
    expect(reporter.stats()).toMatchObject({ sent: 0, dropped: 0, queued: 50 });
    down = false;
    await clock.advance(20_000);
    expect(breaker.health().state).toBe("closed");
    expect(reporter.stats()).toMatchObject({ sent: 50, dropped: 0, queued: 0 });
    // Every report went out with its own fields, each exactly once among the successes.
    const delivered = t.calls.slice(-50).map((c) => c.body.response_time_ms);
    expect(new Set(delivered).size).toBe(50);
  });

  it("with the circuit open (validation failing), sends nothing until a probe is allowed", async () => {
    const { clock, t, breaker, reporter } = setup(() => ok);
    for (let i = 0; i < 5; i++) breaker.failure("validation timed out");
    reporter.report(report(1));
    await clock.settle();
    expect(t.calls).toHaveLength(0);
    await clock.advance(1_500);
    expect(t.calls).toHaveLength(1);
    expect(breaker.health().state).toBe("closed"); // the report was the probe, and it succeeded
  });

  it("a full queue drops the oldest reports and counts them; the newest are sent", async () => {
    let down = true;
    const { clock, t, reporter } = setup(() => (down ? refused() : ok), {
      queueMax: 10,
      concurrency: 1,
    });
    for (let i = 0; i < 100; i++) reporter.report(report(i));
    await clock.settle();
    await clock.advance(10_000);
    down = false;
    await clock.advance(60_000);
    const s = reporter.stats();
    expect(s.sent + s.dropped).toBe(100);
    expect(s.dropped).toBe(s.droppedQueueFull);
    // The 100 arrived within one tick: the queue held the newest 10, and those were sent.
    expect(s.sent).toBe(10);
    const sent = t.calls.slice(-10).map((c) => c.body.response_time_ms);
    expect(sent.sort((a, b) => Number(a) - Number(b))).toEqual([
      90, 91, 92, 93, 94, 95, 96, 97, 98, 99,
    ]);
  });

  it("close() sends what is queued at once, ignoring no backoff it must respect", async () => {
    const { clock, t, reporter } = setup(() => ok);
    for (let i = 0; i < 20; i++) reporter.report(report(i));
    const closed = reporter.close(5_000);
    await clock.settle();
    expect(await closed).toEqual({ unsent: 0 });
    expect(t.calls).toHaveLength(20);
    reporter.report(report(21)); // after close: counted, never sent
    expect(reporter.stats()).toMatchObject({ sent: 20, droppedAtShutdown: 1 });
  });

  it("close() skips its own backoff, but not a Retry-After the service asked for", async () => {
    let calls = 0;
    const { clock, t, reporter } = setup(() => (++calls === 1 ? answer(500) : ok));
    reporter.report(report(1));
    await clock.settle();
    expect(t.calls).toHaveLength(1); // failed: waiting out a 75 ms backoff
    const closed = reporter.close(5_000);
    await clock.settle();
    expect(await closed).toEqual({ unsent: 0 }); // sent at once, no clock advance needed

    const second = setup((n) => (n === 1 ? answer(429, "2") : ok));
    second.reporter.report(report(1));
    await second.clock.settle();
    const closing = second.reporter.close(5_000);
    await second.clock.advance(1_999);
    expect(second.t.calls).toHaveLength(1);
    await second.clock.advance(1);
    expect(await closing).toEqual({ unsent: 0 });
  });

  it("close() gives up at its deadline against a dead service and counts what is left", async () => {
    const { clock, reporter } = setup(() => refused());
    for (let i = 0; i < 20; i++) reporter.report(report(i));
    await clock.settle();
    const closed = reporter.close(3_000);
    await clock.advance(3_000);
    const { unsent } = await closed;
    expect(unsent).toBe(20);
    expect(reporter.stats()).toMatchObject({ sent: 0, droppedAtShutdown: 20, queued: 0 });
  });
});
