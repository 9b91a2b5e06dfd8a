/**
 * The embedded store's Kysely dialect: SQLite through better-sqlite3, in this process.
 *
 * Why SQLite and not PGlite (PostgreSQL in WebAssembly, the embedded store before): measured on
 * Node 20, a bare PGlite with `select 1` is ~780 MB RSS (630 MB of it WebAssembly memory), a
 * bare better-sqlite3 ~50 MB, the same as Node alone (bench/memory.mjs prints both). The SQL
 * side is Kysely's own SQLite adapter, compiler and introspector; what differs from PostgreSQL
 * is kept in the few places that need it (migrations.ts, usage.ts, `dialectOf`).
 *
 * SQLite has no timestamp, boolean, array or jsonb types, so this driver maps values at the
 * one place every query passes: parameters go in as epoch milliseconds (Date), 0/1 (boolean)
 * and JSON text (arrays); rows come back as Date, boolean and parsed JSON for the columns
 * schema.ts declares so (SQLITE_COLUMN_TYPES). Repositories and tests see the same values on
 * both stores.
 *
 * better-sqlite3 is synchronous: a statement runs on the event loop's thread. Every statement
 * here is small (key and model lookups by primary key, usage batches of USAGE_BATCH_SIZE rows,
 * rollup summaries), and prepared statements are cached, so that costs microseconds a query.
 */
import { CompiledQuery, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from "kysely";
import type {
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  Kysely,
  QueryCompiler,
  QueryResult,
} from "kysely";
import type BetterSqlite3 from "better-sqlite3";
import { Mutex } from "./mutex.js";
import { SQLITE_COLUMN_TYPES } from "./schema.js";

type SqliteDb = BetterSqlite3.Database;
type Statement = BetterSqlite3.Statement<unknown[], unknown>;

export class SqliteDialect implements Dialect {
  readonly #db: SqliteDb;
  readonly #mapError: (err: unknown) => unknown;

  /** The dialect takes ownership: destroying the Kysely instance closes `db`. */
  constructor(db: SqliteDb, mapError: (err: unknown) => unknown = (err) => err) {
    this.#db = db;
    this.#mapError = mapError;
  }

  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }

  createDriver(): Driver {
    return new SqliteDriver(this.#db, this.#mapError);
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }
}

class SqliteDriver implements Driver {
  readonly #db: SqliteDb;
  readonly #connection: SqliteConnection;
  readonly #mutex = new Mutex();

  constructor(db: SqliteDb, mapError: (err: unknown) => unknown) {
    this.#db = db;
    this.#connection = new SqliteConnection(db, mapError);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    // One connection: a transaction holds it from BEGIN to COMMIT, nothing interleaves.
    await this.#mutex.lock();
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    this.#mutex.unlock();
  }

  async beginTransaction(conn: DatabaseConnection): Promise<void> {
    // IMMEDIATE: take the write lock at BEGIN, so a transaction never fails half-way on it.
    await conn.executeQuery(CompiledQuery.raw("begin immediate"));
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw("commit"));
    this.#connection.committed();
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw("rollback"));
    this.#connection.rolledBack();
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
    // Wait for the borrower (if any) so close never cuts a transaction in half.
    await this.#mutex.lock();
    try {
      if (this.#db.open) this.#db.close();
    } finally {
      this.#mutex.unlock();
    }
  }
}

function savepointQuery(command: string, name: string): CompiledQuery {
  return CompiledQuery.raw(`${command} "${name.replaceAll('"', '""')}"`, []);
}

/** Prepared statements kept: the service runs a few dozen distinct ones. */
const STATEMENT_CACHE = 200;

/**
 * Writes to these tables (keys, models, meta: rare, made by an operator) are made durable at
 * once, usage batches are not: see ./sqlite.ts on synchronous=NORMAL.
 */
const DURABLE_WRITE = /^\s*(insert\s+into|update|delete\s+from)\s+"?(api_keys|models|meta)\b/i;

class SqliteConnection implements DatabaseConnection {
  readonly #db: SqliteDb;
  readonly #mapError: (err: unknown) => unknown;
  readonly #statements = new Map<string, Statement>();
  /** A durable write ran inside the open transaction: checkpoint when it commits. */
  #durablePending = false;

  constructor(db: SqliteDb, mapError: (err: unknown) => unknown) {
    this.#db = db;
    this.#mapError = mapError;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      const stmt = this.#prepare(query.sql);
      const params = query.parameters.map(toSqlite);
      const durable = DURABLE_WRITE.test(query.sql);
      if (stmt.reader) {
        const rows = (stmt.all(...params) as Record<string, unknown>[]).map(fromSqlite) as R[];
        if (durable) this.#durable();
        return { rows };
      }
      const { changes, lastInsertRowid } = stmt.run(...params);
      if (durable) this.#durable();
      return {
        rows: [],
        numAffectedRows: BigInt(changes),
        insertId: BigInt(lastInsertRowid),
      };
    } catch (err) {
      throw this.#mapError(err);
    }
  }

  async *streamQuery<R>(
    query: CompiledQuery,
    chunkSize = 100,
  ): AsyncIterableIterator<QueryResult<R>> {
    const { rows } = await this.executeQuery<R>(query);
    for (let i = 0; i < rows.length; i += chunkSize) yield { rows: rows.slice(i, i + chunkSize) };
  }

  committed(): void {
    if (this.#durablePending) this.#checkpoint();
    this.#durablePending = false;
  }

  rolledBack(): void {
    this.#durablePending = false;
  }

  /**
   * A checkpoint fsyncs the WAL (then copies it into the database file), which makes every
   * commit so far survive a power cut; inside a transaction, once it commits.
   */
  #durable(): void {
    if (this.#db.inTransaction) this.#durablePending = true;
    else this.#checkpoint();
  }

  #checkpoint(): void {
    this.#db.pragma("wal_checkpoint(PASSIVE)");
  }

  #prepare(text: string): Statement {
    let stmt = this.#statements.get(text);
    if (stmt) return stmt;
    stmt = this.#db.prepare(text);
    // Statements of many-row inserts differ by their row count: cache only up to a bound.
    if (this.#statements.size >= STATEMENT_CACHE) {
      const oldest = this.#statements.keys().next().value;
      if (oldest !== undefined) this.#statements.delete(oldest);
    }
    this.#statements.set(text, stmt);
    return stmt;
  }
}

/** A parameter as SQLite stores it (see the module comment). */
export function toSqlite(value: unknown): unknown {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "boolean") return value ? 1 : 0;
  if (Array.isArray(value)) return JSON.stringify(value);
  if (value === undefined) return null;
  return value;
}

function fromSqlite(row: Record<string, unknown>): Record<string, unknown> {
  for (const column in row) {
    const type = SQLITE_COLUMN_TYPES[column];
    const value = row[column];
    if (type === undefined || value === null || value === undefined) continue;
    if (type === "timestamp") row[column] = new Date(Number(value));
    else if (type === "boolean") row[column] = value === 1 || value === true;
    else if (typeof value === "string") row[column] = JSON.parse(value) as unknown;
  }
  return row;
}
