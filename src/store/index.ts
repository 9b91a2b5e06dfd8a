/**
 * The store: Kysely over SQLite (embedded, in the data dir) or PostgreSQL (DATABASE_URL), the
 * same tables and repositories on both. Other modules import from here only.
 */
export { openStore, storeOptionsFromConfig } from "./open.js";
export { storeReadiness } from "./health.js";
export type { Store, StoreKind, StoreOptions } from "./open.js";
export type { PostgresOptions } from "./postgres.js";
export { readStoreLock, LOCK_FILE } from "./lock.js";
export { MIGRATIONS } from "./migrations.js";
export { modelRepository } from "./models.js";
export type { ModelRecord, ModelRepository, NewModel } from "./models.js";
export { keyRepository } from "./keys.js";
export type { KeyRecord, KeyRepository, NewKey, StoredKey } from "./keys.js";
export { metaRepository } from "./meta.js";
export { usageRepository, RAW_EXPIRED_BEFORE_KEY } from "./usage.js";
export { usageRetention, RETENTION_DEFAULTS } from "./usage-retention.js";
export type { UsageRetention, UsageRetentionStats } from "./usage-retention.js";
import type { PgliteImport } from "./pglite-import.js";
export type { PgliteImport };
export { MIGRATE_COMMAND, USAGE_LOG_FILE } from "./pglite-legacy.js";
export { SQLITE_FILE } from "./paths.js";

/** `modelgate store migrate-from-pglite` (./pglite-import.ts): loaded on use only. */
export async function migrateFromPglite(dataDir: string): Promise<PgliteImport> {
  return (await import("./pglite-import.js")).migrateFromPglite(dataDir);
}
export type { UsageEvent, UsageQuery, UsageRepository, UsageSummary } from "./usage.js";
export type { MetaRepository } from "./meta.js";
export type { Database, JsonValue } from "./schema.js";
export { usageStoreOf } from "./usage-store.js";
