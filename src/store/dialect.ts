/**
 * Which SQL a Kysely instance speaks. The store runs the same tables, repositories and tests on
 * PostgreSQL (and PGlite, read once by the import) and on SQLite; the few statements that differ
 * ask this.
 */
import { SqliteAdapter } from "kysely";
import type { Kysely } from "kysely";

export type SqlFlavor = "postgres" | "sqlite";

export function flavorOf(db: Pick<Kysely<unknown>, "getExecutor">): SqlFlavor {
  return db.getExecutor().adapter instanceof SqliteAdapter ? "sqlite" : "postgres";
}
