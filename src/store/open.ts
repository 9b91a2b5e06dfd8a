/**
 * Opening the store: the embedded default (SQLite in `<dataDir>/modelgate.db`, one process at a
 * time) or PostgreSQL (DATABASE_URL, any number of instances). Either way the schema is migrated
 * to the latest version before `openStore` returns, and every failure is a store_unavailable
 * that says what to fix.
 */
import { mkdir, stat } from "node:fs/promises";
import { Kysely, sql } from "kysely";
import type { Config } from "../config/index.js";
import { ModelgateError } from "../errors.js";
import { asStoreError, errorCode } from "./db-errors.js";
import { acquireStoreLock } from "./lock.js";
import { migrateToLatest } from "./migrations.js";
import { refuseUnmigratedPglite } from "./pglite-legacy.js";
import type { PostgresOptions } from "./postgres.js";
import type { Database } from "./schema.js";
import { sqlitePathOf } from "./paths.js";

export type StoreKind = "sqlite" | "postgres";

export interface EmbeddedOptions {
  dataDir: string;
  /** A sentence worth a warning (a stale lock taken over). */
  onWarning?: (sentence: string) => void;
}

export type StoreOptions = EmbeddedOptions | PostgresOptions;

export interface Store {
  readonly db: Kysely<Database>;
  readonly kind: StoreKind;
  /** Where it is, safe to print: the embedded database's folder, or PostgreSQL's host:port/db. */
  readonly label: string;
  /** Closes the database (and frees the data dir); safe to call more than once. */
  close(): Promise<void>;
}

/** openStore options from the configuration: PostgreSQL with its timeouts, or the data dir. */
export function storeOptionsFromConfig(
  config: Pick<
    Config,
    "databaseUrl" | "databaseQueryTimeoutMs" | "databaseConnectTimeoutMs" | "dataDir"
  >,
  onWarning?: (sentence: string) => void,
): StoreOptions {
  return config.databaseUrl
    ? {
        databaseUrl: config.databaseUrl,
        queryTimeoutMs: config.databaseQueryTimeoutMs,
        connectTimeoutMs: config.databaseConnectTimeoutMs,
      }
    : { dataDir: config.dataDir, ...(onWarning ? { onWarning } : {}) };
}

export async function openStore(opts: StoreOptions): Promise<Store> {
  return "dataDir" in opts ? openEmbedded(opts) : openPostgres(opts);
}

async function openEmbedded({ dataDir, onWarning }: EmbeddedOptions): Promise<Store> {
  await refuseSharedDataDir(dataDir);
  try {
    // Owner-only: the database holds API key hashes.
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw asStoreError(err, `cannot create the data dir ${dataDir}`);
  }
  const path = sqlitePathOf(dataDir);
  const lock = await acquireStoreLock(dataDir, onWarning ? { onWarning } : {});
  let db: Kysely<Database> | undefined;
  try {
    await refuseUnmigratedPglite(dataDir);
    // Loaded on use, as node-postgres is: a PostgreSQL deployment never needs the SQLite driver.
    const { openSqliteFile, sqliteDialect } = await import("./sqlite.js");
    db = new Kysely<Database>({
      dialect: sqliteDialect(await openSqliteFile(path, dataDir), dataDir),
    });
    await migrateToLatest(db, undefined);
    return storeOf(db, "sqlite", `the embedded database ${path}`, lock.release);
  } catch (err) {
    await db?.destroy().catch(() => undefined);
    await lock.release();
    throw asStoreError(err, `cannot open the embedded database ${path}`);
  }
}

/**
 * Migrations may wait for another replica's (an advisory lock) or rebuild an index on a large
 * table: they run on a connection of their own, without the serving query timeout.
 */
const MIGRATION_TIMEOUT_MS = 10 * 60_000;

/**
 * The embedded database, its lock and the admin socket live in the data dir: anyone who may
 * write there may replace them. One made by modelgate is owner-only; one that already existed
 * must be too.
 */
async function refuseSharedDataDir(dataDir: string): Promise<void> {
  let mode: number;
  try {
    mode = (await stat(dataDir)).mode;
  } catch (err) {
    if (errorCode(err) === "ENOENT") return; // created below, owner-only
    throw asStoreError(err, `cannot read the data dir ${dataDir}`);
  }
  if ((mode & 0o022) === 0) return;
  const who = [mode & 0o020 ? "its group" : "", mode & 0o002 ? "every user" : ""]
    .filter(Boolean)
    .join(" and ");
  throw new ModelgateError(
    "store_unavailable",
    `the data dir ${dataDir} is writable by ${who} (mode ${(mode & 0o777).toString(8)}): ` +
      "anyone who can write there can replace the database, its lock or the admin socket; " +
      `make it yours alone with: chmod 700 ${dataDir}`,
  );
}

async function openPostgres(opts: PostgresOptions): Promise<Store> {
  // Loaded on use: node-postgres costs ~10 MB of memory the embedded store never needs.
  const { parseTarget, postgresDialect } = await import("./postgres.js");
  const target = parseTarget(opts.databaseUrl);
  const migrator = new Kysely<Database>({
    dialect: postgresDialect({ ...opts, poolMax: 1, queryTimeoutMs: MIGRATION_TIMEOUT_MS }, target),
  });
  try {
    await migrate(migrator);
  } catch (err) {
    throw asStoreError(err, `cannot open PostgreSQL at ${target.label}`);
  } finally {
    await migrator.destroy().catch(() => undefined);
  }
  const db = new Kysely<Database>({ dialect: postgresDialect(opts, target) });
  return storeOf(db, "postgres", `PostgreSQL at ${target.label}`);
}

async function migrate(db: Kysely<Database>): Promise<void> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(
    db,
  );
  const schema = rows[0]?.schema;
  if (!schema) {
    throw new ModelgateError(
      "store_unavailable",
      "no schema on the connection's search_path exists: create it, or fix search_path " +
        "(options=-c search_path=... in DATABASE_URL)",
    );
  }
  await migrateToLatest(db, schema);
}

function storeOf(
  db: Kysely<Database>,
  kind: StoreKind,
  label: string,
  release?: () => Promise<void>,
): Store {
  let closing: Promise<void> | undefined;
  return {
    db,
    kind,
    label,
    close() {
      closing ??= (async () => {
        try {
          await db.destroy();
        } finally {
          await release?.();
        }
      })();
      return closing;
    },
  };
}
