/**
 * Data dirs of modelgate ≤ 0.1 hold a PGlite database (`<dataDir>/db`) and usage records in
 * `<dataDir>/usage.ndjson`. This version opens SQLite instead, and copies such a store once with
 * `modelgate store migrate-from-pglite` (./pglite-import.ts) rather than on its own at start:
 * reading PGlite takes ~800 MB of memory, which would kill the small container this store was
 * made for, and a restart loop would hide why.
 */
import { access } from "node:fs/promises";
import { join } from "node:path";
import { ModelgateError } from "../errors.js";
import { sqlitePathOf } from "./paths.js";

export const PGLITE_DIR = "db";
export const USAGE_LOG_FILE = "usage.ndjson";
/** What the old folder and log are renamed to once copied (kept until the operator deletes them). */
export const MIGRATED_SUFFIX = ".pglite-migrated";
export const MIGRATE_COMMAND = "modelgate store migrate-from-pglite";

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** A PGlite store is there (its PG_VERSION file). */
export function hasPglite(dataDir: string): Promise<boolean> {
  return exists(join(dataDir, PGLITE_DIR, "PG_VERSION"));
}

/** Refuses a data dir that holds a PGlite store and no SQLite one yet, naming the command. */
export async function refuseUnmigratedPglite(dataDir: string): Promise<void> {
  if (!(await hasPglite(dataDir)) || (await exists(sqlitePathOf(dataDir)))) return;
  const folder = join(dataDir, PGLITE_DIR);
  throw new ModelgateError(
    "store_unavailable",
    `the data dir ${dataDir} holds the store of an earlier modelgate (PGlite, in ${folder}), ` +
      `which this version does not open: copy its keys, models and usage records into the ` +
      `SQLite store once with \`${MIGRATE_COMMAND}\` (same MODELGATE_DATA_DIR; it needs about ` +
      `1 GB of memory while it runs and keeps the old files, renamed *${MIGRATED_SUFFIX})`,
  );
}
