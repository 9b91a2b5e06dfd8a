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
import { sql } from "kysely";
import type { Kysely } from "kysely";
import { flavorOf } from "./dialect.js";
import { quantileOf } from "./latency-buckets.js";
import type { Database } from "./schema.js";
import { DAY_MS, HOUR_MS, bucketSql, compare, insertUsage } from "./usage-write.js";
import type { RollupTable } from "./usage-write.js";

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

/** Set by `expire`: raw records before this time are gone; rollups alone describe it. */
export const RAW_EXPIRED_BEFORE_KEY = "usage_raw_expired_before";

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
      await insertUsage(db, events, lite);
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
