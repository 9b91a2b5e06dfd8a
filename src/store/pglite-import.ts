/**
 * `modelgate store migrate-from-pglite`: copies a PGlite data dir (modelgate ≤ 0.1) into the
 * SQLite store — models, API keys (hashes, expiry, revocation, last use), meta (the bootstrap
 * claim) and usage records, from the usage_events table and from usage.ndjson.
 *
 * Nothing is lost on the way: the copy is written to a temporary file that is renamed into
 * place only when complete, and only then are the old folder and log renamed aside (kept, not
 * deleted). Run twice, or after a crash, it finishes what is left. PGlite is imported here only,
 * on demand: a server never loads it.
 */
import { createReadStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Kysely } from "kysely";
import type { Selectable } from "kysely";
import { ModelgateError } from "../errors.js";
import { asStoreError, errorCode } from "./db-errors.js";
import { acquireStoreLock } from "./lock.js";
import { migrateToLatest } from "./migrations.js";
import { PGliteDialect } from "./pglite-dialect.js";
import { MIGRATED_SUFFIX, PGLITE_DIR, USAGE_LOG_FILE, hasPglite } from "./pglite-legacy.js";
import type { ApiKeysTable, Database, MetaTable, ModelsTable, UsageEventsTable } from "./schema.js";
import { openSqliteFile, sqliteDialect, sqlitePathOf } from "./sqlite.js";
import type { UsageEvent } from "./usage.js";
import { usageRepository } from "./usage.js";

export interface PgliteImport {
  dataDir: string;
  /** false: a previous run had copied everything; this one only moved the old files aside. */
  copied: boolean;
  models: number;
  keys: number;
  meta: number;
  /** From the old usage_events table and from usage.ndjson. */
  usageFromTable: number;
  usageFromLog: number;
  /** Where the old files are now. */
  keptAs: string[];
}

/** Usage records a write (one transaction, rollups included). */
const USAGE_CHUNK = 5_000;

export async function migrateFromPglite(dataDir: string): Promise<PgliteImport> {
  const target = sqlitePathOf(dataDir);
  if (!(await hasPglite(dataDir))) {
    const already = await exists(target);
    throw new ModelgateError(
      "invalid_request",
      already
        ? `nothing to migrate: ${dataDir} already holds the SQLite store (${target}) and no PGlite one`
        : `nothing to migrate: ${dataDir} holds no PGlite store (no ${join(dataDir, PGLITE_DIR, "PG_VERSION")}); check MODELGATE_DATA_DIR`,
    );
  }
  // No server may run on it (an older modelgate holds this same lock).
  const lock = await acquireStoreLock(dataDir);
  try {
    const result: PgliteImport = {
      dataDir,
      copied: false,
      models: 0,
      keys: 0,
      meta: 0,
      usageFromTable: 0,
      usageFromLog: 0,
      keptAs: [],
    };
    // A previous run renamed its complete copy into place, then stopped before moving the old
    // files aside: the copy stands, only that is left to do.
    if (!(await exists(target))) {
      await copyInto(dataDir, target, result);
      result.copied = true;
    }
    for (const name of [PGLITE_DIR, USAGE_LOG_FILE]) {
      const from = join(dataDir, name);
      if (!(await exists(from))) continue;
      const to = `${from}${MIGRATED_SUFFIX}`;
      await rm(to, { recursive: true, force: true });
      await rename(from, to);
      result.keptAs.push(to);
    }
    return result;
  } finally {
    await lock.release();
  }
}

async function copyInto(dataDir: string, target: string, result: PgliteImport): Promise<void> {
  const temp = `${target}.importing`;
  for (const leftover of [temp, `${temp}-wal`, `${temp}-shm`]) await rm(leftover, { force: true });
  const source = await openPglite(join(dataDir, PGLITE_DIR));
  let copy: Kysely<Database> | undefined;
  try {
    copy = new Kysely<Database>({
      dialect: sqliteDialect(await openSqliteFile(temp, dataDir), dataDir),
    });
    await migrateToLatest(copy, undefined);
    await copyTables(source, copy, result);
    const usage = usageRepository(copy);
    result.usageFromTable = await copyUsageTable(source, (events) => usage.insertMany(events));
    result.usageFromLog = await copyUsageLog(join(dataDir, USAGE_LOG_FILE), (events) =>
      usage.insertMany(events),
    );
  } catch (err) {
    await copy?.destroy().catch(() => undefined);
    await rm(temp, { force: true });
    throw asStoreError(err, `cannot copy the PGlite store in ${dataDir}`);
  } finally {
    await source.destroy().catch(() => undefined);
  }
  // Closing the last connection checkpoints the WAL into the file and removes it.
  await copy.destroy();
  await rename(temp, target);
}

async function openPglite(folder: string): Promise<Kysely<Database>> {
  try {
    // Loaded on demand: the WASM build takes ~800 MB and only this command needs it.
    const { PGlite } = await import("@electric-sql/pglite");
    const pglite = await PGlite.create(folder);
    return new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  } catch (err) {
    throw asStoreError(err, `cannot open the PGlite store in ${folder}`);
  }
}

async function copyTables(
  source: Kysely<Database>,
  copy: Kysely<Database>,
  result: PgliteImport,
): Promise<void> {
  const models: Selectable<ModelsTable>[] = await source.selectFrom("models").selectAll().execute();
  const keys: Selectable<ApiKeysTable>[] = await source
    .selectFrom("api_keys")
    .selectAll()
    .execute();
  const meta: Selectable<MetaTable>[] = await source.selectFrom("meta").selectAll().execute();
  await copy.transaction().execute(async (trx) => {
    for (const m of models) {
      await trx
        .insertInto("models")
        .values({ ...m, spec: JSON.stringify(m.spec) })
        .execute();
    }
    for (const k of keys) await trx.insertInto("api_keys").values(k).execute();
    for (const m of meta) {
      await trx
        .insertInto("meta")
        .values({ key: m.key, value: JSON.stringify(m.value) })
        .execute();
    }
  });
  result.models = models.length;
  result.keys = keys.length;
  result.meta = meta.length;
}

/** The old usage_events table (PostgreSQL-only then, usually empty in a PGlite store). */
async function copyUsageTable(
  source: Kysely<Database>,
  write: (events: UsageEvent[]) => Promise<void>,
): Promise<number> {
  let copied = 0;
  let after: string | number = 0;
  for (;;) {
    const rows: Selectable<UsageEventsTable>[] = await source
      .selectFrom("usage_events")
      .selectAll()
      .where("id", ">", after)
      .orderBy("id")
      .limit(USAGE_CHUNK)
      .execute()
      .catch((err: unknown) => {
        // A store from before usage records were kept (42P01: no such table).
        if (errorCode(err) === "42P01") return [];
        throw err;
      });
    if (rows.length === 0) return copied;
    await write(
      rows.map((r) => ({
        at: r.at,
        keyId: r.key_id,
        userId: r.user_id,
        modelId: r.model_id,
        status: r.status,
        batchSize: r.batch_size,
        latencyMs: r.latency_ms,
        requestId: r.request_id,
      })),
    );
    copied += rows.length;
    after = rows[rows.length - 1]?.id ?? after;
  }
}

interface LoggedEvent {
  at: string;
  key_id: string;
  user_id: string;
  model_id: string;
  status: number;
  batch_size: number;
  latency_ms: number;
  request_id: string;
}

/** usage.ndjson, streamed; a line cut by a crash mid-write never completed and is skipped. */
async function copyUsageLog(
  path: string,
  write: (events: UsageEvent[]) => Promise<void>,
): Promise<number> {
  if (!(await exists(path))) return 0;
  let copied = 0;
  let batch: UsageEvent[] = [];
  const lines = createInterface({ input: createReadStream(path, "utf8"), crlfDelay: Infinity });
  for await (const text of lines) {
    const event = parseLine(text);
    if (!event) continue;
    batch.push(event);
    if (batch.length >= USAGE_CHUNK) {
      await write(batch);
      copied += batch.length;
      batch = [];
    }
  }
  if (batch.length > 0) await write(batch);
  return copied + batch.length;
}

function parseLine(text: string): UsageEvent | undefined {
  if (!text) return undefined;
  let r: LoggedEvent;
  try {
    r = JSON.parse(text) as LoggedEvent;
  } catch {
    return undefined;
  }
  const at = new Date(r.at);
  if (Number.isNaN(at.getTime())) return undefined;
  return {
    at,
    keyId: String(r.key_id),
    userId: String(r.user_id),
    modelId: String(r.model_id),
    status: Number(r.status),
    batchSize: Number(r.batch_size),
    latencyMs: Number(r.latency_ms),
    requestId: String(r.request_id),
  };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
