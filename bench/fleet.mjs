// npm run bench:fleet: what running as a fleet costs and buys, measured in one run so the
// ratios hold whatever the machine. Every modelgate runs from the sources (tsx) the same way:
//   bare        a bare Fastify route answering a same-size JSON (bench/bare-server.mjs)
//   foundation  modelgate at --baseline (default: the commit before the fleet was wired), the
//               embedded store, the admin key: no rate limit, no usage records
//   embedded    this tree, embedded store, a limited key: in-process limits + usage records
//   fleet x1    this tree, PostgreSQL + Redis, a limited key: Redis limits + usage records
//   fleet x2    two such replicas on this machine, the load split between them
// Usage: npm run bench:fleet [-- --duration 3 --rounds 15 --connections 16 --baseline <git-ref>]
// Needs PostgreSQL (database `test`) and Redis on their standard local ports, like the tests.
import { execSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { Redis } from "ioredis";
import pg from "pg";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const DURATION = Number(arg("duration", "3"));
const ROUNDS = Math.max(1, Number(arg("rounds", "15")));
const CONNECTIONS = Number(arg("connections", "16"));
const BASELINE = arg("baseline", "3ec9b13");
const DATABASE = arg("database", "postgres://postgres@127.0.0.1:5432/test");
const REDIS = arg("redis", "redis://127.0.0.1:6379");
// High enough never to run out during the bench, so every request pays for a counted limit.
const LIMIT = "1000000000";

const SEED_BODY = JSON.stringify({
  inputs: JSON.parse(
    readFileSync(new URL("../models/lead-scoring/seeds-example.json", import.meta.url), "utf8"),
  ),
});

const cleanup = [];
const children = [];

/** Starts a child and resolves once it prints a JSON line with `url` and, if asked, `marker`. */
function startChild(argv, env, { cwd = ROOT, marker } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd, env: { ...process.env, ...env } });
    children.push(child);
    let out = "";
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.stdout.on("data", (d) => {
      if (out === null) return; // up: keep draining the pipe, as a log shipper would
      out += d;
      const line = out
        .split("\n")
        .find((l) => l.includes('"url"') && (!marker || l.includes(marker)));
      if (line) {
        out = null;
        resolve({ child, url: JSON.parse(line).url, stderr: () => err });
      }
    });
    child.on("exit", (code) => reject(new Error(`${argv.join(" ")} exited ${code}: ${err}`)));
  });
}

function serve(env, cwd = ROOT) {
  return startChild(
    ["--import", "tsx", "src/cli/bin.ts", "serve"],
    { PORT: "0", ...env },
    {
      cwd,
      marker: "modelgate is serving",
    },
  );
}

function createKey(env, limit) {
  const res = spawnSync(
    process.execPath,
    ["--import", "tsx", "src/cli/bin.ts", "keys", "create", "--name", "bench"].concat([
      "--rate-limit-per-hour",
      limit,
      "--json",
    ]),
    { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8" },
  );
  if (res.status !== 0) throw new Error(`keys create failed: ${res.stderr}`);
  return JSON.parse(res.stdout).key;
}

async function waitReady(url) {
  for (let i = 0; i < 400; i++) {
    const res = await fetch(`${url}/ready`).catch(() => null);
    if (res?.ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not become ready`);
}

function run(urls, connections, headers, duration) {
  const each = Math.max(1, Math.round(connections / urls.length));
  return Promise.all(
    urls.map(
      (url) =>
        new Promise((resolve, reject) => {
          autocannon(
            {
              url,
              method: "POST",
              connections: each,
              duration,
              headers: { "content-type": "application/json", ...headers },
              body: SEED_BODY,
            },
            (err, result) => (err ? reject(err) : resolve(result)),
          );
        }),
    ),
  ).then((results) => ({
    rps: results.reduce((n, r) => n + r.requests.average, 0),
    total: results.reduce((n, r) => n + r.requests.total, 0),
    p50: Math.max(...results.map((r) => r.latency.p50)),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    bad: results.reduce((n, r) => n + r.non2xx + r.errors, 0),
  }));
}

/** CPU time (user + system, all threads) by process, in µs; Linux /proc only. */
function cpuMicros(pids) {
  const times = new Map();
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      times.set(pid, (Number(fields[11]) + Number(fields[12])) * 10_000); // USER_HZ = 100
    } catch {
      // gone: its time is lost, which only matters for short-lived processes
    }
  }
  return times;
}

/** CPU spent between two snapshots, counting processes that started in between whole. */
function spent(before, after) {
  let total = 0;
  for (const [pid, t] of after) total += t - (before.get(pid) ?? 0);
  return total;
}

function pidsOf(name) {
  const res = spawnSync("pgrep", ["-x", name], { encoding: "utf8" });
  return res.status === 0 ? res.stdout.trim().split("\n").map(Number) : [];
}

/**
 * Throughput and latency, plus CPU per request of the modelgate processes and of the Redis
 * and PostgreSQL servers: on one shared machine req/s also counts what those servers take
 * from the same cores, CPU per request does not.
 */
async function measure(name, urls, headers, children = []) {
  await run(urls, CONNECTIONS, headers, 1); // warm-up
  const pids = children.map((c) => c.child.pid);
  // PostgreSQL starts a process per connection: pools growing mid-run are counted too.
  const servers = () => [...pidsOf("redis-server"), ...pidsOf("postgres")];
  const before = [cpuMicros(pids), cpuMicros(servers())];
  const r = await run(urls, CONNECTIONS, headers, DURATION);
  const after = [cpuMicros(pids), cpuMicros(servers())];
  const cpu = spent(before[0], after[0]) / r.total;
  const serverCpu = spent(before[1], after[1]) / r.total;
  process.stderr.write(`  ${name}: ${r.rps.toFixed(0)} req/s\n`);
  return { name, ...r, cpu, serverCpu };
}

function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * The foundation to compare with: this tree with the wiring folders (server, auth, cli,
 * config) as they were at `ref` — the same sources, model and runtime, minus rate limits and
 * usage records. Taken from this tree rather than a clean `ref` checkout so work in progress
 * elsewhere (uncommitted modules the old wiring imports) runs the same in both. null when git
 * cannot give `ref`.
 */
function baselineTree(ref) {
  const dir = tempDir("mg-bench-base-");
  for (const entry of ["src", "models", "package.json", "tsconfig.json"]) {
    cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  }
  const wiring = ["src/server", "src/auth", "src/cli", "src/config"];
  for (const folder of wiring) rmSync(join(dir, folder), { recursive: true, force: true });
  try {
    execSync(`git archive ${ref} ${wiring.join(" ")} | tar -x -C ${dir}`, {
      cwd: ROOT,
      stdio: "pipe",
    });
  } catch (err) {
    process.stderr.write(`no baseline (${ref}): ${String(err.message).split("\n")[0]}\n`);
    return null;
  }
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}

const rows = [];
const schema = `mg_bench_${randomBytes(6).toString("hex")}`;
const prefix = `mg_bench_${randomBytes(6).toString("hex")}:`;
const admin = new pg.Client({ connectionString: DATABASE });
await admin.connect();
await admin.query(`create schema ${schema}`);
try {
  const predictPath = "/api/v1/models/21/predict";
  process.stderr.write(
    `modelgate fleet bench: ${ROUNDS} rounds of ${DURATION}s per variant, ${CONNECTIONS} connections\n`,
  );
  /** { name, urls, headers, children }: every server starts first, then rounds take turns. */
  const variants = [];

  // foundation
  const baseDir = baselineTree(BASELINE);
  if (baseDir) {
    const gate = await serve({ MODELGATE_DATA_DIR: tempDir("mg-bench-") }, baseDir);
    const key = /(hk_live_[0-9A-Za-z]+)/.exec(gate.stderr())?.[1];
    await waitReady(gate.url);
    variants.push({
      name: `foundation (${BASELINE})`,
      urls: [gate.url + predictPath],
      headers: { "x-api-key": key },
      children: [gate],
    });
  }

  // embedded: this tree, one process, in-process limits
  let sampleSize = 0;
  {
    const env = { MODELGATE_DATA_DIR: tempDir("mg-bench-") };
    const gate = await serve(env);
    await waitReady(gate.url);
    const key = createKey(env, LIMIT);
    const sample = await fetch(gate.url + predictPath, {
      method: "POST",
      headers: { "x-api-key": key, "content-type": "application/json" },
      body: SEED_BODY,
    });
    const text = await sample.text();
    if (sample.status !== 200) throw new Error(`predict answered ${sample.status}: ${text}`);
    if (!sample.headers.get("x-ratelimit-limit")) throw new Error("no rate limit on the bench key");
    sampleSize = Buffer.byteLength(text);
    variants.push({
      name: "embedded: memory limits + usage",
      urls: [gate.url + predictPath],
      headers: { "x-api-key": key },
      children: [gate],
    });
  }

  // bare Fastify, a same-size answer
  {
    const bare = await startChild(["bench/bare-server.mjs", String(sampleSize)], {});
    variants.unshift({
      name: "bare Fastify",
      urls: [`${bare.url}/bare`],
      headers: {},
      children: [bare],
    });
  }

  // fleet: PostgreSQL + Redis, one then two replicas
  const fleetEnv = {
    DATABASE_URL: `${DATABASE}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    REDIS_URL: REDIS,
    REDIS_KEY_PREFIX: prefix,
  };
  const one = await serve({ ...fleetEnv, MODELGATE_DATA_DIR: tempDir("mg-bench-") });
  await waitReady(one.url);
  const key = createKey(fleetEnv, LIMIT);
  const unlimited = createKey(fleetEnv, "0");
  const two = await serve({
    ...fleetEnv,
    MODELGATE_DATA_DIR: tempDir("mg-bench-"),
    MODELGATE_BOOTSTRAP_ADMIN_KEY: "false",
  });
  await waitReady(two.url);
  variants.push(
    {
      name: "fleet x1: usage only (key unlimited)",
      urls: [one.url + predictPath],
      headers: { "x-api-key": unlimited },
      children: [one],
    },
    {
      name: "fleet x1: Redis limits + usage (PostgreSQL)",
      urls: [one.url + predictPath],
      headers: { "x-api-key": key },
      children: [one],
    },
    {
      name: "fleet x2: two replicas, load split",
      urls: [one.url + predictPath, two.url + predictPath],
      headers: { "x-api-key": key },
      children: [one, two],
    },
  );

  // Rounds take turns through every variant, so a slow spell of this shared machine lands on
  // all of them alike; each variant's row is its median round (by req/s), and its ratio to
  // the foundation the median of the per-round ratios.
  const runs = new Map(variants.map((v) => [v.name, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    process.stderr.write(`round ${round}/${ROUNDS}\n`);
    // A new order each round: no variant always follows the same one (or always goes first).
    const order = variants.map((v) => ({ v, r: Math.random() })).sort((a, b) => a.r - b.r);
    for (const { v } of order) {
      runs.get(v.name).push(await measure(v.name, v.urls, v.headers, v.children));
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const baseRuns = variants[1]?.name.startsWith("foundation") ? runs.get(variants[1].name) : null;
  for (const v of variants) {
    const own = runs.get(v.name);
    const sorted = [...own].sort((a, b) => a.rps - b.rps);
    rows.push({
      ...sorted[Math.floor(sorted.length / 2)],
      spread: sorted.map((r) => r.rps),
      // Paired with the foundation run of the same round: a slow spell hits both alike.
      pairedRatio: baseRuns ? median(own.map((r, i) => r.rps / baseRuns[i].rps)) : null,
      pairedCpu: baseRuns ? median(own.map((r, i) => r.cpu / baseRuns[i].cpu)) : null,
    });
  }

  for (const child of children) child.kill("SIGTERM");
  await Promise.all(
    children.map((c) => (c.exitCode === null ? new Promise((r) => c.on("exit", r)) : null)),
  );
  const { rows: counted } = await admin.query(
    `select count(*)::int as n from ${schema}.usage_events`,
  );
  process.stderr.write(`  usage rows written by the fleet runs: ${counted[0].n}\n`);
} finally {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 500));
  await admin.query(`drop schema if exists ${schema} cascade`);
  await admin.end();
  const redis = new Redis(REDIS);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  for (const fn of cleanup) fn();
}

const base = rows.find((r) => r.name.startsWith("foundation"));
const bare = rows.find((r) => r.name === "bare Fastify");
const fmt = (n, d = 0) => n.toFixed(d).padStart(8);
const width = Math.max(...rows.map((r) => r.name.length));
console.log(
  `\nmodelgate fleet bench — median of ${ROUNDS} rounds of ${DURATION}s, ${CONNECTIONS} connections, node ${process.version}, ${availableParallelism()} CPUs`,
);
console.log(
  `${"".padEnd(width)} |    req/s   p50 ms   p99 ms | vs bare | vs foundation* | CPU µs/req | Redis+PG µs/req | non-2xx | rounds req/s`,
);
for (const r of rows) {
  const vsBare = bare ? (r.rps / bare.rps).toFixed(2) : "-";
  const vsBase = r.pairedRatio === null ? "-" : r.pairedRatio.toFixed(2);
  console.log(
    `${r.name.padEnd(width)} | ${fmt(r.rps)} ${fmt(r.p50, 2)} ${fmt(r.p99, 2)} |    ${vsBare} |          ${vsBase} |   ${fmt(r.cpu)} |        ${fmt(r.serverCpu)} | ${r.bad} | ${r.spread.map((n) => n.toFixed(0)).join(" ")}`,
  );
}
const one = rows.find((r) => r.name.startsWith("fleet x1: Redis"));
const two = rows.find((r) => r.name.startsWith("fleet x2"));
const embedded = rows.find((r) => r.name.startsWith("embedded"));
const verdicts = ["* the median of each round's ratio to the foundation run of that round"];
const loss = (r) => `${((1 - r.pairedRatio) * 100).toFixed(1)}%`;
const cpuRise = (r) => `${r.pairedCpu >= 1 ? "+" : ""}${((r.pairedCpu - 1) * 100).toFixed(0)}%`;
if (base && embedded)
  verdicts.push(
    `rate limits + usage, in process: ${loss(embedded)} throughput loss vs the foundation (median of per-round ratios; target < 15%), modelgate CPU a request ${cpuRise(embedded)}`,
  );
if (base && one)
  verdicts.push(
    `rate limits in Redis + usage in PostgreSQL: ${loss(one)} throughput loss vs the foundation (median of per-round ratios; target < 15%), p99 ${base.p99.toFixed(2)} → ${one.p99.toFixed(2)} ms, modelgate CPU a request ${cpuRise(one)}, Redis + PostgreSQL ${one.serverCpu.toFixed(0)} µs a request`,
  );
if (one && two)
  verdicts.push(`2 replicas / 1 replica on this machine: ${(two.rps / one.rps).toFixed(2)}x`);
console.log(verdicts.map((v) => `- ${v}`).join("\n"));
