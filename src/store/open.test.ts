import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "./open.js";
import { MIGRATION_TABLE, MIGRATIONS } from "./migrations.js";
import { testBackends } from "./test-support/backends.js";
import type { Store } from "./open.js";

describe.each(testBackends())("openStore ($kind)", (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  async function migrationNames(store: Store): Promise<string[]> {
    const { rows } = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}
      order by name`.execute(store.db);
    return rows.map((r) => r.name);
  }

  it("migrates on open, and opening again changes nothing", async () => {
    const first = await openStore(backend.options());
    expect(first.kind).toBe(backend.kind);
    expect(await migrationNames(first)).toEqual(Object.keys(MIGRATIONS));
    await first.db
      .insertInto("meta")
      .values({ key: "survives", value: JSON.stringify(true) })
      .execute();
    await first.close();

    const second = await openStore(backend.options());
    try {
      expect(await migrationNames(second)).toEqual(Object.keys(MIGRATIONS));
      const row = await second.db.selectFrom("meta").select("value").executeTakeFirst();
      expect(row?.value).toBe(true);
    } finally {
      await second.close();
    }
  });

  it("close is idempotent", async () => {
    const store = await openStore(backend.options());
    await Promise.all([store.close(), store.close()]);
    await store.close();
  });

  describe("transactions", () => {
    let store: Store;
    beforeAll(async () => {
      store = await openStore(backend.options());
    });
    afterAll(() => store.close());

    it("commit keeps writes and a throw rolls them back", async () => {
      await store.db.transaction().execute(async (trx) => {
        await trx.insertInto("meta").values({ key: "tx-commit", value: "1" }).execute();
      });
      const failing = store.db.transaction().execute(async (trx) => {
        await trx.insertInto("meta").values({ key: "tx-rollback", value: "1" }).execute();
        throw new Error("abort");
      });
      await expect(failing).rejects.toThrow("abort");
      const keys = await store.db.selectFrom("meta").select("key").execute();
      expect(keys.map((k) => k.key)).toContain("tx-commit");
      expect(keys.map((k) => k.key)).not.toContain("tx-rollback");
    });

    it("statements from elsewhere never land inside an open transaction", async () => {
      // On SQLite both share one connection: without the driver's mutex the outside insert would
      // run between BEGIN and ROLLBACK and vanish with the rollback.
      let release = (): void => undefined;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const tx = store.db
        .transaction()
        .execute(async (trx) => {
          await trx.insertInto("meta").values({ key: "inside", value: "1" }).execute();
          await held;
          throw new Error("rollback");
        })
        .catch(() => undefined);
      const outside = store.db.insertInto("meta").values({ key: "outside", value: "1" }).execute();
      setTimeout(release, 50);
      await Promise.all([tx, outside]);
      const keys = (await store.db.selectFrom("meta").select("key").execute()).map((k) => k.key);
      expect(keys).toContain("outside");
      expect(keys).not.toContain("inside");
    });

    it("runs savepoints in a controlled transaction", async () => {
      const trx = await store.db.startTransaction().execute();
      await trx.insertInto("meta").values({ key: "sp-outer", value: "1" }).execute();
      const sp = await trx.savepoint("inner").execute();
      await sp.insertInto("meta").values({ key: "sp-inner", value: "1" }).execute();
      const back = await sp.rollbackToSavepoint("inner").execute();
      await back.commit().execute();
      const keys = (await store.db.selectFrom("meta").select("key").execute()).map((k) => k.key);
      expect(keys).toContain("sp-outer");
      expect(keys).not.toContain("sp-inner");
    });
  });
});
