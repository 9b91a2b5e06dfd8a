/**
 * Usage reports to the external auth service, as the seeds' service sends them after every
 * authenticated request: `POST {AUTH_SERVICE_URL}/api/v1/usage/{key_id}` with
 * `{"endpoint", "response_time_ms", "status_code", "service_id"}` (JSON, no credentials: the
 * seeds' auth service takes it as a service-to-service call).
 *
 * Off the request path: `report()` appends to a bounded queue and returns; a pump sends them in
 * rounds, at most `concurrency` awaiting their answer (pipelined: ./pipelined-transport.ts).
 * When the queue is full the oldest report is dropped and counted. Failures are retried with
 * exponential backoff and jitter: a 429 or 503 waits at least its Retry-After (also on
 * shutdown, when our own backoff is skipped to use the little time left). A report is given up
 * only when the service ANSWERED it with an error more than `retries` times, or refused it with
 * a 4xx — never because the service was unreachable for a while (those wait in the queue,
 * which the bound protects). The circuit breaker is the validation's: a service known to be
 * down is not called, and reports that cannot reach it count towards opening it.
 *
 * At least once: a report whose answer was lost (a timeout) is sent again and may be counted
 * twice by the service; the seeds' usage endpoint has no idempotency key to prevent that.
 */
import { parseRetryAfter } from "../external-response.js";
import type { TransportAnswer } from "../external-transport.js";
import { backoffMs, realClock } from "./clock.js";
import { boundedQueue } from "./queue.js";
import { networkReason, throttledLog } from "./log.js";
import { USAGE_REPORT_DEFAULTS } from "./reporter-types.js";
import type {
  UsageReport,
  UsageReporter,
  UsageReporterOptions,
  UsageReporterStats,
} from "./reporter-types.js";

export { USAGE_REPORT_DEFAULTS } from "./reporter-types.js";
export type {
  UsageReport,
  UsageReporter,
  UsageReporterOptions,
  UsageReporterStats,
} from "./reporter-types.js";

const MAX_RETRY_AFTER_MS = 300_000;
/** While another caller holds the half-open probe, look again this often. */
const PROBE_POLL_MS = 250;
/** Back-to-back rounds start at least this far apart (a full round waiting goes at once). */
const ROUND_SPACING_MS = 5;

interface Pending extends UsageReport {
  /** Error answers so far. */
  attempts: number;
}

const HEADERS = { "content-type": "application/json" };

export function usageReporter(options: UsageReporterOptions): UsageReporter {
  const d = USAGE_REPORT_DEFAULTS;
  const base = options.url.replace(/\/+$/, "");
  const origin = new URL(base).origin;
  const clock = options.clock ?? realClock;
  const concurrency = options.concurrency ?? d.concurrency;
  const retries = options.retries ?? d.retries;
  const limits = options.backoff ?? d.backoff;
  const { breaker, transport } = options;
  const queue = boundedQueue<Pending>(options.queueMax ?? d.queueMax);
  const counts = {
    sent: 0,
    retried: 0,
    droppedAfterRetries: 0,
    droppedRefused: 0,
    droppedAtShutdown: 0,
  };
  let lastError: string | undefined;
  let inFlight = 0;
  let failuresInARow = 0;
  /** Our own backoff after a failure. */
  let backoffUntil = 0;
  /** What the service asked for (Retry-After): honoured even on shutdown. */
  let toldUntil = 0;
  let wake: { at: number; timer: { cancel(): void } } | undefined;
  const roundMs = options.roundMs ?? d.roundMs;
  let pumpQueued = false;
  let roundTimer: { cancel(): void } | undefined;
  /** When the last round went out. */
  let lastRoundAt = Number.NEGATIVE_INFINITY;
  let stopped = false;
  let closing: { deadline: number; done: () => void } | undefined;
  const warn = throttledLog(options.logger, clock);

  const bodyOf = (r: Pending) =>
    JSON.stringify({
      endpoint: r.endpoint,
      response_time_ms: r.responseTimeMs,
      status_code: r.statusCode,
      service_id: options.serviceId,
    });

  function wakeAt(at: number): void {
    if (wake && wake.at <= at) return;
    wake?.timer.cancel();
    wake = {
      at,
      timer: clock.setTimeout(() => {
        wake = undefined;
        pump();
      }, at - clock.now()),
    };
  }

  /** During shutdown: done when everything is sent, or when nothing more can be before the end. */
  function settleClose(nextTry?: number): void {
    if (!closing) return;
    const idle = queue.size === 0 && inFlight === 0;
    if (idle || (inFlight === 0 && nextTry !== undefined && nextTry >= closing.deadline)) {
      closing.done();
    }
  }

  function pump(): void {
    pumpQueued = false;
    roundTimer?.cancel();
    roundTimer = undefined;
    if (stopped) return;
    if (queue.size > 0) lastRoundAt = clock.now();
    while (inFlight < concurrency && queue.size > 0) {
      const t = clock.now();
      // On shutdown the time left is short: only the service's own Retry-After holds sends back.
      const pausedUntil = closing ? toldUntil : Math.max(backoffUntil, toldUntil);
      if (t < pausedUntil) {
        wakeAt(pausedUntil);
        settleClose(pausedUntil);
        return;
      }
      if (!breaker.tryAcquire()) {
        const next = breaker.health().retryAt?.getTime() ?? t + PROBE_POLL_MS;
        wakeAt(next);
        settleClose(next);
        return;
      }
      const item = queue.shift();
      if (item === undefined) break;
      inFlight += 1;
      void send(item);
    }
    settleClose();
  }

  /**
   * The response path only appends; the pump runs at the next round — at once when a round's
   * worth is waiting (or rounds are off), within `roundMs` otherwise.
   */
  function schedulePump(): void {
    if (pumpQueued || stopped) return;
    if (roundMs <= 0 || queue.size >= concurrency) {
      pumpQueued = true;
      clock.defer(pump);
    } else {
      roundTimer ??= clock.setTimeout(pump, roundMs);
    }
  }

  /**
   * Back-to-back rounds, spaced: to a service answering in under a millisecond, "when the last
   * round is back" came every ~1 ms with ~6 reports each, a socket write each (~58 µs of the
   * event loop each, measured under load); spaced by ROUND_SPACING_MS a round carries ~5x more.
   * A service further away than that is not slowed: its answers take longer anyway.
   */
  function nextRound(): void {
    const wait = lastRoundAt + Math.min(roundMs, ROUND_SPACING_MS) - clock.now();
    if (wait <= 0) pump();
    else roundTimer ??= clock.setTimeout(pump, wait);
  }

  function retryLater(item: Pending, retryAfter: string | null, why: string): void {
    lastError = why;
    if (stopped) {
      counts.droppedAtShutdown += 1;
      return;
    }
    counts.retried += 1;
    // Full: this report is older than every queued one, so it is the one dropped (counted).
    if (!queue.unshift(item)) warnQueueFull();
    failuresInARow += 1;
    const t = clock.now();
    backoffUntil = Math.max(backoffUntil, t + backoffMs(failuresInARow, limits, clock.random));
    if (retryAfter !== null) {
      const told = parseRetryAfter(retryAfter, t) * 1000;
      toldUntil = Math.max(toldUntil, t + Math.min(told, MAX_RETRY_AFTER_MS));
    }
  }

  function warnQueueFull(): void {
    warn(
      "queue_full",
      { queue_max: queue.capacity, dropped: queue.overflowed },
      `usage reports to the auth service at ${origin} are being dropped: the queue of ${queue.capacity} (USAGE_REPORT_QUEUE_MAX) is full while the service does not take them`,
    );
  }

  function onAnswer(item: Pending, answer: TransportAnswer): void {
    const { status } = answer;
    if (status >= 200 && status < 300) {
      breaker.success();
      counts.sent += 1;
      failuresInARow = 0;
      return;
    }
    if (status === 429) {
      // It answers: reachable. Slowing down is not the report's fault: no attempt is spent.
      breaker.success();
      retryLater(item, answer.retryAfter, "answered HTTP 429");
      return;
    }
    if (status >= 500 || status === 408) {
      // An error of the usage endpoint says nothing about validation: no verdict on the circuit.
      breaker.release();
      item.attempts += 1;
      if (item.attempts > retries) {
        counts.droppedAfterRetries += 1;
        lastError = `answered HTTP ${status}`;
        warn(
          "retries",
          { status, retries, dropped: counts.droppedAfterRetries },
          `the auth service at ${origin} answered usage reports with HTTP ${status} ${retries + 1} times; they are dropped (USAGE_REPORT_RETRIES=${retries})`,
        );
        return;
      }
      retryLater(item, status === 503 ? answer.retryAfter : null, `answered HTTP ${status}`);
      return;
    }
    breaker.success();
    counts.droppedRefused += 1;
    lastError = `refused a report with HTTP ${status}`;
    warn(
      "refused",
      { status, dropped: counts.droppedRefused },
      `the auth service at ${origin} refused usage reports with HTTP ${status} (POST ${base}/api/v1/usage/{key_id}): they are dropped; check AUTH_SERVICE_URL and that the service records usage`,
    );
  }

  /** One URL object per key (parsing one per report showed in profiles), bounded. */
  const urls = new Map<string, URL>();
  function urlOf(keyId: string): URL {
    let url = urls.get(keyId);
    if (!url) {
      if (urls.size >= 4_096) urls.clear();
      url = new URL(`${base}/api/v1/usage/${encodeURIComponent(keyId)}`);
      urls.set(keyId, url);
    }
    return url;
  }

  async function send(item: Pending): Promise<void> {
    const url = urlOf(item.keyId);
    try {
      const answer = await transport.post(url, HEADERS, bodyOf(item), options.timeoutMs);
      onAnswer(item, answer);
    } catch (err) {
      const name = err instanceof Error ? err.name : "";
      if (name === "ConnectionAborted") {
        // Another call's failure took the connection down (counted once, on that call); or the
        // server closed it between answers. Sent again, no verdict on the service.
        breaker.release();
        retryLater(item, null, networkReason(err));
        return;
      }
      const why =
        name === "TimeoutError" ? `no answer within ${options.timeoutMs} ms` : networkReason(err);
      breaker.failure(why);
      retryLater(item, null, `cannot be reached (${why})`);
    } finally {
      inFlight -= 1;
      // The next round starts when this one is back, but not sooner than ROUND_SPACING_MS
      // after it went out; at once when a full round waits.
      if (roundMs <= 0 || queue.size >= concurrency || closing) pump();
      else if (inFlight === 0 && queue.size > 0) nextRound();
      else if (queue.size > 0) schedulePump();
    }
  }

  function stats(): UsageReporterStats {
    const droppedQueueFull = queue.overflowed;
    return {
      sent: counts.sent,
      retried: counts.retried,
      dropped:
        droppedQueueFull +
        counts.droppedAfterRetries +
        counts.droppedRefused +
        counts.droppedAtShutdown,
      droppedQueueFull,
      droppedAfterRetries: counts.droppedAfterRetries,
      droppedRefused: counts.droppedRefused,
      droppedAtShutdown: counts.droppedAtShutdown,
      queued: queue.size,
      inFlight,
      lastError,
    };
  }

  return {
    report(entry) {
      if (stopped) {
        counts.droppedAtShutdown += 1;
        return;
      }
      const overflowedBefore = queue.overflowed;
      queue.push({ ...entry, attempts: 0 });
      if (queue.overflowed !== overflowedBefore) warnQueueFull();
      schedulePump();
    },
    stats,
    async close(timeoutMs) {
      if (stopped) return { unsent: 0 };
      await new Promise<void>((resolve) => {
        const deadline = clock.now() + Math.max(timeoutMs, 0);
        // Held: while the reports wait out a cool-down, nothing else may keep the process up.
        const timer = clock.setTimeout(() => closing?.done(), timeoutMs, true);
        closing = {
          deadline,
          done: () => {
            timer.cancel();
            closing = undefined;
            resolve();
          },
        };
        pump();
      });
      stopped = true;
      wake?.timer.cancel();
      wake = undefined;
      roundTimer?.cancel();
      roundTimer = undefined;
      // Reports still on the wire may yet be accepted: counted as unsent all the same.
      const left = queue.drain().length;
      counts.droppedAtShutdown += left;
      const unsent = left + inFlight;
      if (unsent > 0) {
        options.logger?.error(
          { unsent, in_flight: inFlight, last_error: lastError ?? null },
          `shutdown: ${unsent} usage reports could not be sent to the auth service at ${origin} in the time left (MODELGATE_SHUTDOWN_TIMEOUT_MS)`,
        );
      }
      return { unsent };
    },
  };
}
