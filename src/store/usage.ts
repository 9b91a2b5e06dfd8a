/**
 * Usage records: one row per prediction request, written in batches by the write-behind
 * recorder (src/serving/usage.ts), with hourly rollups (usage_hourly) updated in the same
 * statement or transaction. Summaries per key and model — `modelgate usage`, GET /api/v1/usage —
 * read the rollups, plus the raw records of the period's first, partial hour; raw records
 * expire after USAGE_RETENTION_DAYS (./usage-retention.ts) and the rollups stay.
 *
 * p50/p95 come from the rollups' latency buckets (./latency-buckets.ts): within half a bucket
 * (≤ ~9.5 %) of the exact value, which a summary of millions of records could not afford.
 */
import { CompiledQuery, sql } from "kysely";
import type { Kysely, RawBuilder } from "kysely";
import { flavorOf } from "./dialect.js";
import {
  BUCKET_FLOOR_MS,
  BUCKET_GROWTH,
  LAST_BUCKET,
  bucketOf,
  quantileOf,
} from "./latency-buckets.js";
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

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Set by `expire`: raw records before this time are gone; rollups alone describe it. */
export const RAW_EXPIRED_BEFORE_KEY = "usage_raw_expired_before";

/**
 * PostgreSQL rows a statement: bounds one statement's size (the columns travel as 8 arrays, so
 * its 65 535-parameter limit never applies). A flush after an outage can be large.
 */
const PG_ROWS_PER_STATEMENT = 5_000;
/** Raw rows a SQLite statement (8 parameters each, far below its limit of 32 766). */
const SQLITE_ROWS_PER_STATEMENT = 64;

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

/** The latency bucket of `latency_ms` in SQL, as bucketOf(). */
function bucketSql(lite: boolean): RawBuilder<number> {
  const floor = sql.lit(BUCKET_FLOOR_MS);
  const growth = sql.lit(Math.log(BUCKET_GROWTH));
  const last = sql.lit(LAST_BUCKET);
  return lite
    ? sql<number>`case when latency_ms < ${floor} then 0
        else min(${last}, 1 + cast(floor(ln(latency_ms / ${floor}) / ${growth}) as integer)) end`
    : sql<number>`case when latency_ms < ${floor} then 0
        else least(${last}, 1 + floor(ln(latency_ms / ${floor}) / ${growth}))::int end`;
}

/**
 * PostgreSQL: one statement for the raw rows and their rollups. The rows travel as 8 arrays
 * (one parameter a column instead of one a value: about half the client CPU of a VALUES list),
 * times as epoch milliseconds; the rollup rows are grouped and upserted in primary-key order,
 * so replicas adding to the same hour never deadlock each other.
 */
function pgInsertStatement(events: readonly UsageEvent[]) {
  const col = (pick: (e: UsageEvent) => number | string) => arrayLiteral(events.map(pick));
  return sql`with raw as (
      insert into usage_events
        (at, key_id, user_id, model_id, status, batch_size, latency_ms, request_id)
      select to_timestamp(t / 1000.0), k, u, m, s, b, l, r from unnest(
        ${col((e) => e.at.getTime())}::float8[], ${col((e) => e.keyId)}::text[],
        ${col((e) => e.userId)}::text[], ${col((e) => e.modelId)}::text[],
        ${col((e) => e.status)}::integer[], ${col((e) => e.batchSize)}::integer[],
        ${col((e) => e.latencyMs)}::real[], ${col((e) => e.requestId)}::text[])
        as x(t, k, u, m, s, b, l, r)
      returning at, key_id, model_id, status, batch_size, latency_ms)
    , hourly as (${pgRollup("usage_hourly", "hour", "hour")})
    ${pgRollup("usage_daily", "day", "day")}`;
}

/** Adds the batch (`raw`) to a rollup table, grouped and upserted in primary-key order. */
function pgRollup(table: RollupTable, column: "hour" | "day", unit: "hour" | "day") {
  const t = sql.table(table);
  return sql`insert into ${t}
      (${sql.ref(column)}, key_id, model_id, bucket, requests, errors, rows, first_at, last_at)
    select date_trunc(${sql.lit(unit)}, at, 'UTC'), key_id, model_id, ${bucketSql(false)},
      count(*), count(*) filter (where status >= 400),
      coalesce(sum(batch_size) filter (where status < 400), 0), min(at), max(at)
    from raw group by 1, 2, 3, 4 order by 1, 2, 3, 4
    on conflict (${sql.ref(column)}, key_id, model_id, bucket) do update set
      requests = ${t}.requests + excluded.requests,
      errors = ${t}.errors + excluded.errors,
      rows = ${t}.rows + excluded.rows,
      first_at = least(${t}.first_at, excluded.first_at),
      last_at = greatest(${t}.last_at, excluded.last_at)`;
}

type RollupTable = "usage_hourly" | "usage_daily";

interface Rollup {
  /** The start of the hour or day. */
  period: number;
  key_id: string;
  model_id: string;
  bucket: number;
  requests: number;
  errors: number;
  rows: number;
  first_at: number;
  last_at: number;
}

/** The rollup rows of a batch per `periodMs` (an hour, a day), in primary-key order. */
export function rollupsOf(events: readonly UsageEvent[], periodMs: number): Rollup[] {
  const byKey = new Map<string, Rollup>();
  for (const e of events) {
    const at = e.at.getTime();
    const period = Math.floor(at / periodMs) * periodMs;
    const bucket = bucketOf(e.latencyMs);
    const keyId = noNul(e.keyId);
    const modelId = noNul(e.modelId);
    const id = `${period}\u0000${keyId}\u0000${modelId}\u0000${bucket}`;
    let r = byKey.get(id);
    if (!r) {
      r = {
        period,
        key_id: keyId,
        model_id: modelId,
        bucket,
        requests: 0,
        errors: 0,
        rows: 0,
        first_at: at,
        last_at: at,
      };
      byKey.set(id, r);
    }
    r.requests += 1;
    if (e.status >= 400) r.errors += 1;
    else r.rows += e.batchSize;
    if (at < r.first_at) r.first_at = at;
    if (at > r.last_at) r.last_at = at;
  }
  return [...byKey.values()].sort(
    (a, b) =>
      a.period - b.period ||
      compare(a.key_id, b.key_id) ||
      compare(a.model_id, b.model_id) ||
      a.bucket - b.bucket,
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** As arrayLiteral does for PostgreSQL, so both stores hold the same text. */
function noNul(text: string): string {
  return text.includes("\u0000") ? text.replaceAll("\u0000", "\uFFFD") : text;
}

/**
 * SQLite statements of fixed shapes, so each is prepared once and found in the connection's
 * statement cache: raw rows go in statements of SQLITE_ROWS_PER_STATEMENT rows and the rest one
 * row a statement; rollups one row a statement (a batch has a few: one a key, model, hour and
 * latency bucket). Built as text, not through the query builder: a batch of 500 built and
 * compiled by Kysely, with a statement prepared for each new row count, cost ~11 µs a record
 * on the thread that answers predictions (bench/profile.mjs); these ~1.5 µs.
 */
const EVENT_ROW = "(?, ?, ?, ?, ?, ?, ?, ?)";
const insertEventsSql = (rows: number) =>
  `insert into "usage_events" ("at", "key_id", "user_id", "model_id", "status", "batch_size", "latency_ms", "request_id") values ${Array.from({ length: rows }, () => EVENT_ROW).join(", ")}`;
const INSERT_EVENTS_MANY = insertEventsSql(SQLITE_ROWS_PER_STATEMENT);
const INSERT_EVENTS_ONE = insertEventsSql(1);
const upsertRollupSql = (table: RollupTable, column: "hour" | "day") =>
  `insert into "${table}" ("${column}", "key_id", "model_id", "bucket", "requests", "errors", "rows", "first_at", "last_at")
    values (?, ?, ?, ?, ?, ?, ?, ?, ?)
    on conflict ("${column}", "key_id", "model_id", "bucket") do update set
      "requests" = "${table}"."requests" + excluded."requests",
      "errors" = "${table}"."errors" + excluded."errors",
      "rows" = "${table}"."rows" + excluded."rows",
      "first_at" = min("${table}"."first_at", excluded."first_at"),
      "last_at" = max("${table}"."last_at", excluded."last_at")`;
const UPSERT_HOURLY = upsertRollupSql("usage_hourly", "hour");
const UPSERT_DAILY = upsertRollupSql("usage_daily", "day");

/** The 8 parameters of `events[from, to)`, in EVENT_ROW's order (times as epoch ms). */
function eventParams(events: readonly UsageEvent[], from: number, to: number): unknown[] {
  const params: unknown[] = [];
  for (let i = from; i < to; i++) {
    const e = events[i] as UsageEvent;
    params.push(
      e.at.getTime(),
      noNul(e.keyId),
      noNul(e.userId),
      noNul(e.modelId),
      e.status,
      e.batchSize,
      e.latencyMs,
      noNul(e.requestId),
    );
  }
  return params;
}

/** SQLite: the raw rows, then their rollups, in the caller's transaction. */
async function sqliteInsert(db: Kysely<Database>, events: readonly UsageEvent[]): Promise<void> {
  const n = events.length;
  const whole = n - (n % SQLITE_ROWS_PER_STATEMENT);
  for (let i = 0; i < whole; i += SQLITE_ROWS_PER_STATEMENT) {
    const params = eventParams(events, i, i + SQLITE_ROWS_PER_STATEMENT);
    await db.executeQuery(CompiledQuery.raw(INSERT_EVENTS_MANY, params));
  }
  for (let i = whole; i < n; i++) {
    await db.executeQuery(CompiledQuery.raw(INSERT_EVENTS_ONE, eventParams(events, i, i + 1)));
  }
  await sqliteRollup(db, UPSERT_HOURLY, rollupsOf(events, HOUR_MS));
  await sqliteRollup(db, UPSERT_DAILY, rollupsOf(events, DAY_MS));
}

async function sqliteRollup(
  db: Kysely<Database>,
  upsert: string,
  rollups: readonly Rollup[],
): Promise<void> {
  for (const r of rollups) {
    const params = [r.period, r.key_id, r.model_id, r.bucket, r.requests, r.errors, r.rows];
    params.push(r.first_at, r.last_at);
    await db.executeQuery(CompiledQuery.raw(upsert, params));
  }
}

/** A query with key_id and model_id to filter on. */
interface KeyModelFilter<Q> {
  where(column: "key_id" | "model_id", op: "=", value: string): Q;
}

interface BucketRow {
  key_id: string;
  model_id: string;
  bucket: number | string;
  requests: number | string;
  errors: number | string;
  rows: number | string;
  first_at: Date;
  last_at: Date;
}

interface Group {
  keyId: string;
  modelId: string;
  requests: number;
  errors: number;
  rows: number;
  buckets: Map<number, number>;
  firstAt: Date;
  lastAt: Date;
}

/** Per key and model from per-bucket rows (PostgreSQL's bigint sums arrive as strings). */
function summaries(rows: readonly BucketRow[]): UsageSummary[] {
  const groups = new Map<string, Group>();
  for (const r of rows) {
    const id = `${r.key_id}\u0000${r.model_id}`;
    let g = groups.get(id);
    if (!g) {
      g = {
        keyId: r.key_id,
        modelId: r.model_id,
        requests: 0,
        errors: 0,
        rows: 0,
        buckets: new Map<number, number>(),
        firstAt: r.first_at,
        lastAt: r.last_at,
      };
      groups.set(id, g);
    }
    const requests = Number(r.requests);
    const bucket = Number(r.bucket);
    g.requests += requests;
    g.errors += Number(r.errors);
    g.rows += Number(r.rows);
    g.buckets.set(bucket, (g.buckets.get(bucket) ?? 0) + requests);
    if (r.first_at < g.firstAt) g.firstAt = r.first_at;
    if (r.last_at > g.lastAt) g.lastAt = r.last_at;
  }
  return [...groups.values()]
    .sort((a, b) => compare(a.keyId, b.keyId) || compare(a.modelId, b.modelId))
    .map((g) => ({
      keyId: g.keyId,
      modelId: g.modelId,
      requests: g.requests,
      errors: g.errors,
      rows: g.rows,
      p50LatencyMs: quantileOf(g.buckets, 0.5),
      p95LatencyMs: quantileOf(g.buckets, 0.95),
      firstAt: g.firstAt,
      lastAt: g.lastAt,
    }));
}

export function usageRepository(db: Kysely<Database>) {
  const lite = flavorOf(db) === "sqlite";

  /** Per key, model and latency bucket, from a rollup table, its periods from `from` on. */
  function rollupQuery(table: RollupTable, from?: number, to?: number) {
    const period = sql.ref(table === "usage_hourly" ? "hour" : "day");
    let q = db
      .selectFrom(table)
      .select((eb) => [
        "key_id",
        "model_id",
        "bucket",
        eb.fn.sum<number | string>("requests").as("requests"),
        eb.fn.sum<number | string>("errors").as("errors"),
        eb.fn.sum<number | string>("rows").as("rows"),
        eb.fn.min("first_at").as("first_at"),
        eb.fn.max("last_at").as("last_at"),
      ])
      .groupBy(["key_id", "model_id", "bucket"]);
    if (from !== undefined) q = q.where(period, ">=", new Date(from));
    if (to !== undefined) q = q.where(period, "<", new Date(to));
    return q;
  }

  /** The same, from raw records. */
  function rawQuery() {
    return db
      .selectFrom("usage_events")
      .select((eb) => [
        "key_id",
        "model_id",
        bucketSql(lite).as("bucket"),
        eb.fn.countAll<number | string>().as("requests"),
        sql<number | string>`sum(case when status >= 400 then 1 else 0 end)`.as("errors"),
        sql<number | string>`sum(case when status < 400 then batch_size else 0 end)`.as("rows"),
        eb.fn.min("at").as("first_at"),
        eb.fn.max("at").as("last_at"),
      ])
      .groupBy(["key_id", "model_id", sql`3`]);
  }

  /** Raw records before this time were expired (rollups alone cover it); null: none were. */
  async function expiredBefore(): Promise<Date | null> {
    const row = await db
      .selectFrom("meta")
      .select("value")
      .where("key", "=", RAW_EXPIRED_BEFORE_KEY)
      .executeTakeFirst();
    return typeof row?.value === "string" ? new Date(row.value) : null;
  }

  return {
    /** All or nothing, rollups included: a failed write retried never counts twice. */
    async insertMany(events: readonly UsageEvent[]): Promise<void> {
      if (events.length === 0) return;
      if (lite) {
        await db.transaction().execute((trx) => sqliteInsert(trx, events));
        return;
      }
      if (events.length <= PG_ROWS_PER_STATEMENT) {
        await pgInsertStatement(events).execute(db);
        return;
      }
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < events.length; i += PG_ROWS_PER_STATEMENT) {
          await pgInsertStatement(events.slice(i, i + PG_ROWS_PER_STATEMENT)).execute(trx);
        }
      });
    },

    /**
     * Per key and model, ordered by key then model: whole days from the daily rollups, the
     * whole hours before the first of them from the hourly ones, and the raw records of the
     * first, partial hour of `since`. Past the raw records' retention the period starts on the
     * hour. A million records over 30 days are ~40,000 daily rollup rows, not a million.
     */
    async summarize(query: UsageQuery = {}): Promise<UsageSummary[]> {
      const since = query.since?.getTime();
      const rows: BucketRow[] = [];
      const filtered = <Q extends KeyModelFilter<Q>>(q: Q): Q => {
        let out = q;
        if (query.keyId !== undefined) out = out.where("key_id", "=", query.keyId);
        if (query.modelId !== undefined) out = out.where("model_id", "=", query.modelId);
        return out;
      };
      if (since === undefined) {
        rows.push(...(await filtered(rollupQuery("usage_daily")).execute()));
        return summaries(rows);
      }
      let fromHour = Math.ceil(since / HOUR_MS) * HOUR_MS;
      if (fromHour > since) {
        const expired = await expiredBefore();
        if (expired !== null && since < expired.getTime()) fromHour -= HOUR_MS;
        else {
          const raw = rawQuery()
            .where("at", ">=", new Date(since))
            .where("at", "<", new Date(fromHour));
          rows.push(...(await filtered(raw).execute()));
        }
      }
      const fromDay = Math.ceil(fromHour / DAY_MS) * DAY_MS;
      if (fromDay > fromHour) {
        rows.push(...(await filtered(rollupQuery("usage_hourly", fromHour, fromDay)).execute()));
      }
      rows.push(...(await filtered(rollupQuery("usage_daily", fromDay)).execute()));
      return summaries(rows);
    },

    /** Raw records (rollups are not counted). */
    async count(): Promise<number> {
      const row = await db
        .selectFrom("usage_events")
        .select((eb) => eb.cast<number>(eb.fn.countAll(), "integer").as("n"))
        .executeTakeFirstOrThrow();
      return row.n;
    },

    /**
     * Deletes at most `limit` raw records from before `before` (the rollups stay) and returns
     * how many; the caller repeats while it gets `limit`, off the request path.
     */
    async expire(before: Date, limit: number): Promise<number> {
      // First say where raw records stop (never moved back), so a summary that runs meanwhile
      // reads the rollups for that hour instead of raw records about to go.
      const previous = await expiredBefore();
      if (previous === null || previous < before) {
        const json = JSON.stringify(before.toISOString());
        await db
          .insertInto("meta")
          .values({ key: RAW_EXPIRED_BEFORE_KEY, value: json })
          .onConflict((oc) => oc.column("key").doUpdateSet({ value: json }))
          .execute();
      }
      const result = await db
        .deleteFrom("usage_events")
        .where("id", "in", (eb) =>
          eb.selectFrom("usage_events").select("id").where("at", "<", before).limit(limit),
        )
        .executeTakeFirst();
      const deleted = Number(result.numDeletedRows);
      return deleted;
    },
  };
}
