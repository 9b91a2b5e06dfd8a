/**
 * Usage records: one row per prediction request, written in batches by the write-behind
 * recorder (src/serving/usage.ts) and summarised per key and model for `modelgate usage` and
 * GET /api/v1/usage.
 */
import { sql } from "kysely";
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

export interface UsageEvent {
  at: Date;
  keyId: string;
  userId: string;
  modelId: string;
  /** The HTTP status answered. */
  status: number;
  /** Inputs in the request (1 for a single object). */
  batchSize: number;
  latencyMs: number;
  requestId: string;
}

export interface UsageQuery {
  keyId?: string;
  modelId?: string;
  /** Only events at or after this time. */
  since?: Date;
}

export interface UsageSummary {
  keyId: string;
  modelId: string;
  requests: number;
  /** Requests answered with a status of 400 or more. */
  errors: number;
  /** Inputs predicted: the batch sizes of the requests answered below 400. */
  rows: number;
  p50LatencyMs: number;
  p95LatencyMs: number;
  firstAt: Date;
  lastAt: Date;
}

export type UsageRepository = ReturnType<typeof usageRepository>;

/**
 * Rows a statement: bounds one statement's size (the columns travel as 8 arrays, so
 * PostgreSQL's 65 535-parameter limit never applies). A flush after an outage can be large.
 */
const ROWS_PER_STATEMENT = 5_000;

const NEEDS_ESCAPE = /["\\]/;

/**
 * A PostgreSQL array literal of numbers or strings. Every string is quoted, so empty strings,
 * NULL, spaces, commas and braces need nothing more; `"` and `\` are escaped, and NUL, which
 * PostgreSQL text cannot hold (an id from the external auth service could carry one), becomes
 * U+FFFD rather than failing the whole batch again at every retry. Measured at about half of
 * node-postgres's own array encoding (two regular expressions and several copies an element),
 * on the thread that answers predictions.
 */
export function arrayLiteral(values: readonly (number | string)[]): string {
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number | string;
    if (i > 0) out += ",";
    if (typeof v === "number") {
      // Finite by construction (statuses, sizes, latencies); NULL would fail NOT NULL.
      out += Number.isFinite(v) ? String(v) : "0";
    } else if (NEEDS_ESCAPE.test(v) || v.includes("\u0000")) {
      out += `"${v.replaceAll("\u0000", "\uFFFD").replace(/["\\]/g, "\\$&")}"`;
    } else {
      out += `"${v}"`;
    }
  }
  return `${out}}`;
}

/**
 * One INSERT … SELECT FROM unnest(8 arrays): one parameter a column instead of one a value
 * (about half the client CPU of a multi-row VALUES list). Times travel as epoch milliseconds
 * (no ISO string per row) and the arrays as literals built here.
 */
function insertStatement(events: readonly UsageEvent[]) {
  const col = (pick: (e: UsageEvent) => number | string) => arrayLiteral(events.map(pick));
  return sql`insert into usage_events
    (at, key_id, user_id, model_id, status, batch_size, latency_ms, request_id)
    select to_timestamp(t / 1000.0), k, u, m, s, b, l, r from unnest(
      ${col((e) => e.at.getTime())}::float8[], ${col((e) => e.keyId)}::text[],
      ${col((e) => e.userId)}::text[], ${col((e) => e.modelId)}::text[],
      ${col((e) => e.status)}::integer[], ${col((e) => e.batchSize)}::integer[],
      ${col((e) => e.latencyMs)}::real[], ${col((e) => e.requestId)}::text[])
      as x(t, k, u, m, s, b, l, r)`;
}

export function usageRepository(db: Kysely<Database>) {
  return {
    /** All or nothing: one statement, or one transaction past ROWS_PER_STATEMENT rows. */
    async insertMany(events: readonly UsageEvent[]): Promise<void> {
      if (events.length === 0) return;
      if (events.length <= ROWS_PER_STATEMENT) {
        await insertStatement(events).execute(db);
        return;
      }
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < events.length; i += ROWS_PER_STATEMENT) {
          await insertStatement(events.slice(i, i + ROWS_PER_STATEMENT)).execute(trx);
        }
      });
    },

    /** Per key and model, ordered by key then model. */
    async summarize(query: UsageQuery = {}): Promise<UsageSummary[]> {
      let q = db
        .selectFrom("usage_events")
        .select((eb) => [
          "key_id",
          "model_id",
          // ::int because PostgreSQL's count and sum are bigint, which node-postgres reads as strings.
          eb.cast<number>(eb.fn.countAll(), "integer").as("requests"),
          sql<number>`(count(*) filter (where status >= 400))::int`.as("errors"),
          sql<number>`coalesce(sum(batch_size) filter (where status < 400), 0)::int`.as("rows"),
          sql<number>`percentile_cont(0.5) within group (order by latency_ms)`.as("p50"),
          sql<number>`percentile_cont(0.95) within group (order by latency_ms)`.as("p95"),
          eb.fn.min("at").as("first_at"),
          eb.fn.max("at").as("last_at"),
        ])
        .groupBy(["key_id", "model_id"])
        .orderBy("key_id")
        .orderBy("model_id");
      if (query.keyId !== undefined) q = q.where("key_id", "=", query.keyId);
      if (query.modelId !== undefined) q = q.where("model_id", "=", query.modelId);
      if (query.since !== undefined) q = q.where("at", ">=", query.since);
      const rows = await q.execute();
      return rows.map((r) => ({
        keyId: r.key_id,
        modelId: r.model_id,
        requests: r.requests,
        errors: r.errors,
        rows: r.rows,
        p50LatencyMs: Number(r.p50),
        p95LatencyMs: Number(r.p95),
        firstAt: r.first_at,
        lastAt: r.last_at,
      }));
    },

    async count(): Promise<number> {
      const row = await db
        .selectFrom("usage_events")
        .select((eb) => eb.cast<number>(eb.fn.countAll(), "integer").as("n"))
        .executeTakeFirstOrThrow();
      return row.n;
    },
  };
}
