/**
 * Versioned schema migrations, kept in code so the compiled service carries them (no folder of
 * files to ship or find at run time). Append new migrations; never edit one that has shipped.
 *
 * One history for both stores: each migration creates the same tables on PostgreSQL and on
 * SQLite, with the types mapped (`typesOf`; sqlite-dialect.ts converts the values). They run on
 * open with Kysely's Migrator. On PostgreSQL the adapter takes a session advisory lock
 * (`pg_advisory_lock`) around the run, and each run is one transaction, so several instances
 * starting together against one database migrate exactly once; SQLite has one process (the
 * data-dir lock) and one connection.
 */
import { Migrator, sql } from "kysely";
import type {
  ColumnDataType,
  Expression,
  Kysely,
  Migration,
  MigrationProvider,
  MigrationResultSet,
  RawBuilder,
} from "kysely";
import { ModelgateError } from "../errors.js";
import { flavorOf } from "./dialect.js";
import { BUCKET_FLOOR_MS, BUCKET_GROWTH, LAST_BUCKET } from "./latency-buckets.js";
import type { Database } from "./schema.js";

/** Our bookkeeping tables, named so they are recognisable in a shared database. */
export const MIGRATION_TABLE = "modelgate_migration";
export const MIGRATION_LOCK_TABLE = "modelgate_migration_lock";

type DataType = ColumnDataType | Expression<unknown>;

/** PostgreSQL's types, and how SQLite holds each (see SQLITE_COLUMN_TYPES in schema.ts). */
function typesOf(db: Kysely<unknown>) {
  const lite = flavorOf(db) === "sqlite";
  return {
    lite,
    timestamp: (lite ? "integer" : "timestamptz") as DataType,
    json: (lite ? "text" : "jsonb") as DataType,
    textArray: (lite ? sql`text` : sql`text[]`) as DataType,
    boolean: (lite ? "integer" : "boolean") as DataType,
    now: lite ? sql`(cast(unixepoch('subsec') * 1000 as integer))` : sql`now()`,
    emptyArray: lite ? sql`'[]'` : sql`'{}'`,
    falseValue: lite ? sql`0` : sql`false`,
  };
}

/**
 * SQLite tables are STRICT: a value of the wrong type is refused as PostgreSQL refuses it
 * (without it SQLite would store 200.5 in an integer column), so both stores fail alike.
 */
function strictOn(lite: boolean) {
  return <T extends { modifyEnd(modifier: Expression<unknown>): T }>(builder: T): T =>
    lite ? builder.modifyEnd(sql`strict`) : builder;
}

const initial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const t = typesOf(db);
    await db.schema
      .createTable("models")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("version", "text", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
      .addColumn("source", "text", (c) => c.notNull())
      .addColumn("spec", t.json, (c) => c.notNull())
      .addColumn("max_batch_size", "integer", (c) => c.notNull().check(sql`max_batch_size > 0`))
      .addColumn("cache_duration_s", "integer")
      .addColumn("warm", t.boolean, (c) => c.notNull().defaultTo(t.falseValue))
      .addColumn("resolved_revision", "text")
      .addColumn("status", "text", (c) => c.notNull().defaultTo("registered"))
      .addColumn("created_at", t.timestamp, (c) => c.notNull().defaultTo(t.now))
      .addColumn("updated_at", t.timestamp, (c) => c.notNull().defaultTo(t.now))
      .$call(strictOn(t.lite))
      .execute();

    await db.schema
      .createTable("api_keys")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("user_id", "text", (c) => c.notNull())
      .addColumn("prefix", "text", (c) => c.notNull().unique())
      .addColumn("hash", "text", (c) => c.notNull())
      .addColumn("scopes", t.textArray, (c) => c.notNull().defaultTo(t.emptyArray))
      .addColumn("model_ids", t.textArray)
      .addColumn("expires_at", t.timestamp)
      .addColumn("revoked_at", t.timestamp)
      .addColumn("last_used_at", t.timestamp)
      .addColumn("rate_limit_per_hour", "integer")
      .addColumn("created_at", t.timestamp, (c) => c.notNull().defaultTo(t.now))
      .$call(strictOn(t.lite))
      .execute();

    await db.schema
      .createTable("meta")
      .addColumn("key", "text", (c) => c.primaryKey())
      .addColumn("value", t.json, (c) => c.notNull())
      .$call(strictOn(t.lite))
      .execute();
  },
};

/** One row per prediction request (write-behind from src/serving/usage.ts), for `usage`. */
const usage: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const t = typesOf(db);
    await db.schema
      .createTable("usage_events")
      // SQLite: an alias of the rowid, numbered as inserted like a bigserial.
      .addColumn("id", t.lite ? "integer" : "bigserial", (c) => c.primaryKey())
      .addColumn("at", t.timestamp, (c) => c.notNull())
      .addColumn("key_id", "text", (c) => c.notNull())
      .addColumn("user_id", "text", (c) => c.notNull())
      .addColumn("model_id", "text", (c) => c.notNull())
      .addColumn("status", "integer", (c) => c.notNull())
      .addColumn("batch_size", "integer", (c) => c.notNull())
      .addColumn("latency_ms", "real", (c) => c.notNull())
      .addColumn("request_id", "text", (c) => c.notNull())
      .$call(strictOn(t.lite))
      .execute();
    // The summaries filter by key or model over a time range, or by time alone.
    await db.schema
      .createIndex("usage_events_key_at")
      .on("usage_events")
      .columns(["key_id", "at"])
      .execute();
    await db.schema
      .createIndex("usage_events_model_at")
      .on("usage_events")
      .columns(["model_id", "at"])
      .execute();
    await db.schema.createIndex("usage_events_at").on("usage_events").column("at").execute();
  },
};

/**
 * Usage rows arrive in time order, so a BRIN index answers "since <time>" from a few block
 * ranges for almost nothing per insert; the B-tree on `at` cost PostgreSQL ~1 µs of CPU per
 * usage row (measured with 500-row batches). Keys and models keep their B-trees. SQLite has no
 * BRIN: it keeps the B-tree (retention deletes by time).
 */
const usageTimeIndex: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    if (typesOf(db).lite) return;
    await db.schema.dropIndex("usage_events_at").execute();
    await db.schema
      .createIndex("usage_events_at_brin")
      .on("usage_events")
      .using("brin")
      .column("at")
      .execute();
  },
};

/** The latency bucket of `latency_ms` in SQL, as bucketOf() in latency-buckets.ts. */
function bucketSql(): RawBuilder<number> {
  const floor = sql.lit(BUCKET_FLOOR_MS);
  const growth = sql.lit(Math.log(BUCKET_GROWTH));
  return sql<number>`case when latency_ms < ${floor} then 0
    else least(${sql.lit(LAST_BUCKET)}, 1 + floor(ln(latency_ms / ${floor}) / ${growth}))::int end`;
}

/**
 * Hourly rollups (schema.ts, UsageHourlyTable): summaries read them instead of every raw record,
 * and they outlive the raw records' retention. PostgreSQL stores that already hold usage rows
 * get their rollups computed here, in the migration's transaction.
 */
const usageHourly: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const t = typesOf(db);
    await db.schema
      .createTable("usage_hourly")
      .addColumn("hour", t.timestamp, (c) => c.notNull())
      .addColumn("key_id", "text", (c) => c.notNull())
      .addColumn("model_id", "text", (c) => c.notNull())
      .addColumn("bucket", "integer", (c) => c.notNull())
      .addColumn("requests", "integer", (c) => c.notNull())
      .addColumn("errors", "integer", (c) => c.notNull())
      .addColumn("rows", t.lite ? "integer" : "bigint", (c) => c.notNull())
      .addColumn("first_at", t.timestamp, (c) => c.notNull())
      .addColumn("last_at", t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint("usage_hourly_pk", ["hour", "key_id", "model_id", "bucket"])
      .$call(strictOn(t.lite))
      .execute();
    await db.schema
      .createIndex("usage_hourly_key")
      .on("usage_hourly")
      .columns(["key_id", "hour"])
      .execute();
    await db.schema
      .createIndex("usage_hourly_model")
      .on("usage_hourly")
      .columns(["model_id", "hour"])
      .execute();
    if (t.lite) return; // a SQLite store is new in this version: it has no usage rows yet
    await sql`insert into usage_hourly
        (hour, key_id, model_id, bucket, requests, errors, rows, first_at, last_at)
      select date_trunc('hour', at, 'UTC'), key_id, model_id, ${bucketSql()}, count(*),
        count(*) filter (where status >= 400),
        coalesce(sum(batch_size) filter (where status < 400), 0), min(at), max(at)
      from usage_events group by 1, 2, 3, 4`.execute(db);
  },
};

/**
 * Daily rollups, the same as the hourly ones per UTC day: a summary over weeks reads whole days
 * (~24 times fewer rows) and hours only at its start. Filled from the hourly rollups.
 */
const usageDaily: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const t = typesOf(db);
    await db.schema
      .createTable("usage_daily")
      .addColumn("day", t.timestamp, (c) => c.notNull())
      .addColumn("key_id", "text", (c) => c.notNull())
      .addColumn("model_id", "text", (c) => c.notNull())
      .addColumn("bucket", "integer", (c) => c.notNull())
      .addColumn("requests", "integer", (c) => c.notNull())
      .addColumn("errors", "integer", (c) => c.notNull())
      .addColumn("rows", t.lite ? "integer" : "bigint", (c) => c.notNull())
      .addColumn("first_at", t.timestamp, (c) => c.notNull())
      .addColumn("last_at", t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint("usage_daily_pk", ["day", "key_id", "model_id", "bucket"])
      .$call(strictOn(t.lite))
      .execute();
    await db.schema
      .createIndex("usage_daily_key")
      .on("usage_daily")
      .columns(["key_id", "day"])
      .execute();
    await db.schema
      .createIndex("usage_daily_model")
      .on("usage_daily")
      .columns(["model_id", "day"])
      .execute();
    const day = t.lite ? sql`(hour / 86400000) * 86400000` : sql`date_trunc('day', hour, 'UTC')`;
    await sql`insert into usage_daily
        (day, key_id, model_id, bucket, requests, errors, rows, first_at, last_at)
      select ${day}, key_id, model_id, bucket, sum(requests), sum(errors), sum(rows),
        min(first_at), max(last_at)
      from usage_hourly group by 1, 2, 3, 4`.execute(db);
  },
};

/**
 * Summaries read the rollups, and raw records only for the first, partial hour of a period (by
 * time, then key or model), and retention deletes them by time: the B-trees on (key_id, at)
 * and (model_id, at) served no query any more, yet every usage row paid for both on insert
 * (SQLite: 7.9 -> 4.7 µs a row in 64-row batches, on the thread that answers requests). The
 * time index stays.
 */
const usageRawIndexes: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex("usage_events_key_at").ifExists().execute();
    await db.schema.dropIndex("usage_events_model_at").ifExists().execute();
  },
};

/** Every migration, in order. The key is the version recorded in the migration table. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  "001_initial": initial,
  "002_usage": usage,
  "003_usage_time_index": usageTimeIndex,
  "004_usage_hourly": usageHourly,
  "005_usage_daily": usageDaily,
  "006_usage_raw_indexes": usageRawIndexes,
};

const provider: MigrationProvider = {
  async getMigrations() {
    return { ...MIGRATIONS };
  },
};

/**
 * Bring the schema up to date. `schema` is where the bookkeeping tables live; on PostgreSQL we
 * pass the connection's current schema because Kysely otherwise looks for its table in *every*
 * schema and would wrongly find another tenant's (or another test's) bookkeeping. SQLite has
 * none (undefined).
 */
export async function migrateToLatest(
  db: Kysely<Database>,
  schema: string | undefined,
): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  for (let attempt = 1; ; attempt++) {
    const { error, results }: MigrationResultSet = await migrator.migrateToLatest();
    if (error === undefined) return (results ?? []).map((r) => r.migrationName);
    // Kysely looks for its own table by listing every table of the database: a table another
    // schema drops meanwhile (another deployment, another test) fails that listing, before any
    // migration ran. Listed again, it is gone; three tries, then the error as it is.
    if (attempt < 3 && results === undefined && droppedMeanwhile(error, schema)) continue;
    throw migrationError(error, results);
  }
}

/** PostgreSQL's undefined_table (42P01) for a relation in another schema than ours. */
function droppedMeanwhile(error: unknown, schema: string | undefined): boolean {
  if (schema === undefined || typeof error !== "object" || error === null) return false;
  if ((error as { code?: unknown }).code !== "42P01") return false;
  const relation = /relation "([^".]+)\./.exec(String((error as Error).message))?.[1];
  return relation !== undefined && relation !== schema;
}

function migrationError(error: unknown, results: MigrationResultSet["results"]): ModelgateError {
  // Already a classified store error (e.g. the database went away mid-run): keep it.
  if (error instanceof ModelgateError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  const failed = results?.find((r) => r.status === "Error")?.migrationName;
  const hint = /previously executed migration .* is missing/.test(reason)
    ? " — the database was migrated by a newer modelgate: run that version, or restore a backup"
    : "";
  const what = failed === undefined ? "the database migration" : `database migration ${failed}`;
  return new ModelgateError("store_unavailable", `${what} failed: ${reason}${hint}`, {
    cause: error,
  });
}
