/**
 * Writing usage records (src/store/usage.ts reads them): one batch of raw records and the
 * hourly and daily rollups it adds to, all or nothing — one statement on PostgreSQL, one
 * transaction of prepared statements on SQLite. Runs on the thread that answers predictions
 * (the write-behind recorder calls it), so each dialect's path is built for that.
 */
import { CompiledQuery, sql } from "kysely";
import type { Kysely, RawBuilder } from "kysely";
import { BUCKET_FLOOR_MS, BUCKET_GROWTH, LAST_BUCKET, bucketOf } from "./latency-buckets.js";
import type { Database, UsageHourlyTable } from "./schema.js";
import type { UsageEvent } from "./usage.js";

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

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
export function bucketSql(lite: boolean): RawBuilder<number> {
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

export type RollupTable = "usage_hourly" | "usage_daily";

/** A rollup row as built here: the table's columns, with times as epoch milliseconds. */
type Rollup = Omit<UsageHourlyTable, "hour" | "first_at" | "last_at"> & {
  /** The start of the hour or day. */
  period: number;
  first_at: number;
  last_at: number;
};

/**
 * The rollup rows of a batch per `periodMs` (an hour, a day), in primary-key order. A batch
 * mostly repeats one key, model and period, so consecutive events share their group (its
 * rollups by latency bucket) without building and hashing a composite key each: ~200 -> ~60 ns
 * an event, twice a record, on the thread that answers predictions.
 */
export function rollupsOf(events: readonly UsageEvent[], periodMs: number): Rollup[] {
  const groups = new Map<string, Rollup[]>();
  const all: Rollup[] = [];
  let group: Rollup[] = [];
  let lastPeriod = Number.NaN;
  let lastKey: string | undefined;
  let lastModel: string | undefined;
  for (const e of events) {
    const at = e.at.getTime();
    const period = Math.floor(at / periodMs) * periodMs;
    if (period !== lastPeriod || e.keyId !== lastKey || e.modelId !== lastModel) {
      lastPeriod = period;
      lastKey = e.keyId;
      lastModel = e.modelId;
      const id = `${period}\u0000${noNul(e.keyId)}\u0000${noNul(e.modelId)}`;
      let found = groups.get(id);
      if (!found) {
        found = [];
        groups.set(id, found);
      }
      group = found;
    }
    const bucket = bucketOf(e.latencyMs);
    let r = group[bucket];
    if (!r) {
      r = {
        period,
        key_id: noNul(e.keyId),
        model_id: noNul(e.modelId),
        bucket,
        requests: 0,
        errors: 0,
        rows: 0,
        first_at: at,
        last_at: at,
      };
      group[bucket] = r;
      all.push(r);
    }
    r.requests += 1;
    if (e.status >= 400) r.errors += 1;
    else r.rows += e.batchSize;
    if (at < r.first_at) r.first_at = at;
    if (at > r.last_at) r.last_at = at;
  }
  return all.sort(
    (a, b) =>
      a.period - b.period ||
      compare(a.key_id, b.key_id) ||
      compare(a.model_id, b.model_id) ||
      a.bucket - b.bucket,
  );
}

/** Plain code-unit order of two strings (rollup keys here, summary rows in ./usage.ts). */
export function compare(a: string, b: string): number {
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
    const params = [
      r.period,
      r.key_id,
      r.model_id,
      r.bucket,
      r.requests,
      r.errors,
      r.rows,
      r.first_at,
      r.last_at,
    ];
    await db.executeQuery(CompiledQuery.raw(upsert, params));
  }
}

/** All or nothing, rollups included: a failed write retried never counts twice. */
export async function insertUsage(
  db: Kysely<Database>,
  events: readonly UsageEvent[],
  lite: boolean,
): Promise<void> {
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
}
