/**
 * The store: Kysely over PostgreSQL SQL, embedded (PGlite in the data dir) or PostgreSQL
 * (DATABASE_URL). Other modules import from here only.
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
export { usageRepository } from "./usage.js";
export type { UsageEvent, UsageQuery, UsageRepository, UsageSummary } from "./usage.js";
export type { MetaRepository } from "./meta.js";
export type { Database, JsonValue } from "./schema.js";
export { usageLog, percentileCont } from "./usage-log.js";
export { usageStoreOf, USAGE_LOG_FILE } from "./usage-store.js";
