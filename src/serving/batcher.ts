import { performance } from "node:perf_hooks";
import type { BatchObserver } from "../metrics/types.js";

type Row = Record<string, unknown>;
type Output = Record<string, unknown>;

interface Pending {
  rows: readonly Row[];
  resolve: (outputs: Output[]) => void;
  reject: (err: unknown) => void;
  /** performance.now() when queued (0 when nothing observes). */
  at: number;
}

export interface Batcher {
  /** The outputs for these rows, in order; may share one model run with concurrent calls. */
  submit(rows: readonly Row[]): Promise<Output[]>;
}

/**
 * Natural micro-batching: the requests that reach the batcher during one turn of the event loop
 * go together in one run at the end of that turn (setImmediate), up to `maxBatch` rows, never
 * splitting a request; while a run is in flight, arrivals queue for the next. A lone request
 * waits for nothing but the end of its own turn. Under load a run costs little more for many
 * rows than for one (model 21 in a busy server: ~81 µs for 1 row, ~99 µs for 15).
 */
export function createBatcher(
  run: (rows: readonly Row[]) => Promise<Output[]>,
  maxBatch: number,
  observer?: BatchObserver,
): Batcher {
  const queue: Pending[] = [];
  let running = false;

  function takeBatch(): Pending[] {
    const batch: Pending[] = [];
    let size = 0;
    while (queue.length > 0) {
      const next = queue[0];
      if (!next || (batch.length > 0 && size + next.rows.length > maxBatch)) break;
      queue.shift();
      batch.push(next);
      size += next.rows.length;
    }
    return batch;
  }

  function flush(): void {
    const batch = takeBatch();
    if (batch.length === 0) {
      running = false;
      return;
    }
    running = true;
    const only = batch.length === 1 ? batch[0] : undefined;
    const rows = only ? only.rows : batch.flatMap((p) => p.rows);
    const started = observer ? performance.now() : 0;
    if (observer) for (const p of batch) observer.waited((started - p.at) / 1000);
    // Runs at the end of a turn (setImmediate): a run that throws rather than rejects must
    // still answer its requests, never become an uncaught exception.
    let ran: Promise<Output[]>;
    try {
      ran = run(rows);
    } catch (err) {
      ran = Promise.reject(err);
    }
    ran.then(
      (outputs) => {
        observer?.ran(rows.length, (performance.now() - started) / 1000);
        let at = 0;
        for (const pending of batch) {
          pending.resolve(only ? outputs : outputs.slice(at, at + pending.rows.length));
          at += pending.rows.length;
        }
        flush();
      },
      (err: unknown) => {
        for (const pending of batch) pending.reject(err);
        flush();
      },
    );
  }

  return {
    submit(rows) {
      return new Promise<Output[]>((resolve, reject) => {
        queue.push({ rows, resolve, reject, at: observer ? performance.now() : 0 });
        if (!running) {
          running = true;
          setImmediate(flush);
        }
      });
    },
  };
}
