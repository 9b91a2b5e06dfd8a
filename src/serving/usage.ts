/**
 * The write-behind usage recorder: `record()` only appends to a buffer, so a prediction never
 * waits on the database. The buffer is written in batches — every USAGE_FLUSH_MS, or as soon
 * as USAGE_BATCH_SIZE records wait. A failed write keeps its records (in order) and is retried
 * with exponential backoff; while the store stays away the buffer is bounded by
 * USAGE_BUFFER_MAX, past which new records are dropped, counted and logged. `close()` writes
 * everything left (SIGTERM), retrying until its deadline — and returns at the deadline even when
 * a write still waits on a silent store, saying in one log line how many records were not
 * written (and how many of those were in a write whose outcome is unknown).
 */
import { within } from "../deadline.js";
import type { UsageEvent, UsageRepository } from "../store/index.js";

export type UsageSink = Pick<UsageRepository, "insertMany">;

export interface UsageLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface UsageRecorderOptions {
  sink: UsageSink;
  flushMs?: number;
  batchSize?: number;
  maxBuffered?: number;
  /** First retry delay after a failed write; doubles up to retryMaxMs. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  logger?: UsageLogger;
  now?: () => number;
}

export interface UsageRecorderStats {
  /** Records accepted into the buffer since start (written, buffered, or lost at close). */
  queued: number;
  buffered: number;
  written: number;
  dropped: number;
  failedWrites: number;
  lastError: string | undefined;
}

export interface UsageRecorder {
  /** Synchronous and O(1): never waits on the store. */
  record(event: UsageEvent): void;
  /** Write what is buffered now, ignoring any backoff; true when the buffer is empty after. */
  flush(): Promise<boolean>;
  /**
   * Stop the timer and write everything, retrying until `timeoutMs` and never waiting past it;
   * returns what is left (`inFlight` of them in a write that had not answered by then).
   */
  close(timeoutMs?: number): Promise<{ unwritten: number; inFlight?: number }>;
  stats(): UsageRecorderStats;
}

export const USAGE_DEFAULTS = {
  flushMs: 1_000,
  batchSize: 500,
  maxBuffered: 100_000,
  retryInitialMs: 500,
  // A store back after an outage gets its records within seconds, not a long backoff later.
  retryMaxMs: 5_000,
  closeTimeoutMs: 10_000,
};

/** What a written record's slot holds until the buffer is compacted. */
const WRITTEN: UsageEvent = Object.freeze({
  at: new Date(0),
  keyId: "",
  userId: "",
  modelId: "",
  status: 0,
  batchSize: 0,
  latencyMs: 0,
  requestId: "",
});

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function usageRecorder(options: UsageRecorderOptions): UsageRecorder {
  const d = USAGE_DEFAULTS;
  const batchSize = options.batchSize ?? d.batchSize;
  const maxBuffered = options.maxBuffered ?? d.maxBuffered;
  const retryInitialMs = options.retryInitialMs ?? d.retryInitialMs;
  const retryMaxMs = options.retryMaxMs ?? d.retryMaxMs;
  const now = options.now ?? Date.now;
  const log = options.logger;
  // Records from `head` on wait; those before it are written. Compacted once the written part
  // is at least half the array: amortised O(1) a record, where dropping each written batch with
  // a copy of the rest cost O(buffered) a batch (quadratic while catching up after an outage).
  let buffer: UsageEvent[] = [];
  let head = 0;
  const waiting = () => buffer.length - head;
  const stats = {
    queued: 0,
    written: 0,
    dropped: 0,
    failedWrites: 0,
    lastError: undefined as string | undefined,
  };
  let backoffMs = 0;
  let retryAt = 0;
  let draining: Promise<boolean> | undefined;
  /** Records in the write now running (still in `buffer` until it succeeds). */
  let writing = 0;
  let scheduled = false;
  let closed = false;
  let droppingSince: number | undefined;

  const timer = setInterval(() => {
    if (now() >= retryAt) void drain(true);
  }, options.flushMs ?? d.flushMs);
  timer.unref();

  /**
   * `all` (the timer, flush, close): write every record buffered when the call started, then
   * stop. Otherwise (a batch filled up) write full batches only. Neither chases the records that
   * arrive while a write runs: under steady load that turns the buffer into a stream of tiny
   * statements, each paying a round trip and a commit (measured: a timer flush that wrote "until
   * empty" never ended under load and wrote ~50 rows a statement instead of 500, doubling
   * PostgreSQL's CPU per record).
   */
  async function writeAll(all: boolean): Promise<boolean> {
    let owed = all ? waiting() : 0;
    while (owed > 0 || waiting() >= batchSize) {
      const batch = buffer.slice(head, head + batchSize);
      writing = batch.length;
      try {
        await options.sink.insertMany(batch);
      } catch (err) {
        writing = 0;
        stats.failedWrites += 1;
        stats.lastError = message(err);
        backoffMs = Math.min(backoffMs === 0 ? retryInitialMs : backoffMs * 2, retryMaxMs);
        retryAt = now() + backoffMs;
        // After close the loss is already counted in close()'s own log line.
        if (!closed) {
          log?.warn(
            { err: stats.lastError, buffered: waiting(), retryInMs: backoffMs },
            "cannot write usage records; they are kept and retried",
          );
        }
        return false;
      }
      writing = 0;
      // Records added while the write ran are behind the batch: drop only the batch.
      // The written records are let go at once, not at the next compaction.
      buffer.fill(WRITTEN, head, head + batch.length);
      head += batch.length;
      if (head * 2 >= buffer.length) {
        buffer = buffer.slice(head);
        head = 0;
      }
      stats.written += batch.length;
      owed -= batch.length;
      backoffMs = 0;
      retryAt = 0;
      if (droppingSince !== undefined) {
        log?.warn({ dropped: stats.dropped }, "usage buffer has room again");
        droppingSince = undefined;
      }
    }
    return true;
  }

  function drain(all: boolean): Promise<boolean> {
    draining ??= writeAll(all).finally(() => {
      draining = undefined;
    });
    return draining;
  }

  async function flush(): Promise<boolean> {
    if (draining) await draining;
    return (await drain(true)) && waiting() === 0;
  }

  return {
    record(event) {
      if (closed || waiting() >= maxBuffered) {
        stats.dropped += 1;
        if (droppingSince === undefined) {
          droppingSince = now();
          log?.error(
            { buffered: waiting(), maxBuffered, closed },
            closed
              ? "a usage record arrived after close and is lost"
              : "usage buffer full (store unreachable?): new usage records are dropped and counted",
          );
        }
        return;
      }
      buffer.push(event);
      stats.queued += 1;
      if (waiting() >= batchSize && !scheduled && now() >= retryAt) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          void drain(false);
        });
      }
    },

    flush,

    async close(timeoutMs = d.closeTimeoutMs) {
      clearInterval(timer);
      const deadline = now() + timeoutMs;
      for (;;) {
        const left = deadline - now();
        if (left <= 0 || (await within(flush(), left))) break;
        const wait = Math.min(Math.max(backoffMs, 50), deadline - now());
        if (wait <= 0) break;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
      closed = true;
      const unwritten = waiting();
      const inFlight = writing;
      if (unwritten > 0) {
        log?.error(
          { unwritten, inFlight, timeoutMs, lastError: stats.lastError },
          `shutting down with ${unwritten} usage records not written to the store` +
            (inFlight > 0 ? ` (${inFlight} in a write still unanswered: may be written)` : ""),
        );
      }
      return inFlight > 0 ? { unwritten, inFlight } : { unwritten };
    },

    stats: () => ({ ...stats, buffered: waiting() }),
  };
}
