import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isModelgateError } from "../errors.js";
import { Kysely } from "kysely";
import type { CompiledQuery, DatabaseConnection, Dialect, Driver } from "kysely";
import { MIGRATION_TABLE, MIGRATIONS, migrateToLatest } from "./migrations.js";
import { openStore } from "./open.js";
import type { Store } from "./open.js";
import { parseTarget, postgresDialect } from "./postgres.js";
import type { Database } from "./schema.js";
import { postgresBackend, urlWithSchema } from "./test-support/backends.js";
import { tcpProxy } from "../cluster/test-support/tcp-proxy.js";
import type { TcpProxy } from "../cluster/test-support/tcp-proxy.js";

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isModelgateError(error)) throw new Error(`expected a ModelgateError, got ${String(error)}`);
  return { code: error.code, message: error.message };
}

describe("PostgreSQL store", () => {
  const backend = postgresBackend();
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it("three instances opening at once migrate exactly once, without error", async () => {
    const stores = await Promise.all([1, 2, 3].map(() => openStore(backend.options())));
    try {
      for (const store of stores) {
        const { rows } = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}
          order by name`.execute(store.db);
        expect(rows.map((r) => r.name)).toEqual(Object.keys(MIGRATIONS));
        expect(await store.db.selectFrom("models").select("id").execute()).toEqual([]);
      }
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it("concurrent migrators: one applies each migration, the others find nothing to do", async () => {
    const fresh = postgresBackend();
    await fresh.setup();
    const { databaseUrl, schema } = fresh;
    const dbs = [1, 2, 3].map(
      () =>
        new Kysely<Database>({
          dialect: postgresDialect({ databaseUrl }, parseTarget(databaseUrl)),
        }),
    );
    try {
      const applied = await Promise.all(dbs.map((db) => migrateToLatest(db, schema)));
      expect(applied.flat()).toEqual(Object.keys(MIGRATIONS));
    } finally {
      await Promise.all(dbs.map((db) => db.destroy()));
      await fresh.teardown();
    }
  });

  it("a table another schema drops while Kysely lists the tables is listed again, not a failed start", async () => {
    const fresh = postgresBackend();
    await fresh.setup();
    const { databaseUrl, schema } = fresh;
    // Kysely lists the catalog to find its own table; the listing fails as PostgreSQL answers
    // when a table of another schema goes meanwhile (`failWith` names the relation).
    let failWith: string | null = null;
    let failures = 0;
    const base = postgresDialect({ databaseUrl }, parseTarget(databaseUrl));
    const dialect: Dialect = {
      createAdapter: () => base.createAdapter(),
      createIntrospector: (db) => base.createIntrospector(db),
      createQueryCompiler: () => base.createQueryCompiler(),
      createDriver: () => {
        const driver = base.createDriver();
        const originals = new Map<DatabaseConnection, DatabaseConnection>();
        const wrapped: Driver = {
          init: () => driver.init(),
          destroy: () => driver.destroy(),
          beginTransaction: (c, settings) =>
            driver.beginTransaction(originals.get(c) ?? c, settings),
          commitTransaction: (c) => driver.commitTransaction(originals.get(c) ?? c),
          rollbackTransaction: (c) => driver.rollbackTransaction(originals.get(c) ?? c),
          releaseConnection: (c) => driver.releaseConnection(originals.get(c) ?? c),
          async acquireConnection() {
            const connection = await driver.acquireConnection();
            const failing: DatabaseConnection = {
              executeQuery<R>(query: CompiledQuery) {
                if (failWith !== null && query.sql.includes("pg_catalog")) {
                  failures += 1;
                  const relation = failWith;
                  if (relation.startsWith("mg_other")) failWith = null; // once
                  return Promise.reject(
                    Object.assign(new Error(`relation "${relation}" does not exist`), {
                      code: "42P01",
                    }),
                  );
                }
                return connection.executeQuery<R>(query);
              },
              streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
            };
            originals.set(failing, connection);
            return failing;
          },
        };
        return wrapped;
      },
    };
    const db = new Kysely<Database>({ dialect });
    try {
      failWith = "mg_other_schema.api_keys";
      expect(await migrateToLatest(db, schema)).toEqual(Object.keys(MIGRATIONS));
      expect(failures).toBe(1);
      // Our own schema's table missing is not listed again: that is a real failure.
      failures = 0;
      failWith = `${schema}.models`;
      const { code } = await failure(migrateToLatest(db, schema));
      expect(code).toBe("store_unavailable");
      expect(failures).toBe(1);
    } finally {
      failWith = null;
      await db.destroy();
      await fresh.teardown();
    }
  });

  it("a server that is down is store_unavailable naming host:port, never the password", async () => {
    const { code, message } = await failure(
      openStore({ databaseUrl: "postgres://modelgate:s3cret%2Fpw@127.0.0.1:1/prod" }),
    );
    expect(code).toBe("store_unavailable");
    expect(message).toContain("127.0.0.1:1");
    expect(message).not.toContain("s3cret");
  });

  it("an unparsable DATABASE_URL is refused without echoing it", async () => {
    const { code, message } = await failure(openStore({ databaseUrl: "postgres://u:s3cret@[bad" }));
    expect(code).toBe("store_unavailable");
    expect(message).not.toContain("s3cret");
  });

  it("a search_path naming no schema is refused with what to fix", async () => {
    const { code, message } = await failure(
      openStore({ databaseUrl: urlWithSchema("mg_missing_schema") }),
    );
    expect(code).toBe("store_unavailable");
    expect(message).toContain("search_path");
  });

  it("a query past the statement timeout is store_unavailable", async () => {
    const store = await openStore({ ...backend.options(), queryTimeoutMs: 100 });
    try {
      const { code, message } = await failure(sql`select pg_sleep(2)`.execute(store.db));
      expect(code).toBe("store_unavailable");
      expect(message).toContain("statement timeout (100 ms)");
    } finally {
      await store.close();
    }
  });

  it("the server going away mid-query is store_unavailable, and the process survives", async () => {
    const proxy = await tcpProxy("127.0.0.1", 5432);
    const url = new URL(backend.databaseUrl);
    url.port = String(proxy.port);
    const store = await openStore({ databaseUrl: url.toString() });
    try {
      const running = failure(sql`select pg_sleep(5)`.execute(store.db));
      await new Promise((r) => setTimeout(r, 200));
      await proxy.stop();
      const { code, message } = await running;
      expect(code).toBe("store_unavailable");
      expect(message).toContain(`127.0.0.1:${proxy.port}`);
      // Back again: the pool replaced the broken connection.
      await proxy.start();
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(store.db);
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await store.close();
      await proxy.stop();
    }
  });

  describe("a server that goes silent (packets swallowed, nothing refused)", () => {
    let proxy: TcpProxy;
    let store: Store;
    beforeEach(async () => {
      proxy = await tcpProxy("127.0.0.1", 5432);
      const url = new URL(backend.databaseUrl);
      url.port = String(proxy.port);
      store = await openStore({
        databaseUrl: url.toString(),
        queryTimeoutMs: 300,
        connectTimeoutMs: 300,
      });
    });
    afterEach(async () => {
      await store.close();
      await proxy.stop();
    });
    const one = () => sql<{ one: number }>`select 1 as one`.execute(store.db);

    it("a query is store_unavailable after the read timeout, naming it", async () => {
      expect((await one()).rows).toEqual([{ one: 1 }]);
      proxy.blackhole();
      const { code, message } = await failure(one());
      expect(code).toBe("store_unavailable");
      expect(message).toContain(`PostgreSQL at 127.0.0.1:${proxy.port}`);
      expect(message).toContain("did not answer within 1300 ms");
      // New connections are swallowed too: the connect timeout says so.
      const next = await failure(one());
      expect(next.code).toBe("store_unavailable");
    });

    it("after the network returns, every query gets a live connection", async () => {
      // Several pooled connections, idle when the network goes silent.
      await Promise.all(
        Array.from({ length: 6 }, () => sql`select pg_sleep(0.05)`.execute(store.db)),
      );
      proxy.blackhole();
      expect((await failure(one())).code).toBe("store_unavailable");
      proxy.heal();
      // The idle connections lived through the blackhole and will never answer: none of these
      // may be handed one (each would fail after the read timeout).
      const results = await Promise.allSettled(Array.from({ length: 6 }, () => one()));
      expect(results.map((r) => r.status)).toEqual(Array<string>(6).fill("fulfilled"));
    });

    it("close() cuts a query waiting on a silent server instead of waiting it out", async () => {
      const url = new URL(backend.databaseUrl);
      url.port = String(proxy.port);
      // The read timeout (61 s) is longer than any test: only close() can end this query.
      const patient = await openStore({ databaseUrl: url.toString(), queryTimeoutMs: 60_000 });
      await sql`select 1`.execute(patient.db);
      proxy.blackhole();
      const hanging = failure(sql`select 1`.execute(patient.db));
      await new Promise((r) => setTimeout(r, 100)); // the query is on the wire
      await patient.close();
      const { code, message } = await hanging;
      expect(code).toBe("store_unavailable");
      expect(message).toMatch(/Connection terminated/);
    });
  });
});
