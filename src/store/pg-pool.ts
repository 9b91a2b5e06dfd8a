/**
 * The node-postgres pool Kysely draws connections from, made safe for networks that lie.
 *
 * A connection whose server went silent (a partition, a dropped NAT entry) looks healthy to
 * node-postgres: nothing errors, a query just never answers. So:
 * - every query has a client-side read timeout, and the server has a statement timeout a little
 *   shorter, so a slow query is cancelled by the server (the connection stays usable) while a
 *   silent network is caught by the client;
 * - a connection that failed at the network level (read timeout, reset, terminated) is
 *   destroyed on release instead of going back to the pool, and every connection opened before
 *   that failure is discarded when next checked out (they share the network that failed), so a
 *   replica recovers with fresh connections as soon as the network returns;
 * - TCP keepalive is on, so the kernel notices a peer that vanished while a connection idles;
 * - `end()` never waits on a silent server: past a grace period every socket is destroyed.
 */
import pg from "pg";
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from "kysely";
import { errorCode, errorMessage } from "./db-errors.js";

export interface GuardedPoolOptions {
  connectionString: string;
  max: number;
  /** Server-side statement_timeout. */
  statementTimeoutMs: number;
  /** Client-side read timeout of one query: past it the connection is presumed dead. */
  readTimeoutMs: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  keepAliveInitialDelayMs: number;
  /** How long `end()` lets connections say goodbye before destroying their sockets. */
  endGraceMs: number;
}

// Node network failures, and what node-postgres says when a connection dies or never answers.
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
const CONNECTION_MESSAGE =
  /connection terminated|timeout expired|connection timeout|timeout exceeded when trying to connect|query read timeout/i;

/** The connection (or the network under it) failed, as opposed to the server refusing a query. */
export function isConnectionFailure(err: unknown): boolean {
  return NETWORK_CODES.has(errorCode(err) ?? "") || CONNECTION_MESSAGE.test(errorMessage(err));
}

export function isReadTimeout(err: unknown): boolean {
  return /query read timeout/i.test(errorMessage(err));
}

export function guardedPool(options: GuardedPoolOptions): PostgresPool {
  // Every client the pool makes, connected or still connecting, until its connection ends: a
  // connection attempt to a silent server is as stuck as a query.
  const alive = new Set<pg.Client>();
  class TrackedClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(config);
      alive.add(this);
      this.once("end", () => alive.delete(this));
    }
  }
  const pool = new pg.Pool({
    Client: TrackedClient,
    connectionString: options.connectionString,
    max: options.max,
    statement_timeout: options.statementTimeoutMs,
    query_timeout: options.readTimeoutMs,
    // A transaction left open by a client that vanished must not hold its locks for hours.
    idle_in_transaction_session_timeout: Math.max(options.readTimeoutMs * 2, 60_000),
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: options.idleTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: options.keepAliveInitialDelayMs,
    application_name: "modelgate",
  });
  let generation = 0;
  const born = new WeakMap<pg.PoolClient, number>();
  const networkFailed = () => {
    generation += 1;
  };

  // An idle client losing its server emits 'error' on the pool, which would crash the process
  // if unheard. The pool drops that client; the next query reconnects or fails visibly.
  pool.on("error", () => undefined);
  pool.on("connect", (client) => {
    born.set(client, generation);
    // A client checked out of the pool has no such listener: if its server goes away
    // mid-query, node-postgres rejects the query *and* emits 'error' on the client.
    client.on("error", () => undefined);
  });

  /** Out of the pool for good; its socket is cut if a silent server never lets it close. */
  function retire(client: pg.PoolClient): void {
    client.release(true);
    setTimeout(() => {
      if (alive.has(client)) client.connection.stream.destroy();
    }, options.endGraceMs).unref();
  }

  return {
    async connect(): Promise<PostgresPoolClient> {
      // Bounded: at most every pooled connection is discarded, then a new one is opened.
      for (let tries = 0; ; tries += 1) {
        let client: pg.PoolClient;
        try {
          client = await pool.connect();
        } catch (err) {
          networkFailed();
          throw err;
        }
        if ((born.get(client) ?? generation) >= generation || tries > options.max) {
          return guardedClient(client, networkFailed, retire);
        }
        // Opened before the network last failed: probably dead too, and a query would only
        // find out after the read timeout.
        retire(client);
      }
    },

    async end(): Promise<void> {
      const ended = pool.end();
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, options.endGraceMs);
        timer.unref();
      });
      await Promise.race([ended, grace]);
      clearTimeout(timer);
      if (alive.size === 0) return ended;
      // A silent server never acknowledges goodbye: cut the sockets, which fails whatever
      // query or connection attempt still waits and lets the pool finish.
      for (const client of alive) client.connection.stream.destroy();
      return ended;
    },
  };
}

function guardedClient(
  client: pg.PoolClient,
  networkFailed: () => void,
  retire: (client: pg.PoolClient) => void,
): PostgresPoolClient {
  let broken: unknown;
  function query<R>(
    sql: string,
    parameters: ReadonlyArray<unknown>,
  ): Promise<PostgresQueryResult<R>>;
  function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  function query<R>(
    sql: string | PostgresCursor<R>,
    parameters?: ReadonlyArray<unknown>,
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof sql !== "string") throw new TypeError("streaming queries are not configured");
    // A broken connection takes no more queries (a ROLLBACK after the failure would otherwise
    // queue behind the query that never answered, and wait out another read timeout).
    if (broken !== undefined) return Promise.reject(broken);
    return client.query(sql, parameters ? [...parameters] : []).then(
      (result) => ({
        command: result.command as PostgresQueryResult<R>["command"],
        rowCount: result.rowCount ?? 0,
        rows: result.rows as R[],
      }),
      (err: unknown) => {
        if (isConnectionFailure(err)) {
          broken = err;
          networkFailed();
        }
        throw err;
      },
    );
  }
  return {
    query,
    release() {
      // Never hand a dead (or desynchronised) connection to the next query.
      if (broken !== undefined) retire(client);
      else client.release();
    },
  };
}
