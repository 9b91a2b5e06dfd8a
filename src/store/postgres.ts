/**
 * The PostgreSQL backend: Kysely's PostgresDialect over a bounded node-postgres pool (timeouts,
 * keepalive and dead-connection replacement in ./pg-pool.ts), with the
 * driver's errors translated at the one place every query passes through, so a database that
 * went away reaches callers as store_unavailable naming host:port, never as a raw socket error
 * (and never with the password from DATABASE_URL).
 */
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
import { guardedPool, isConnectionFailure, isReadTimeout } from "./pg-pool.js";

export interface PostgresOptions {
  databaseUrl: string;
  /** Pool size per process; the default keeps several instances under max_connections=100. */
  poolMax?: number;
  /**
   * How long one query may run (the server's statement_timeout). The client waits
   * QUERY_GRACE_MS more for the server's own cancellation before it presumes the network dead.
   */
  queryTimeoutMs?: number;
  /** How long opening a connection (or waiting for a free one) may take. */
  connectTimeoutMs?: number;
}

export const POSTGRES_DEFAULTS = {
  poolMax: 10,
  queryTimeoutMs: 10_000,
  connectTimeoutMs: 5_000,
  idleTimeoutMs: 30_000,
  keepAliveInitialDelayMs: 10_000,
  queryGraceMs: 1_000,
  endGraceMs: 250,
};

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
  const d = POSTGRES_DEFAULTS;
  const queryTimeoutMs = opts.queryTimeoutMs ?? d.queryTimeoutMs;
  const readTimeoutMs = queryTimeoutMs + d.queryGraceMs;
  const pool = guardedPool({
    connectionString: opts.databaseUrl,
    max: opts.poolMax ?? d.poolMax,
    statementTimeoutMs: queryTimeoutMs,
    readTimeoutMs,
    connectTimeoutMs: opts.connectTimeoutMs ?? d.connectTimeoutMs,
    idleTimeoutMs: d.idleTimeoutMs,
    keepAliveInitialDelayMs: d.keepAliveInitialDelayMs,
    endGraceMs: d.endGraceMs,
  });
  const mapError = (err: unknown): unknown =>
    translate(err, target, { queryTimeoutMs, readTimeoutMs });
  return new TranslatingPostgresDialect({ pool }, mapError);
}

// SQLSTATE classes 08 (connection), 28 (authorization), 3D000 (no such database) and
// 57P01-57P03 (server shutting down or starting).
const SQLSTATE_CONNECTION = /^(08|28|3D000|57P0[123])/;

interface Timeouts {
  queryTimeoutMs: number;
  readTimeoutMs: number;
}

function translate(err: unknown, target: PostgresTarget, timeouts: Timeouts): unknown {
  if (err instanceof ModelgateError) return err;
  const code = errorCode(err) ?? "";
  const reason = scrub(errorMessage(err), target.secrets);
  if (code === "57014") {
    return new ModelgateError(
      "store_unavailable",
      `a query to PostgreSQL at ${target.label} ran past the statement timeout ` +
        `(${timeouts.queryTimeoutMs} ms): ${reason}`,
      { cause: err },
    );
  }
  if (isReadTimeout(err)) {
    return new ModelgateError(
      "store_unavailable",
      `PostgreSQL at ${target.label} did not answer within ${timeouts.readTimeoutMs} ms ` +
        "(a network that drops packets, or a server that hangs): check the network between " +
        "modelgate and the database; the connection was replaced",
      { cause: err },
    );
  }
  const network = isConnectionFailure(err);
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
