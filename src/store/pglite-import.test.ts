import { access, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isModelgateError } from "../errors.js";
import { keyRepository } from "./keys.js";
import { metaRepository } from "./meta.js";
import { migrateToLatest } from "./migrations.js";
import { modelRepository } from "./models.js";
import { openStore } from "./open.js";
import { PGliteDialect } from "./pglite-dialect.js";
import { migrateFromPglite } from "./pglite-import.js";
import { MIGRATE_COMMAND, MIGRATED_SUFFIX } from "./pglite-legacy.js";
import type { Database } from "./schema.js";
import { SPEC } from "./test-support/backends.js";
import { usageRepository } from "./usage.js";
import type { UsageEvent } from "./usage.js";

const AT = new Date("2025-06-01T12:00:00.123Z");

function event(n: number): UsageEvent {
  return {
    at: new Date(AT.getTime() + n * 1_000),
    keyId: "key_1",
    userId: "user_1",
    modelId: "21",
    status: n % 5 === 0 ? 503 : 200,
    batchSize: 2,
    latencyMs: 4 + n,
    requestId: `req_${n}`,
  };
}

/** A data dir as modelgate 0.1 left it: PGlite in db/, usage records in usage.ndjson. */
async function legacyDataDir(dataDir: string): Promise<void> {
  const { PGlite } = await import("@electric-sql/pglite");
  const db = new Kysely<Database>({
    dialect: new PGliteDialect(await PGlite.create(join(dataDir, "db"))),
  });
  try {
    await migrateToLatest(db, "public");
    await modelRepository(db).upsert({
      id: "21",
      name: "Lead scoring",
      version: "1.0.0",
      description: "the example",
      source: "builtin:lead-scoring",
      spec: SPEC,
      maxBatchSize: 8,
      warm: true,
    });
    await keyRepository(db).insert({
      id: "key_1",
      name: "partner",
      userId: "user_1",
      prefix: "mg_abc",
      hash: "cd".repeat(32),
      scopes: ["predict"],
      modelIds: ["21"],
      expiresAt: new Date("2030-01-01T00:00:00.000Z"),
      rateLimitPerHour: 100,
    });
    await keyRepository(db).revoke("key_1", new Date("2025-07-01T00:00:00.000Z"));
    await metaRepository(db).set("bootstrap_admin_key", { key_id: "key_1" });
    await usageRepository(db).insertMany([event(0), event(1)]);
  } finally {
    await db.destroy();
  }
  const logged = [2, 3, 4, 5, 6].map((n) => {
    const e = event(n);
    return JSON.stringify({
      at: e.at.toISOString(),
      key_id: e.keyId,
      user_id: e.userId,
      model_id: e.modelId,
      status: e.status,
      batch_size: e.batchSize,
      latency_ms: e.latencyMs,
      request_id: e.requestId,
    });
  });
  // The last line cut by a crash mid-write: never counted, never copied.
  await writeFile(join(dataDir, "usage.ndjson"), `${logged.join("\n")}\n{"at":"2025-06`);
}

describe("migrate-from-pglite", () => {
  let dataDir = "";
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "modelgate-pglite-"));
    await legacyDataDir(dataDir);
  }, 300_000);
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it("serve refuses the old data dir, naming the command that migrates it", async () => {
    const error = await openStore({ dataDir }).catch((err: unknown) => err);
    expect(isModelgateError(error) && error.code).toBe("store_unavailable");
    expect(String(error)).toContain(`the data dir ${dataDir} holds the store of an earlier`);
    expect(String(error)).toContain(`\`${MIGRATE_COMMAND}\``);
  });

  it("copies models, keys, meta and usage (table and log), then keeps the old files aside", async () => {
    const result = await migrateFromPglite(dataDir);
    expect(result).toMatchObject({
      copied: true,
      models: 1,
      keys: 1,
      meta: 1,
      usageFromTable: 2,
      usageFromLog: 5,
    });
    expect(result.keptAs).toEqual([
      join(dataDir, `db${MIGRATED_SUFFIX}`),
      join(dataDir, `usage.ndjson${MIGRATED_SUFFIX}`),
    ]);
    for (const kept of result.keptAs) await access(kept);

    const store = await openStore({ dataDir });
    try {
      const model = await modelRepository(store.db).get("21");
      expect(model).toMatchObject({ source: "builtin:lead-scoring", warm: true, spec: SPEC });
      const key = await keyRepository(store.db).findByPrefix("mg_abc");
      expect(key).toMatchObject({
        id: "key_1",
        hash: "cd".repeat(32),
        scopes: ["predict"],
        modelIds: ["21"],
        expiresAt: new Date("2030-01-01T00:00:00.000Z"),
        revokedAt: new Date("2025-07-01T00:00:00.000Z"),
        rateLimitPerHour: 100,
      });
      expect(await metaRepository(store.db).get("bootstrap_admin_key")).toEqual({
        key_id: "key_1",
      });
      const usage = usageRepository(store.db);
      expect(await usage.count()).toBe(7);
      expect(await usage.summarize()).toEqual([
        expect.objectContaining({
          keyId: "key_1",
          modelId: "21",
          requests: 7,
          errors: 2, // req_0 and req_5
          rows: 10,
          firstAt: event(0).at,
          lastAt: event(6).at,
        }),
      ]);
    } finally {
      await store.close();
    }
  });

  it("a second run finds nothing to migrate and says so", async () => {
    const error = await migrateFromPglite(dataDir).catch((err: unknown) => err);
    expect(isModelgateError(error) && error.code).toBe("invalid_request");
    expect(String(error)).toContain("nothing to migrate");
  });
});
