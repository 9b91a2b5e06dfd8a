import type { Store } from "./open.js";
import { usageRepository } from "./usage.js";

/**
 * Where usage records go: the usage_events table and its hourly rollups, on either store. (The
 * PGlite store kept them in `usage.ndjson` in the data dir; migrate-from-pglite copies that log.)
 */
export function usageStoreOf(store: Pick<Store, "db">) {
  return usageRepository(store.db);
}
