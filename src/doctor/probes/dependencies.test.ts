/**
 * The dependency probes against the machine's real PostgreSQL and Redis, a port nothing listens
 * on, and a listener that accepts and never answers (what a dropped security-group rule behind a
 * proxy looks like).
 */
import { createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Masker } from "../mask.js";
import { runProbe } from "../run-probe.js";
import { postgresProbe, redisProbe } from "./dependencies.js";

const masker = new Masker();
let silent: Server;
let silentPort = 0;
let closedPort = 0;
const sockets = new Set<Socket>();

beforeAll(async () => {
  silent = createServer((s) => {
    sockets.add(s);
    s.on("data", () => undefined);
    s.on("error", () => undefined);
  });
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  silentPort = (silent.address() as { port: number }).port;
  // A port that was free a moment ago: connection refused.
  const tmp = createServer();
  await new Promise<void>((r) => tmp.listen(0, "127.0.0.1", r));
  closedPort = (tmp.address() as { port: number }).port;
  await new Promise<void>((r) => tmp.close(() => r()));
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => silent.close(() => r()));
});

describe("redisProbe", () => {
  it("finds the local Redis answering PING, and says from which host", async () => {
    const out = await runProbe(
      redisProbe({ url: "redis://127.0.0.1:6379", origin: "--redis-url" }, undefined, 15_000),
      masker,
    );
    expect(out.state).toBe("ok");
    expect(out.summary).toMatch(
      /^Redis at 127\.0\.0\.1:6379 answers PING in \d+ ms from host \S+ \(local address 127\.0\.0\.1\)\.$/,
    );
    expect(out.data).toMatchObject({ reachable: true, stage: "ok" });
  });

  it("says a refused connection is refused", async () => {
    const out = await runProbe(
      redisProbe(
        { url: `redis://127.0.0.1:${closedPort}`, origin: "--redis-url" },
        undefined,
        15_000,
      ),
      masker,
    );
    expect(out.state).toBe("problem");
    expect(out.summary).toContain(`127.0.0.1:${closedPort}: connection refused`);
    expect(out.data).toMatchObject({ reachable: false, stage: "connect" });
  });

  it("says a silent server accepted and never answered, with the address and the timeout", async () => {
    const out = await runProbe(
      redisProbe({ url: `redis://127.0.0.1:${silentPort}`, origin: "--redis-url" }, undefined, 500),
      masker,
    );
    expect(out.state).toBe("problem");
    expect(out.summary).toContain(
      `127.0.0.1:${silentPort} accepted the connection but sent no Redis answer within 0.5 s`,
    );
    expect(out.data).toMatchObject({ reachable: false, stage: "answer", timeoutMs: 500 });
    expect(out.ms).toBeGreaterThanOrEqual(500);
  });

  it("sends AUTH when a password is configured, and never shows it", async () => {
    const probeMasker = new Masker();
    probeMasker.add("not-the-password-123");
    const out = await runProbe(
      redisProbe(
        { url: "redis://127.0.0.1:6379", origin: "--redis-url" },
        "not-the-password-123",
        15_000,
      ),
      probeMasker,
    );
    // The local Redis has no password: AUTH is refused, and that is reported as reachable.
    expect(out.data).toMatchObject({ reachable: true });
    expect(JSON.stringify(out)).not.toContain("not-the-password-123");
  });
});

describe("postgresProbe", () => {
  it("finds the local PostgreSQL answering and accepting the login", async () => {
    const out = await runProbe(
      postgresProbe(
        { url: "postgres://postgres@127.0.0.1:5432/test", origin: "--database-url" },
        15_000,
      ),
      masker,
    );
    expect(out.state, out.summary).toBe("ok");
    expect(out.summary).toContain("PostgreSQL at 127.0.0.1:5432 answers and accepts the login");
  });

  it("tells a silent port from PostgreSQL", async () => {
    const out = await runProbe(
      postgresProbe(
        { url: `postgres://u:pw-xyz-secret@127.0.0.1:${silentPort}/db`, origin: "DATABASE_URL" },
        500,
      ),
      masker,
    );
    expect(out.state).toBe("problem");
    expect(out.summary).toContain(
      `127.0.0.1:${silentPort} accepted the connection but sent no PostgreSQL answer within 0.5 s`,
    );
  });

  it("reports a login PostgreSQL refuses as reachable but failing", async () => {
    const out = await runProbe(
      postgresProbe(
        {
          url: "postgres://postgres@127.0.0.1:5432/no_such_database_here",
          origin: "--database-url",
        },
        15_000,
      ),
      masker,
    );
    expect(out.state).toBe("problem");
    expect(out.data).toMatchObject({ reachable: true, stage: "login" });
    expect(out.summary).toContain("no_such_database_here");
  });

  it("skips, saying why, when there is no address", async () => {
    const out = await runProbe(postgresProbe(null, 500), masker);
    expect(out.state).toBe("skipped");
    expect(out.summary).toMatch(/no DATABASE_URL/);
  });
});
