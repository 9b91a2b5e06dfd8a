import { join } from "node:path";
import type { Store } from "./open.js";
import { usageRepository } from "./usage.js";
import { usageLog } from "./usage-log.js";

export const USAGE_LOG_FILE = "usage.ndjson";

/** Where usage records go: the usage_events table on PostgreSQL, an append-only log beside the embedded database. */
export function usageStoreOf(store: Pick<Store, "db" | "kind">, dataDir: string) {
  return store.kind === "postgres"
    ? usageRepository(store.db)
    : usageLog(join(dataDir, USAGE_LOG_FILE));
}
