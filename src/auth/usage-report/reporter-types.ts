/**
 * What the usage reporter (./reporter.ts) takes and says: a report, its options and defaults,
 * its counts.
 */
import type { CircuitBreaker } from "../circuit-breaker.js";
import type { AuthTransport } from "../external-transport.js";
import type { ReportClock } from "./clock.js";
import type { ReportLogger } from "./log.js";

export interface UsageReport {
  keyId: string;
  /** The path asked (no query string), as the seeds report it. */
  endpoint: string;
  responseTimeMs: number;
  statusCode: number;
}

export interface UsageReporterOptions {
  /** AUTH_SERVICE_URL. */
  url: string;
  /** AUTH_SERVICE_ID. */
  serviceId: string;
  transport: AuthTransport;
  breaker: CircuitBreaker;
  /** AUTH_SERVICE_TIMEOUT_MS: one report's bound. */
  timeoutMs: number;
  /** USAGE_REPORT_QUEUE_MAX. */
  queueMax?: number;
  /** USAGE_REPORT_CONCURRENCY: reports in flight at once. */
  concurrency?: number;
  /** USAGE_REPORT_RETRIES: error answers a report survives. */
  retries?: number;
  backoff?: { initialMs: number; maxMs: number };
  /**
   * Reports are sent in rounds: what arrived within this many ms goes out together (up to
   * `concurrency`), and a round's answers come back together. Each send then shares its
   * wake-ups with the others instead of paying its own (measured: a report sent alone as it
   * arrives costs several times the CPU of one sent in a round). 0: each at once.
   */
  roundMs?: number;
  clock?: ReportClock;
  logger?: ReportLogger;
}

export interface UsageReporterStats {
  /** Reports the service accepted (2xx). */
  sent: number;
  /** Sends that failed and were queued again. */
  retried: number;
  /** Every report that will never be sent: the sum of the four below. */
  dropped: number;
  droppedQueueFull: number;
  droppedAfterRetries: number;
  /** Refused by the service with a 4xx other than 408/429: sending it again cannot help. */
  droppedRefused: number;
  /** Still queued when shutdown's share of time ran out. */
  droppedAtShutdown: number;
  queued: number;
  inFlight: number;
  lastError: string | undefined;
}

export interface UsageReporter {
  /** O(1), never waits: the report is queued (the oldest is dropped when the queue is full). */
  report(entry: UsageReport): void;
  stats(): UsageReporterStats;
  /**
   * Send what is queued within `timeoutMs` (SIGTERM), then stop. What could not be sent is
   * counted in droppedAtShutdown and said in one log line.
   */
  close(timeoutMs: number): Promise<{ unsent: number }>;
}

export const USAGE_REPORT_DEFAULTS = {
  queueMax: 10_000,
  // Pipelined, so in flight costs no connection each: reports a second ≈ concurrency / round
  // trip, 128 keeps up with 6,400 requests a second to a service 20 ms away.
  concurrency: 128,
  retries: 5,
  // Short: a service back after an outage gets its reports within seconds (the circuit
  // breaker already spaces the probes while it is down).
  backoff: { initialMs: 250, maxMs: 5_000 },
  // The CPU a report costs is mostly the wake-ups its write and reads cause, shared by its
  // round: measured on the loaded 2-core machine, ~1 ms a report sent alone, ~125 µs in a
  // round of 32, ~40 µs in a round of 64. Billing does not need the report sooner.
  roundMs: 100,
};

/** A Retry-After longer than this is read as this: a report is not held for hours. */
