/**
 * Usage records for the embedded store: an append-only NDJSON log in the data dir.
 *
 * Why not the embedded database: PGlite is WebAssembly running on the thread that answers
 * predictions, and an insert cost ~20 µs a row there (measured), which took a third of the
 * throughput once every prediction was recorded. An append is one JSON line a record, written
 * by libuv's thread pool. PostgreSQL deployments keep the usage_events table (./usage.ts).
 */
import { createReadStream } from "node:fs";
import { appendFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { UsageEvent, UsageQuery, UsageSummary } from "./usage.js";

interface LoggedEvent {
  at: string;
  key_id: string;
  user_id: string;
  model_id: string;
  status: number;
  batch_size: number;
  latency_ms: number;
  request_id: string;
}

interface Group {
  keyId: string;
  modelId: string;
  requests: number;
  errors: number;
  rows: number;
  latencies: number[];
  firstAt: number;
  lastAt: number;
}

/** PostgreSQL's percentile_cont: linear interpolation between the closest ranks. */
export function percentileCont(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const rank = fraction * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const a = sorted[low] ?? 0;
  const b = sorted[high] ?? a;
  return a + (b - a) * (rank - low);
}

function line(e: UsageEvent): string {
  const logged: LoggedEvent = {
    at: e.at.toISOString(),
    key_id: e.keyId,
    user_id: e.userId,
    model_id: e.modelId,
    status: e.status,
    batch_size: e.batchSize,
    latency_ms: e.latencyMs,
    request_id: e.requestId,
  };
  return JSON.stringify(logged);
}

/** Reads every whole record; a line cut by a crash mid-write is skipped. */
async function* records(path: string): AsyncGenerator<LoggedEvent> {
  const stream = createReadStream(path, { encoding: "utf8" });
  const opened = await new Promise<boolean>((resolve) => {
    stream.once("ready", () => resolve(true));
    stream.once("error", () => resolve(false));
  });
  if (!opened) return;
  for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
    if (!text) continue;
    try {
      yield JSON.parse(text) as LoggedEvent;
    } catch {
      // The last line of a log cut by a crash: it never completed, so it never counted.
    }
  }
}

export function usageLog(path: string) {
  return {
    async insertMany(events: readonly UsageEvent[]): Promise<void> {
      if (events.length === 0) return;
      await appendFile(path, `${events.map(line).join("\n")}\n`, { mode: 0o600 });
    },

    /** Per key and model, ordered by key then model, as the PostgreSQL summary. */
    async summarize(query: UsageQuery = {}): Promise<UsageSummary[]> {
      const groups = new Map<string, Group>();
      const since = query.since?.getTime();
      for await (const r of records(path)) {
        if (query.keyId !== undefined && r.key_id !== query.keyId) continue;
        if (query.modelId !== undefined && r.model_id !== query.modelId) continue;
        const at = Date.parse(r.at);
        if (since !== undefined && at < since) continue;
        const id = `${r.key_id}\u0000${r.model_id}`;
        let g = groups.get(id);
        if (!g) {
          g = {
            keyId: r.key_id,
            modelId: r.model_id,
            requests: 0,
            errors: 0,
            rows: 0,
            latencies: [],
            firstAt: at,
            lastAt: at,
          };
          groups.set(id, g);
        }
        g.requests += 1;
        if (r.status >= 400) g.errors += 1;
        else g.rows += r.batch_size;
        g.latencies.push(r.latency_ms);
        g.firstAt = Math.min(g.firstAt, at);
        g.lastAt = Math.max(g.lastAt, at);
      }
      return [...groups.values()]
        .sort((a, b) =>
          a.keyId === b.keyId ? a.modelId.localeCompare(b.modelId) : a.keyId.localeCompare(b.keyId),
        )
        .map((g) => {
          const sorted = g.latencies.sort((x, y) => x - y);
          return {
            keyId: g.keyId,
            modelId: g.modelId,
            requests: g.requests,
            errors: g.errors,
            rows: g.rows,
            p50LatencyMs: percentileCont(sorted, 0.5),
            p95LatencyMs: percentileCont(sorted, 0.95),
            firstAt: new Date(g.firstAt),
            lastAt: new Date(g.lastAt),
          };
        });
    },

    async count(): Promise<number> {
      let n = 0;
      for await (const _ of records(path)) n += 1;
      return n;
    },
  };
}
