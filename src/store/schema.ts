/**
 * The database as Kysely sees it: one interface per table, column names as in SQL (snake_case).
 * Repositories map these rows to the camelCase records in `records.ts`; nothing outside
 * `src/store/` should need these types.
 *
 * The SQL that creates these tables lives in `migrations.ts`; keep the two in step. Both stores
 * hold the same tables: PostgreSQL with its own types, SQLite with the mapping below.
 */
import type { ColumnType, Generated } from "kysely";
import type { ModelSpec } from "../spec/index.js";

/** Any value JSON can hold, as stored in a jsonb column. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A jsonb column. Writes take a string we JSON.stringify ourselves: node-postgres would turn a
 * JS array into a PostgreSQL array literal, not JSON, so we never hand it raw values.
 */
type Jsonb<T extends JsonValue> = ColumnType<T, string, string>;

/** timestamptz, read as Date (both drivers parse it) and written as Date. */
type NullableTimestamp = ColumnType<Date | null, Date | null | undefined, Date | null>;
/** A timestamp the database fills with now() unless given. */
type DefaultedTimestamp = ColumnType<Date, Date | undefined, Date>;

export interface ModelsTable {
  id: string;
  name: string;
  version: string;
  description: string;
  /** A folder path, `hf://owner/repo@rev`, or an http(s) URL. */
  source: string;
  /**
   * The parsed modelgate.json, validated by src/spec before it is registered; JSON null when it
   * could not be read at registration (a private repository without a token) until first load.
   */
  spec: ColumnType<ModelSpec | null, string, string>;
  max_batch_size: number;
  cache_duration_s: number | null;
  warm: Generated<boolean>;
  /** The exact revision the source resolved to when last pulled (e.g. a Hub commit sha). */
  resolved_revision: string | null;
  status: Generated<string>;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  user_id: string;
  /** The non-secret start of the key, used to find the row before comparing hashes. */
  prefix: string;
  /** Hex sha-256 of the whole key; the key itself is never stored. */
  hash: string;
  scopes: string[];
  /** null = every model. */
  model_ids: string[] | null;
  expires_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
  rate_limit_per_hour: number | null;
  created_at: DefaultedTimestamp;
}

export interface MetaTable {
  key: string;
  value: Jsonb<JsonValue>;
}

export interface UsageEventsTable {
  /** bigserial on PostgreSQL (node-postgres reads int8 as a string), the rowid on SQLite. */
  id: Generated<string | number>;
  at: Date;
  key_id: string;
  user_id: string;
  model_id: string;
  /** The HTTP status answered. */
  status: number;
  /** Inputs in the request (1 for a single object). */
  batch_size: number;
  latency_ms: number;
  request_id: string;
}

/**
 * Hourly rollups of usage_events, written with them in one transaction: per hour, key, model and
 * latency bucket (./latency-buckets.ts), how many requests there were. Summaries read these,
 * not the raw records, and they are kept when raw records expire (USAGE_RETENTION_DAYS).
 */
export interface UsageHourlyTable {
  /** The start of the hour (UTC). */
  hour: Date;
  key_id: string;
  model_id: string;
  bucket: number;
  requests: number;
  errors: number;
  /** Inputs predicted by the requests answered below 400. */
  rows: number;
  first_at: Date;
  last_at: Date;
}

/** The same per day (UTC): long periods read ~24 times fewer rows. */
export interface UsageDailyTable extends Omit<UsageHourlyTable, "hour"> {
  day: Date;
}

export interface Database {
  models: ModelsTable;
  api_keys: ApiKeysTable;
  meta: MetaTable;
  usage_events: UsageEventsTable;
  usage_hourly: UsageHourlyTable;
  usage_daily: UsageDailyTable;
}

/**
 * How SQLite holds what it has no type for, by column name (every table's columns, and the
 * aliases summaries select): timestamps as epoch milliseconds, booleans as 0/1, text arrays and
 * jsonb as JSON text. ./sqlite-dialect.ts converts parameters and rows with it, so a column
 * added with one of these types must be listed here.
 */
export const SQLITE_COLUMN_TYPES: Readonly<Record<string, "timestamp" | "boolean" | "json">> = {
  created_at: "timestamp",
  updated_at: "timestamp",
  expires_at: "timestamp",
  revoked_at: "timestamp",
  last_used_at: "timestamp",
  at: "timestamp",
  hour: "timestamp",
  day: "timestamp",
  first_at: "timestamp",
  last_at: "timestamp",
  warm: "boolean",
  spec: "json",
  value: "json",
  scopes: "json",
  model_ids: "json",
};
