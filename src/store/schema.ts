/**
 * The database as Kysely sees it: one interface per table, column names as in SQL (snake_case).
 * Repositories map these rows to the camelCase records in `records.ts`; nothing outside
 * `src/store/` should need these types.
 *
 * The SQL that creates these tables lives in `migrations.ts`; keep the two in step.
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
  /** bigserial: node-postgres reads int8 as a string. */
  id: Generated<string>;
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

export interface Database {
  models: ModelsTable;
  api_keys: ApiKeysTable;
  meta: MetaTable;
  usage_events: UsageEventsTable;
}
