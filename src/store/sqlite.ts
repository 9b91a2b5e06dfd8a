/**
 * The embedded store's file: `<dataDir>/modelgate.db`, SQLite through better-sqlite3.
 *
 * Settings, and why:
 * - locking_mode=EXCLUSIVE, set before WAL: the first write takes SQLite's exclusive lock on the
 *   file and this process keeps it until it closes the database. A second process — or a
 *   container on the same volume, which the data-dir lock (./lock.ts) can only judge by a
 *   heartbeat — then cannot read or write it at all and is refused with the sentence the data-dir
 *   lock uses. In this mode the WAL index lives in this process's memory, not in a `-shm` file
 *   shared through mmap, so it also works on volumes where shared memory does not.
 * - journal_mode=WAL: a write appends to the log instead of rewriting pages in place (fewer
 *   fsyncs; usage batches are appends).
 * - synchronous=NORMAL, and a checkpoint after each change to keys, models or meta: every
 *   commit survives a crash or kill of this process (WAL), and an operator's change (a created
 *   or revoked key) also a power cut, since the checkpoint fsyncs the WAL. Usage batches are not
 *   fsynced one by one: measured here, FULL held the event loop — the thread that answers
 *   predictions — 10-13 ms a 500-row commit (fsync), NORMAL 0.8 ms. A power cut can lose the
 *   usage records of the last seconds (since the last checkpoint), never corrupt the file.
 * - busy_timeout (better-sqlite3's `timeout`): how long a statement waits for the lock before
 *   failing. Only a second process can hold it; BUSY_TIMEOUT_MS keeps that refusal quick.
 */
import { chmod } from "node:fs/promises";
import Database from "better-sqlite3";
import { ModelgateError } from "../errors.js";
import { errorCode, errorMessage } from "./db-errors.js";
import { inUseSentence } from "./lock.js";
import { SqliteDialect } from "./sqlite-dialect.js";

export { SQLITE_FILE, sqlitePathOf } from "./paths.js";

/** A second process is told within this (it never gets the lock while this one runs). */
export const BUSY_TIMEOUT_MS = 1_000;

/** Opens (creating if needed), configures and locks the file; failures say what to fix. */
export async function openSqliteFile(path: string, dataDir: string): Promise<Database.Database> {
  const mapError = sqliteErrors(path, dataDir);
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    db.pragma("locking_mode = EXCLUSIVE");
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    // SQLite's own default page cache (2 MiB): better-sqlite3 builds with 16 MiB, which a
    // store of appended usage records filled within a minute under load (+16 MB RSS) for no
    // measurable gain (the indexes written to are appended at their ends).
    db.pragma("cache_size = -2000");
    // Take the exclusive lock now, not at the first request: a second process is refused at
    // its start, before it says it is ready.
    db.exec("begin immediate; commit");
    await chmod(path, 0o600);
    return db;
  } catch (err) {
    if (db?.open) db.close();
    throw mapError(err);
  }
}

export function sqliteDialect(db: Database.Database, dataDir: string): SqliteDialect {
  return new SqliteDialect(db, sqliteErrors(db.name, dataDir));
}

/**
 * SQLite's failures as store_unavailable sentences; constraint violations pass through (the
 * repositories turn them into conflicts), and so does anything else (a bug, not a state).
 */
function sqliteErrors(path: string, dataDir: string) {
  return function translate(err: unknown): unknown {
    if (err instanceof ModelgateError) return err;
    const code = errorCode(err) ?? "";
    const reason = errorMessage(err);
    const fail = (detail: string) =>
      new ModelgateError("store_unavailable", detail, { cause: err });
    if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
      return fail(inUseSentence(dataDir, `another process (it holds the database ${path} locked)`));
    }
    if (code.startsWith("SQLITE_FULL")) {
      return fail(`the disk holding ${path} is full: free space there (${reason})`);
    }
    if (code.startsWith("SQLITE_CANTOPEN") || code.startsWith("SQLITE_READONLY")) {
      return fail(`cannot write the embedded database ${path}: ${reason}`);
    }
    if (code.startsWith("SQLITE_CORRUPT") || code.startsWith("SQLITE_NOTADB")) {
      return fail(
        `the embedded database ${path} is damaged (${reason}): restore it from a backup, ` +
          "or move it away to start with an empty store",
      );
    }
    if (code.startsWith("SQLITE_IOERR")) return fail(`cannot read or write ${path}: ${reason}`);
    if (err instanceof TypeError && /database connection is not open/i.test(reason)) {
      return fail("the embedded database is closed");
    }
    return err;
  };
}
