/**
 * Expiring raw usage records after USAGE_RETENTION_DAYS, off the request path: a background
 * timer deletes them in bounded batches (one short statement each, a pause between them so
 * requests run in between), and at most `maxBatchesPerRun` batches a run, so even a first run
 * over years of records never holds the store for long. The hourly rollups stay.
 *
 * Every replica of a fleet runs it; the deletes are idempotent, so they only share the work.
 */
import type { UsageRepository } from "./usage.js";

export interface UsageRetentionOptions {
  usage: Pick<UsageRepository, "expire">;
  /** 0: keep raw records forever (nothing runs). */
  retentionDays: number;
  intervalMs?: number;
  /** The first run, after start (a fresh start should not compete with warm-up). */
  firstRunMs?: number;
  batchRows?: number;
  maxBatchesPerRun?: number;
  pauseMs?: number;
  logger?: { warn(obj: Record<string, unknown>, msg: string): void };
  now?: () => number;
}

export interface UsageRetentionStats {
  /** Raw records deleted since start. */
  expired: number;
  runs: number;
  lastError: string | undefined;
}

export interface UsageRetention {
  /** One run now: deletes up to maxBatchesPerRun batches; resolves with how many records. */
  runOnce(): Promise<number>;
  /** Stops the timer and waits for a run in progress to end its current batch. */
  stop(): Promise<void>;
  stats(): UsageRetentionStats;
}

export const RETENTION_DEFAULTS = {
  intervalMs: 10 * 60_000,
  firstRunMs: 60_000,
  batchRows: 5_000,
  maxBatchesPerRun: 200,
  pauseMs: 20,
};

const DAY_MS = 86_400_000;

export function usageRetention(options: UsageRetentionOptions): UsageRetention {
  const d = RETENTION_DEFAULTS;
  const batchRows = options.batchRows ?? d.batchRows;
  const maxBatches = options.maxBatchesPerRun ?? d.maxBatchesPerRun;
  const pauseMs = options.pauseMs ?? d.pauseMs;
  const now = options.now ?? Date.now;
  const stats: UsageRetentionStats = { expired: 0, runs: 0, lastError: undefined };
  let running: Promise<number> | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function expireBatches(): Promise<number> {
    const before = new Date(now() - options.retentionDays * DAY_MS);
    let total = 0;
    for (let batch = 0; batch < maxBatches && !stopped; batch++) {
      const deleted = await options.usage.expire(before, batchRows);
      total += deleted;
      stats.expired += deleted;
      if (deleted < batchRows) break;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    return total;
  }

  function runOnce(): Promise<number> {
    if (options.retentionDays <= 0) return Promise.resolve(0);
    running ??= expireBatches()
      .then(
        (n) => {
          stats.lastError = undefined;
          return n;
        },
        (err: unknown) => {
          stats.lastError = err instanceof Error ? err.message : String(err);
          options.logger?.warn(
            { err: stats.lastError },
            "could not expire old usage records; trying again at the next run",
          );
          return 0;
        },
      )
      .finally(() => {
        stats.runs += 1;
        running = undefined;
      });
    return running;
  }

  function schedule(ms: number): void {
    if (stopped || options.retentionDays <= 0) return;
    timer = setTimeout(() => {
      void runOnce().finally(() => schedule(options.intervalMs ?? d.intervalMs));
    }, ms);
    timer.unref();
  }
  schedule(options.firstRunMs ?? d.firstRunMs);

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
    stats: () => ({ ...stats }),
  };
}
