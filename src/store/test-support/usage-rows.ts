/**
 * The usage records a stopped server left in an embedded data dir, read straight from its SQLite
 * file (tests that check nothing was lost on shutdown). Only once the server has exited: while
 * it runs it holds the file's exclusive lock.
 */
import Database from "better-sqlite3";
import { sqlitePathOf } from "../sqlite.js";

export interface UsageRow {
  request_id: string;
  key_id: string;
  user_id: string;
  model_id: string;
  status: number;
  batch_size: number;
}

export function usageRowsIn(dataDir: string): UsageRow[] {
  const db = new Database(sqlitePathOf(dataDir), { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare(
        "select request_id, key_id, user_id, model_id, status, batch_size from usage_events order by id",
      )
      .all() as UsageRow[];
  } finally {
    db.close();
  }
}
