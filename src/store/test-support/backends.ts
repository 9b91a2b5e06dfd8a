/**
 * The two places store tests run: SQLite in a fresh temp dir, and the machine's PostgreSQL in
 * a fresh schema with a random name (picked through search_path in the connection options, so
 * test files running in parallel never see each other's tables), dropped afterwards.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { sql } from "kysely";
import { openStore } from "../open.js";
import type { Store, StoreKind, StoreOptions } from "../open.js";
import type { ModelSpec } from "../../spec/index.js";

export const TEST_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test";

export interface TestBackend {
  readonly kind: StoreKind;
  /** Make an empty place to open a store in. */
  setup(): Promise<void>;
  /** openStore options for that place. */
  options(): StoreOptions;
  teardown(): Promise<void>;
}

export function sqliteBackend(): TestBackend {
  let dir = "";
  return {
    kind: "sqlite",
    async setup() {
      dir = await mkdtemp(join(tmpdir(), "modelgate-store-"));
    },
    options: () => ({ dataDir: dir }),
    async teardown() {
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface PostgresTestBackend extends TestBackend {
  readonly schema: string;
  readonly databaseUrl: string;
}

export function postgresBackend(): PostgresTestBackend {
  const schema = `mg_test_${randomBytes(6).toString("hex")}`;
  const databaseUrl = urlWithSchema(schema);
  return {
    kind: "postgres",
    schema,
    databaseUrl,
    setup: () => admin(`create schema ${schema}`),
    options: () => ({ databaseUrl }),
    teardown: () => admin(`drop schema if exists ${schema} cascade`),
  };
}

export function testBackends(): TestBackend[] {
  return [sqliteBackend(), postgresBackend()];
}

export function urlWithSchema(schema: string): string {
  return `${TEST_DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

/** One statement on the test database, outside any store. */
export async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Open one store for the whole describe block; empty its tables before each test. */
export function useStore(backend: TestBackend): () => Store {
  let store: Store | undefined;
  beforeAll(async () => {
    await backend.setup();
    store = await openStore(backend.options());
  });
  afterAll(async () => {
    await store?.close();
    await backend.teardown();
  });
  beforeEach(async () => {
    const tables = [
      "models",
      "api_keys",
      "meta",
      "usage_events",
      "usage_hourly",
      "usage_daily",
    ] as const;
    if (backend.kind === "postgres") {
      await sql`truncate ${sql.join(tables.map((t) => sql.table(t)))}`.execute(current());
    } else {
      for (const table of tables) await current().deleteFrom(table).execute();
    }
  });
  function current(): Store["db"] {
    if (!store) throw new Error("the store is opened in beforeAll");
    return store.db;
  }
  return () => {
    if (!store) throw new Error("the store is opened in beforeAll");
    return store;
  };
}

/** A small spec of the right shape; the store keeps it as data and never validates it. */
export const SPEC: ModelSpec = {
  modelgate: 1,
  id: "21",
  name: "Lead scoring",
  version: "1.0.0",
  max_batch_size: 8,
  runtime: { type: "onnx", file: "model.onnx", input: "x", output: "p", positive_class_index: 1 },
  inputs: {
    type: "object",
    properties: { company_size: { type: "integer", minimum: 1 } },
    required: ["company_size"],
    additionalProperties: false,
  },
  features: [
    { name: "size", field: "company_size", kind: "numeric", transform: "log1p", default: 1 },
  ],
  outputs: [{ name: "lead_score", kind: "scale", source: "probability", multiply: 100, add: 0 }],
};
