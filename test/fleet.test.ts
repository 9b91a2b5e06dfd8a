/**
 * The fleet, for real: three `modelgate serve` processes on their own ports sharing one
 * PostgreSQL (a random schema) and one Redis (a random key prefix), as replicas behind a load
 * balancer would. Keys created on one work on all; a limit of N per hour allows N across them;
 * a revoke or a model removal anywhere (a replica, or the CLI on the database) reaches every
 * replica through the bus, before their caches could have expired by themselves; SIGTERM to a
 * replica under load loses no usage record of an answered request.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { socketAdminOps } from "../src/cli/admin-client.js";
import { openAdmin } from "../src/cli/admin.js";
import { runCli } from "../src/cli/main.js";
import { loadConfigOrThrow } from "../src/config/index.js";
import { adminSocketPath } from "../src/server/admin/socket.js";
import type { AdminOps } from "../src/server/admin/ops.js";
import type { FleetEnv, Replica } from "./support/fleet.js";
import { fleetEnv, startReplica, stopReplica } from "./support/fleet.js";
import { bannerKey } from "./support/cli.js";
import { SEED_INPUT } from "./support/service.js";

const BODY = JSON.stringify({ inputs: SEED_INPUT });

let fleet: FleetEnv;
let replicas: Replica[] = [];
let admins: AdminOps[] = [];
let adminKey = "";

beforeAll(async () => {
  fleet = await fleetEnv({
    USAGE_FLUSH_MS: "200",
    MODELGATE_SHUTDOWN_DRAIN_MS: "300",
  });
  // Started together, as a deployment starts them: migrations run once (advisory lock). Only
  // the first creates the admin key, so exactly one banner is printed.
  replicas = await Promise.all(
    [0, 1, 2].map((i) =>
      startReplica({
        ...fleet.env,
        MODELGATE_BOOTSTRAP_ADMIN_KEY: i === 0 ? "true" : "false",
      }),
    ),
  );
  admins = replicas.map((r) => socketAdminOps(adminSocketPath(r.dataDir)));
  adminKey = bannerKey(replicas[0]?.stderr() ?? "") ?? "";
}, 90_000);

afterAll(async () => {
  await Promise.all(replicas.map((r) => stopReplica(r)));
  await fleet?.dispose();
});

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function predict(replica: Replica, key: string): Promise<Answer> {
  const res = await fetch(`${replica.url}/api/v1/models/21/predict`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": key },
    body: BODY,
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as Record<string, unknown>,
  };
}

const replica = (i: number): Replica => {
  const r = replicas[i];
  if (!r) throw new Error(`no replica ${i}`);
  return r;
};
const adminOf = (i: number): AdminOps => {
  const a = admins[i];
  if (!a) throw new Error(`no admin socket ${i}`);
  return a;
};

/** AUTH_CACHE_TTL_MS and the registry's lifetime (src/serving/service.ts) on every replica. */
const KEY_CACHE_MS = 1_000;
const REGISTRY_CACHE_MS = 2_000;
/** A round whose change landed this close to a cache's end cannot tell the bus from the TTL. */
const MARGIN_MS = 150;
const ROUNDS = 4;

/**
 * One round of "did the bus tell them?": `prepare` makes each replica cache something no
 * earlier than the time it returns as the lower bound (`cachedFrom`), `change` changes it
 * elsewhere, and `gone` polls a replica until it sees the change. Without the bus a replica
 * keeps what it cached until `cachedFrom + lifetime` at the earliest, so seeing the change
 * before then proves it was told. A round whose change itself took too long to tell is run
 * again; a machine too loaded to ever tell fails the test rather than passing it blind.
 */
async function toldBeforeCachesExpire(
  lifetimeMs: number,
  round: () => {
    prepare(): Promise<number>;
    change(): Promise<void>;
    gone(r: Replica): Promise<boolean>;
    on: Replica[];
  },
): Promise<void> {
  const tooSlow: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const { prepare, change, gone, on } = round();
    const cachedFrom = await prepare();
    const expireAt = cachedFrom + lifetimeMs;
    await change();
    if (Date.now() > expireAt - MARGIN_MS) {
      tooSlow.push(Date.now() - cachedFrom);
      continue;
    }
    const seenAt = await Promise.all(
      on.map(async (r) => {
        while (!(await gone(r))) {
          if (Date.now() > expireAt + 5_000) return Infinity;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        return Date.now();
      }),
    );
    const late = seenAt.map((t) => t - expireAt).filter((ms) => ms >= 0);
    expect(late, `seen ${seenAt.map((t) => t - cachedFrom).join(", ")} ms after caching`).toEqual(
      [],
    );
    return;
  }
  throw new Error(
    `the change took ${tooSlow.join(", ")} ms in ${ROUNDS} rounds, past the ${lifetimeMs} ms ` +
      "cache lifetime: this machine is too loaded to tell whether the bus works",
  );
}

/** A new key, verified (and so cached) by each replica: the time before the first of them. */
async function keyCachedBy(on: Replica[], create: () => Promise<{ key: string; id: string }>) {
  const created = await create();
  const cachedFrom = Date.now();
  const first = await Promise.all(on.map((r) => predict(r, created.key)));
  for (const res of first) expect(res.status).toBe(200);
  return { ...created, cachedFrom };
}

async function refused(r: Replica, key: string): Promise<boolean> {
  const res = await predict(r, key);
  if (res.status === 401) {
    expect(res.body.code).toBe("api_key_revoked");
    return true;
  }
  expect(res.status).toBe(200);
  return false;
}

describe("three replicas sharing PostgreSQL and Redis", () => {
  it("start together, each ready with the shared store and Redis", async () => {
    expect(adminKey).toMatch(/^hk_live_/);
    expect(replicas.filter((r) => bannerKey(r.stderr()) !== undefined)).toHaveLength(1);
    for (const r of replicas) {
      const ready = (await (await fetch(`${r.url}/ready`)).json()) as {
        status: string;
        checks: { name: string; ok: boolean; reason: string }[];
      };
      expect(ready.checks.find((c) => c.name === "store")).toMatchObject({ ok: true });
      expect(ready.checks.find((c) => c.name === "redis")?.reason).toMatch(/^reachable at /);
    }
  });

  it("a key created through one replica works on all three at once", async () => {
    const created = await adminOf(0).createKey({ name: "everywhere", user_id: "partner" });
    for (const r of replicas) {
      const res = await predict(r, created.key);
      expect(res.status, r.tail()).toBe(200);
      expect(res.body.metadata).toMatchObject({ api_key_id: created.id, user_id: "partner" });
    }
  });

  it("a limit of N per hour allows exactly N across the replicas", async () => {
    const N = 30;
    const { key } = await adminOf(1).createKey({ name: "limited", rate_limit_per_hour: N });
    // 45 requests at once, spread over the three replicas.
    const answers = await Promise.all(
      Array.from({ length: 45 }, (_, i) => predict(replica(i % 3), key)),
    );
    const ok = answers.filter((a) => a.status === 200);
    const limited = answers.filter((a) => a.status === 429);
    // Once 29 of 30, from a count leased ahead and stranded in one replica (fixed: no lease near
    // the limit, src/auth/ratelimit/redis.ts): say what every answer was.
    const said = answers.map((a) => `${a.status} ${String(a.body.code ?? "")}`).join(", ");
    expect(ok, said).toHaveLength(N);
    expect(limited, said).toHaveLength(45 - N);
    // One shared counter: every remaining count was handed out exactly once.
    const remaining = ok.map((a) => Number(a.headers.get("x-ratelimit-remaining")));
    expect(new Set(remaining).size).toBe(N);
    expect(Math.min(...remaining)).toBe(0);
    for (const a of limited) {
      expect(a.body.code).toBe("rate_limited");
      expect(Number(a.headers.get("retry-after"))).toBeGreaterThan(3_000);
      expect(a.headers.get("x-ratelimit-limit")).toBe(String(N));
    }
  });

  it("a revoke on one replica reaches the others through the bus, before their caches expire", async () => {
    await toldBeforeCachesExpire(KEY_CACHE_MS, () => {
      let key = "";
      let id = "";
      const others = [replica(0), replica(2)];
      return {
        on: others,
        async prepare() {
          const cached = await keyCachedBy(others, () => adminOf(0).createKey({ name: "revoke" }));
          ({ key, id } = cached);
          return cached.cachedFrom;
        },
        change: async () => {
          await adminOf(1).revokeKey(id);
        },
        gone: (r) => refused(r, key),
      };
    });
  });

  it("a revoke by the CLI on the database reaches every replica through the bus", async () => {
    // The CLI's own session (src/cli/admin.ts): PostgreSQL directly, and the bus on Redis.
    const { config } = loadConfigOrThrow(fleet.env, { cwd: process.cwd() });
    const session = await openAdmin(config);
    try {
      expect(session.via).toBe("store");
      await toldBeforeCachesExpire(KEY_CACHE_MS, () => {
        let key = "";
        let id = "";
        return {
          on: replicas,
          async prepare() {
            const cached = await keyCachedBy(replicas, () =>
              session.ops.createKey({ name: "cli-revoke" }),
            );
            ({ key, id } = cached);
            return cached.cachedFrom;
          },
          change: async () => {
            await session.ops.revokeKey(id);
          },
          gone: (r) => refused(r, key),
        };
      });
    } finally {
      await session.close();
    }
    // And the command itself, end to end.
    const created = await adminOf(2).createKey({ name: "cli-command" });
    let stderr = "";
    const code = await runCli(["keys", "revoke", created.id, "--json"], {
      cwd: process.cwd(),
      env: fleet.env,
      stdout: { write: () => true },
      stderr: { write: (t: string) => (stderr += t) },
    });
    expect(code, stderr).toBe(0);
    for (const r of replicas) {
      const deadline = Date.now() + 5_000;
      while (!(await refused(r, created.key)) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await refused(r, created.key)).toBe(true);
    }
  });

  it("a model registered or removed through one replica is served or refused by all", async () => {
    let n = 0;
    const call = (r: Replica, id: string) =>
      fetch(`${r.url}/api/v1/models/${id}/predict`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": adminKey },
        body: BODY,
      }).then((res) => res.status);
    await toldBeforeCachesExpire(REGISTRY_CACHE_MS, () => {
      const id = `fleet-${22 + n++}`;
      return {
        on: [replica(0), replica(1)],
        async prepare() {
          // Each replica's registry that lists the model was read after it was registered.
          const registeredFrom = Date.now();
          await adminOf(0).registerModel({ id, source: "builtin:lead-scoring", spec: null });
          const served = await Promise.all(replicas.map((r) => call(r, id)));
          expect(served).toEqual([200, 200, 200]);
          return registeredFrom;
        },
        change: async () => {
          await adminOf(2).removeModel(id);
        },
        gone: async (r) => {
          const status = await call(r, id);
          expect([200, 404]).toContain(status);
          return status === 404;
        },
      };
    });
  });

  it("SIGTERM to a replica under load loses no usage record", async () => {
    const target = replica(2);
    const { id, key } = await adminOf(0).createKey({ name: "load", rate_limit_per_hour: 0 });
    const answered: { status: number; requestId: string; at: number }[] = [];
    let stopped = false;
    async function worker(): Promise<void> {
      while (!stopped) {
        try {
          const res = await fetch(`${target.url}/api/v1/models/21/predict`, {
            method: "POST",
            headers: { "content-type": "application/json", "x-api-key": key },
            body: BODY,
          });
          await res.arrayBuffer();
          answered.push({
            status: res.status,
            requestId: res.headers.get("x-request-id") ?? "",
            at: Date.now(),
          });
        } catch {
          // Refused or reset: the replica is gone (or going). Only answers count.
          if (target.child.exitCode !== null) return;
          await new Promise((r) => setTimeout(r, 10));
        }
      }
    }
    const workers = Array.from({ length: 8 }, () => worker());
    const loadStart = Date.now();
    while (answered.length < 100 && Date.now() - loadStart < 10_000) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const signalledAt = Date.now();
    target.signal("SIGTERM");
    const code = await target.exited;
    stopped = true;
    await Promise.all(workers);
    expect(code, target.tail()).toBe(0);

    const ok = answered.filter((a) => a.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(100);
    // Under load indeed: requests kept being answered while the replica shut down.
    expect(ok.filter((a) => a.at > signalledAt).length).toBeGreaterThan(0);
    const client = new pg.Client({ connectionString: fleet.databaseUrl });
    await client.connect();
    let recordedRows: number;
    try {
      const { rows } = await client.query<{ request_id: string; status: number }>(
        "select request_id, status from usage_events where key_id = $1",
        [id],
      );
      recordedRows = rows.length;
      const recorded = new Set(rows.map((r) => r.request_id));
      const lost = ok.filter((a) => !recorded.has(a.requestId));
      expect(lost, `${lost.length} of ${ok.length} answered requests have no usage record`).toEqual(
        [],
      );
      // Nothing is recorded twice, and nothing that was not answered by this key.
      expect(rows.length).toBe(recorded.size);
      expect(rows.filter((r) => r.status === 200)).toHaveLength(ok.length);
    } finally {
      await client.end();
    }

    // The fleet reports it: the other replicas read the same records.
    const usage = await fetch(`${replica(0).url}/api/v1/usage?key_id=${id}`, {
      headers: { "x-api-key": adminKey },
    });
    const report = (await usage.json()) as { usage: { requests: number }[] };
    expect(report.usage[0]?.requests).toBe(recordedRows);
    let stdout = "";
    const code2 = await runCli(["usage", "--key", id, "--json"], {
      cwd: process.cwd(),
      env: fleet.env,
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: () => true },
    });
    expect(code2).toBe(0);
    expect((JSON.parse(stdout) as typeof report).usage[0]?.requests).toBe(recordedRows);
  });
});
