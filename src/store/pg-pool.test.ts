/**
 * TCP keepalive on the store's PostgreSQL connections, as the kernel sees them: an idle pooled
 * connection whose peer vanished (a partition, a host gone) is found dead by the kernel instead
 * of lingering until a query waits out its read timeout on it.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "./open.js";
import { postgresBackend } from "./test-support/backends.js";

const run = promisify(execFile);

describe("the PostgreSQL pool's connections", () => {
  const backend = postgresBackend();
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it("have TCP keepalive on (ss shows the kernel's keepalive timer on each)", async () => {
    const store = await openStore(backend.options());
    try {
      // The client's own port, as the server saw it: 127.0.0.1 directly, no proxy between.
      const ports = await Promise.all(
        Array.from({ length: 3 }, async () => {
          const { rows } = await sql<{
            port: number;
          }>`select inet_client_port() as port, pg_sleep(0.05)`.execute(store.db);
          return rows[0]?.port;
        }),
      );
      expect(new Set(ports).size).toBeGreaterThan(1); // several pooled connections, now idle
      for (const port of new Set(ports)) {
        const { stdout } = await run("ss", [
          "-tnoH",
          "state",
          "established",
          `( sport = :${String(port)} )`,
        ]);
        expect(stdout, `connection from port ${String(port)}`).toMatch(/timer:\(keepalive,/);
      }
    } finally {
      await store.close();
    }
  });
});
