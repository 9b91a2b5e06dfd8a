/**
 * The PostgreSQL backend: Kysely's PostgresDialect over a bounded node-postgres pool, with the
 * driver's errors translated at the one place every query passes through, so a database that
 * went away reaches callers as store_unavailable naming host:port, never as a raw socket error
 * (and never with the password from DATABASE_URL).
 */
import pg from "pg";
import { PostgresDialect } from "kysely";
import type {
  CompiledQuery,
  DatabaseConnection,
  Driver,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from "kysely";
import { ModelgateError } from "../errors.js";
import { errorCode, errorMessage } from "./db-errors.js";

export interface PostgresOptions {
  databaseUrl: string;
  /** Pool size per process; the default keeps several instances under max_connections=100. */
  poolMax?: number;
  statementTimeoutMs?: number;
}

export const POSTGRES_DEFAULTS = { poolMax: 10, statementTimeoutMs: 30_000, connectMs: 5_000 };

/** Where DATABASE_URL points, safe to print: host:port/database, no user or password. */
export interface PostgresTarget {
  label: string;
  secrets: string[];
}

export function parseTarget(databaseUrl: string): PostgresTarget {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    // Deliberately no cause: URL's TypeError carries the whole input, password included.
    throw new ModelgateError(
      "store_unavailable",
      "DATABASE_URL is not a valid URL: expected postgres://user:password@host:5432/database",
    );
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new ModelgateError(
      "store_unavailable",
      `DATABASE_URL must start with postgres:// or postgresql://, not ${url.protocol}//`,
    );
  }
  const host = url.searchParams.get("host") ?? (url.hostname || "localhost");
  const database = decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username);
  const secrets = url.password ? [url.password, decodeURIComponent(url.password)] : [];
  return { label: `${host}:${url.port || "5432"}/${database}`, secrets };
}

export function postgresDialect(opts: PostgresOptions, target: PostgresTarget): PostgresDialect {
  const statementTimeoutMs = opts.statementTimeoutMs ?? POSTGRES_DEFAULTS.statementTimeoutMs;
  const pool = new pg.Pool({
    connectionString: opts.databaseUrl,
    max: opts.poolMax ?? POSTGRES_DEFAULTS.poolMax,
    statement_timeout: statementTimeoutMs,
    connectionTimeoutMillis: POSTGRES_DEFAULTS.connectMs,
    idleTimeoutMillis: 30_000,
    application_name: "modelgate",
  });
  // An idle client losing its server emits 'error' on the pool, which would crash the process
  // if unheard. The pool drops that client; the next query reconnects or fails visibly.
  pool.on("error", () => undefined);
  // A client checked out of the pool has no such listener: if its server goes away mid-query,
  // node-postgres rejects the query *and* emits 'error' on the client, which would crash the
  // process. The rejection is what callers see (store_unavailable); the pool discards the
  // broken client when it is released.
  pool.on("connect", (client) => {
    client.on("error", () => undefined);
  });
  const mapError = (err: unknown): unknown => translate(err, target, statementTimeoutMs);
  return new TranslatingPostgresDialect({ pool }, mapError);
}

// Node network failures, plus SQLSTATE classes 08 (connection), 28 (authorization), 3D000
// (no such database) and 57P01-57P03 (server shutting down or starting).
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNRESET",
  "EPIPE",
]);
const SQLSTATE_CONNECTION = /^(08|28|3D000|57P0[123])/;
// "timeout exceeded when trying to connect" is pg.Pool waiting for a free or new connection.
const PG_CONNECTION_MESSAGE =
  /connection terminated|timeout expired|connection timeout|timeout exceeded when trying to connect/i;

function translate(err: unknown, target: PostgresTarget, statementTimeoutMs: number): unknown {
  if (err instanceof ModelgateError) return err;
  const code = errorCode(err) ?? "";
  const reason = scrub(errorMessage(err), target.secrets);
  if (code === "57014") {
    return new ModelgateError(
      "store_unavailable",
      `a query to PostgreSQL at ${target.label} ran past the statement timeout ` +
        `(${statementTimeoutMs} ms): ${reason}`,
      { cause: err },
    );
  }
  const network = NETWORK_CODES.has(code) || PG_CONNECTION_MESSAGE.test(reason);
  if (!network && !SQLSTATE_CONNECTION.test(code)) return err;
  const hint = network
    ? "check that it runs and that DATABASE_URL points to it"
    : "check the user, password and database name in DATABASE_URL";
  return new ModelgateError(
    "store_unavailable",
    `cannot connect to PostgreSQL at ${target.label} (${reason}): ${hint}`,
    { cause: err },
  );
}

function scrub(text: string, secrets: string[]): string {
  return secrets.reduce((out, secret) => out.replaceAll(secret, "***"), text);
}

/** PostgresDialect whose driver translates errors; everything else is Kysely's. */
class TranslatingPostgresDialect extends PostgresDialect {
  readonly #mapError: (err: unknown) => unknown;

  constructor(
    config: ConstructorParameters<typeof PostgresDialect>[0],
    mapError: (err: unknown) => unknown,
  ) {
    super(config);
    this.#mapError = mapError;
  }

  override createDriver(): Driver {
    return new TranslatingDriver(super.createDriver(), this.#mapError);
  }
}

type Compile = QueryCompiler["compileQuery"];

class TranslatingDriver implements Driver {
  readonly #inner: Driver;
  readonly #mapError: (err: unknown) => unknown;
  // Kysely's PostgresDriver releases a connection through a private symbol on its own object,
  // so releaseConnection must get the original back, not our wrapper.
  readonly #originals = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(inner: Driver, mapError: (err: unknown) => unknown) {
    this.#inner = inner;
    this.#mapError = mapError;
  }

  init(): Promise<void> {
    return this.#inner.init().catch(this.#rethrow);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await this.#inner.acquireConnection().catch(this.#rethrow);
    const rethrow = this.#rethrow;
    const wrapper: DatabaseConnection = {
      executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
        return inner.executeQuery<R>(query).catch(rethrow);
      },
      streamQuery<R>(query: CompiledQuery, chunkSize?: number) {
        return inner.streamQuery<R>(query, chunkSize);
      },
    };
    this.#originals.set(wrapper, inner);
    return wrapper;
  }

  releaseConnection(conn: DatabaseConnection): Promise<void> {
    return this.#inner.releaseConnection(this.#originals.get(conn) ?? conn);
  }

  beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#inner.beginTransaction(conn, settings);
  }

  commitTransaction(conn: DatabaseConnection): Promise<void> {
    return this.#inner.commitTransaction(conn);
  }

  rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    return this.#inner.rollbackTransaction(conn);
  }

  async savepoint(conn: DatabaseConnection, name: string, compile: Compile): Promise<void> {
    await this.#inner.savepoint?.(conn, name, compile);
  }

  async rollbackToSavepoint(conn: DatabaseConnection, name: string, compile: Compile) {
    await this.#inner.rollbackToSavepoint?.(conn, name, compile);
  }

  async releaseSavepoint(conn: DatabaseConnection, name: string, compile: Compile) {
    await this.#inner.releaseSavepoint?.(conn, name, compile);
  }

  destroy(): Promise<void> {
    return this.#inner.destroy();
  }

  readonly #rethrow = (err: unknown): never => {
    throw this.#mapError(err);
  };
}
