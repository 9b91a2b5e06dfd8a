/**
 * A Kysely dialect for PGlite (PostgreSQL compiled to WASM, running in this process): the
 * embedded store of modelgate up to 0.1, kept only to read such a store once and copy it into
 * SQLite (./pglite-import.ts). PGlite is imported on demand there, so it costs nothing unused.
 *
 * PGlite is one PostgreSQL session, so the driver hands out that single connection to one
 * borrower at a time: a transaction holds it from BEGIN to COMMIT and nothing else can
 * interleave statements into it. The SQL side (adapter, compiler, introspector) is Kysely's
 * PostgreSQL one, since PGlite speaks the same SQL; that keeps the embedded default and
 * production on identical queries.
 *
 * Consequence for callers: inside `db.transaction().execute(trx => ...)` use `trx`, never `db`,
 * or the outer query waits for the connection the transaction holds (a deadlock).
 */
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
} from "kysely";
import type {
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  Kysely,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from "kysely";
import type { PGlite } from "@electric-sql/pglite";
import { ModelgateError } from "../errors.js";
import { Mutex } from "./mutex.js";

export class PGliteDialect implements Dialect {
  readonly #pglite: PGlite;

  /** The dialect takes ownership: destroying the Kysely instance closes `pglite`. */
  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  createDriver(): Driver {
    return new PGliteDriver(this.#pglite);
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
}

class PGliteDriver implements Driver {
  readonly #pglite: PGlite;
  readonly #connection: PGliteConnection;
  readonly #mutex = new Mutex();

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
    this.#connection = new PGliteConnection(pglite);
  }

  async init(): Promise<void> {
    await this.#pglite.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#mutex.lock();
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    this.#mutex.unlock();
  }

  async beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    // PGlite is a single session: isolation levels change nothing, but honour the syntax so a
    // query written for PostgreSQL runs unchanged.
    const parts = ["start transaction"];
    if (settings.isolationLevel) parts.push(`isolation level ${settings.isolationLevel}`);
    if (settings.accessMode) parts.push(settings.accessMode);
    await conn.executeQuery(CompiledQuery.raw(parts.join(" ")));
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw("commit"));
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw("rollback"));
  }

  async savepoint(conn: DatabaseConnection, name: string): Promise<void> {
    await conn.executeQuery(savepointQuery("savepoint", name));
  }

  async rollbackToSavepoint(conn: DatabaseConnection, name: string): Promise<void> {
    await conn.executeQuery(savepointQuery("rollback to", name));
  }

  async releaseSavepoint(conn: DatabaseConnection, name: string): Promise<void> {
    await conn.executeQuery(savepointQuery("release", name));
  }

  async destroy(): Promise<void> {
    // Wait for the borrower (if any) to finish so close never cuts a transaction in half.
    await this.#mutex.lock();
    try {
      if (!this.#pglite.closed) await this.#pglite.close();
    } finally {
      this.#mutex.unlock();
    }
  }
}

function savepointQuery(command: string, name: string): CompiledQuery {
  // Savepoint names come from application code, not users; quote them anyway.
  const quoted = `"${name.replaceAll('"', '""')}"`;
  return CompiledQuery.raw(`${command} ${quoted}`, []);
}

const COUNTED_COMMANDS = new Set(["INSERT", "UPDATE", "DELETE", "MERGE"]);

class PGliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#pglite.closed) {
      throw new ModelgateError("store_unavailable", "the embedded database is closed");
    }
    const result = await this.#pglite.query<R>(query.sql, [...query.parameters]);
    const counted = result.command !== undefined && COUNTED_COMMANDS.has(result.command);
    return {
      rows: result.rows,
      numAffectedRows: counted ? BigInt(result.affectedRows ?? 0) : undefined,
    };
  }

  async *streamQuery<R>(
    query: CompiledQuery,
    chunkSize = 100,
  ): AsyncIterableIterator<QueryResult<R>> {
    // PGlite has no server-side cursors worth the name (everything is in memory already):
    // run the query once and hand the rows out in chunks.
    const { rows } = await this.executeQuery<R>(query);
    for (let i = 0; i < rows.length; i += chunkSize) {
      yield { rows: rows.slice(i, i + chunkSize) };
    }
  }
}
