// npm run bench:memory — the memory report of issue 13, and the usage-summary timing.
//
// 1. Engines alone: RSS of a bare Node, better-sqlite3, PGlite and node-postgres with `select 1`
//    (each in its own process), which is why the embedded store is SQLite.
// 0. Start-up, before anything else runs: from the spawn of `modelgate serve` on a new data
//    dir to the first 200 from model 21, and `modelgate --version` (medians of 5).
// 2. The server (`bin/modelgate serve`, model 21), embedded and on PostgreSQL: the first 200,
//    RSS after start (1 s later), the peak during --duration seconds of predict at
//    --connections, and after the run (5 s later). Read from /proc/<pid>/status (VmRSS, VmHWM).
// 3. Usage summaries over --records generated records (30 days, 20 keys, 3 models) on both
//    stores: the rollup summary against a baseline measured in the same run — one GROUP BY over
//    the raw records, the least any raw-scan summary does.
//
// Usage: node bench/memory.mjs [--duration 60] [--connections 64] [--records 1000000]
//        [--root DIR (another checkout, e.g. the version before, built)] [--skip startup,engines,server,usage]
// Also called by `npm run bench -- --memory`.
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import autocannon from "autocannon";
import pg from "pg";

const HERE = fileURLToPath(new URL("../", import.meta.url));
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const ROOT = arg("root", HERE);
const DURATION = Number(arg("duration", "60"));
const CONNECTIONS = Number(arg("connections", "64"));
const RECORDS = Number(arg("records", "1000000"));
const SKIP = new Set(arg("skip", "").split(",").filter(Boolean));
const PG_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const MB = 1024 * 1024;
const SEED_BODY = JSON.stringify({
  inputs: JSON.parse(readFileSync(join(HERE, "models/lead-scoring/seeds-example.json"), "utf8")),
});

function rssOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

/** A child that prints one JSON line and exits. */
function runScript(source) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", source], { cwd: ROOT });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split("\n").at(-1))) : reject(new Error(err)),
    );
  });
}

const ENGINE_SCRIPTS = {
  "node alone": "",
  "better-sqlite3": `const { default: D } = await import("better-sqlite3");
    const db = new D(":memory:"); db.prepare("select 1").get();`,
  PGlite: `const { PGlite } = await import("@electric-sql/pglite");
    const db = await PGlite.create(); await db.query("select 1");`,
  "pg (node-postgres)": `const { default: pg } = await import("pg");
    const pool = new pg.Pool({ connectionString: ${JSON.stringify(PG_URL)} });
    await pool.query("select 1");`,
};

async function engines() {
  const rows = [];
  for (const [name, body] of Object.entries(ENGINE_SCRIPTS)) {
    try {
      const r = await runScript(
        `${body}\nconst m = process.memoryUsage();` +
          `console.log(JSON.stringify({ rss: m.rss / ${MB}, external: m.external / ${MB} }));` +
          "process.exit(0);",
      );
      rows.push({ name, ...r });
    } catch (err) {
      rows.push({ name, error: String(err).split("\n")[0] });
    }
  }
  console.log("\nengines alone (`select 1`, each in its own process)");
  console.log("engine              |  RSS MB | external MB");
  for (const r of rows) {
    if (r.error) console.log(`${r.name.padEnd(19)} | ${r.error}`);
    else
      console.log(
        `${r.name.padEnd(19)} | ${r.rss.toFixed(0).padStart(7)} | ${r.external.toFixed(0).padStart(11)}`,
      );
  }
}

function startServer(env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/modelgate", "serve"], {
      cwd: ROOT,
      env: { ...process.env, PORT: "0", LOG_LEVEL: "info", ...env },
    });
    let out = "";
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.stdout.on("data", (d) => {
      if (out === null) return;
      out += d;
      const line = out.split("\n").find((l) => l.includes('"url"'));
      if (line) {
        out = null;
        resolve({ child, url: JSON.parse(line).url, stderr: () => err });
      }
    });
    child.on("exit", (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Asks model 21 every 10 ms until it answers 200; returns the bootstrap key. */
async function firstPrediction(gate) {
  let key;
  for (let i = 0; i < 6_000; i++) {
    key ??= /(hk_live_[0-9A-Za-z]+)/.exec(gate.stderr())?.[1];
    const res = key
      ? await fetch(`${gate.url}/api/v1/models/21/predict`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-api-key": key },
          body: SEED_BODY,
        }).catch(() => null) // not listening yet
      : null;
    if (res?.status === 200) return key;
    await sleep(10);
  }
  throw new Error(key ? "model 21 never answered 200" : "no bootstrap key printed");
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Start-up, before any load runs: `modelgate serve` on a new embedded data dir, from the spawn
 * to the first 200 from model 21, and `modelgate --version`; medians of 5.
 */
async function startup() {
  const serve = [];
  for (let i = 0; i < 5; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), "mg-start-"));
    // A port chosen here, so the clock does not wait on the "serving" log line (log lines are
    // written in blocks, up to 200 ms late).
    const port = await freePort();
    const started = Date.now();
    const child = spawn(process.execPath, ["bin/modelgate", "serve"], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), LOG_LEVEL: "info", MODELGATE_DATA_DIR: dataDir },
    });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.stdout.resume();
    const gate = { child, url: `http://127.0.0.1:${port}`, stderr: () => err };
    try {
      await firstPrediction(gate);
      serve.push(Date.now() - started);
    } finally {
      gate.child.kill("SIGTERM");
      await new Promise((r) => gate.child.once("exit", r));
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  // --version against a bare `node -e 0` in the same run: most of it is Node's own start.
  const version = [];
  const bare = [];
  for (let i = 0; i < 5; i++) {
    let t0 = performance.now();
    spawnSync(process.execPath, ["bin/modelgate", "--version"], { cwd: ROOT });
    version.push(performance.now() - t0);
    t0 = performance.now();
    spawnSync(process.execPath, ["-e", "0"], { cwd: ROOT });
    bare.push(performance.now() - t0);
  }
  const first = median(serve);
  const versionMs = median(version);
  const bareMs = median(bare);
  console.log(
    `\nstart-up, medians of 5: serve to the first 200 from model 21 (new embedded store) ${first} ms [${serve.join(", ")}] (target < 1000: ${first < 1000 ? "met" : "MISSED"}); ` +
      `modelgate --version ${versionMs.toFixed(0)} ms (target < 150: ${versionMs < 150 ? "met" : "MISSED"}; node -e 0 takes ${bareMs.toFixed(0)} ms here)`,
  );
}

async function serverMemory(label, env, cleanup) {
  const started = Date.now();
  const gate = await startServer(env);
  try {
    const key = await firstPrediction(gate);
    const readyMs = Date.now() - started;
    await sleep(1_000);
    const afterStart = rssOf(gate.child.pid).rss;
    let peak = afterStart;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssOf(gate.child.pid).rss);
    }, 200);
    const result = await new Promise((resolve, reject) =>
      autocannon(
        {
          url: `${gate.url}/api/v1/models/21/predict`,
          method: "POST",
          connections: CONNECTIONS,
          duration: DURATION,
          headers: { "content-type": "application/json", "x-api-key": key },
          body: SEED_BODY,
        },
        (err, r) => (err ? reject(err) : resolve(r)),
      ),
    );
    clearInterval(sampler);
    // VmHWM: the kernel's own high-water mark, between our samples too.
    peak = Math.max(peak, rssOf(gate.child.pid).hwm);
    await sleep(5_000);
    const after = rssOf(gate.child.pid).rss;
    return {
      label,
      readyMs,
      afterStart,
      peak,
      after,
      reqs: result.requests.average,
      non2xx: result.non2xx + result.errors,
    };
  } finally {
    gate.child.kill("SIGTERM");
    await new Promise((r) => gate.child.once("exit", r));
    await cleanup?.();
  }
}

async function pgAdmin(statement) {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await client.query(statement);
  } finally {
    await client.end();
  }
}

function schemaUrl(schema) {
  return `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

async function server() {
  const rows = [];
  const dataDir = mkdtempSync(join(tmpdir(), "mg-mem-"));
  rows.push(
    await serverMemory("embedded", { MODELGATE_DATA_DIR: dataDir }, () =>
      rmSync(dataDir, { recursive: true, force: true }),
    ),
  );
  const schema = `mg_bench_${process.pid}`;
  const pgDir = mkdtempSync(join(tmpdir(), "mg-mem-pg-"));
  try {
    await pgAdmin(`create schema ${schema}`);
    rows.push(
      await serverMemory(
        "PostgreSQL",
        { MODELGATE_DATA_DIR: pgDir, DATABASE_URL: schemaUrl(schema) },
        async () => {
          await pgAdmin(`drop schema ${schema} cascade`);
          rmSync(pgDir, { recursive: true, force: true });
        },
      ),
    );
  } catch (err) {
    console.log(`PostgreSQL at ${PG_URL} skipped: ${String(err).split("\n")[0]}`);
  }
  console.log(
    `\nserver RSS (${ROOT === HERE ? "this checkout" : ROOT}; ${DURATION} s of predict at ${CONNECTIONS} connections)`,
  );
  console.log(
    "store      | first 200 ms | after start MB | peak MB | after run MB | req/s | non-2xx | target",
  );
  for (const r of rows) {
    const ok = r.afterStart <= 160 && r.peak <= 200 ? "met" : "MISSED";
    console.log(
      `${r.label.padEnd(10)} | ${String(r.readyMs).padStart(12)} | ${r.afterStart.toFixed(0).padStart(14)} | ${r.peak.toFixed(0).padStart(7)} | ${r.after.toFixed(0).padStart(12)} | ${r.reqs.toFixed(0).padStart(5)} | ${String(r.non2xx).padStart(7)} | ${ok} (≤ 160 / ≤ 200)`,
    );
  }
}

/** RECORDS records over 30 days ending now, 20 keys × 3 models, some errors and batches. */
function* generated(batch) {
  const now = Date.now();
  const span = 30 * 86_400_000;
  let events = [];
  for (let i = 0; i < RECORDS; i++) {
    const key = i % 20;
    events.push({
      at: new Date(now - span + Math.floor((i / RECORDS) * span)),
      keyId: `key_bench${String(key).padStart(2, "0")}`,
      userId: `user_${key}`,
      modelId: ["21", "7", "lead-v2"][i % 3],
      status: i % 50 === 0 ? 503 : 200,
      batchSize: 1 + (i % 4),
      latencyMs: 0.5 + ((i * 7919) % 2000) / 100,
      requestId: `req_${i}`,
    });
    if (events.length === batch) {
      yield events;
      events = [];
    }
  }
  if (events.length > 0) yield events;
}

async function timed(fn, runs = 5) {
  const ms = [];
  let result;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    result = await fn();
    ms.push(performance.now() - t);
  }
  return { ms: ms.sort((a, b) => a - b)[Math.floor(runs / 2)], result };
}

async function usageTiming(label, store, cleanup) {
  const { usageRepository } = await import(pathToFileURL(join(ROOT, "dist/store/index.js")));
  const { sql } = await import("kysely");
  const repo = usageRepository(store.db);
  const t0 = performance.now();
  for (const events of generated(5_000)) await repo.insertMany(events);
  const writeS = (performance.now() - t0) / 1000;
  // Planner statistics, as autovacuum would have gathered by now on a real table (without
  // them PostgreSQL scans every record for the partial hour instead of using the BRIN index).
  if (label === "PostgreSQL") await sql`analyze`.execute(store.db);
  try {
    const all = await timed(() => repo.summarize());
    const day = await timed(() => repo.summarize({ since: new Date(Date.now() - 86_400_000) }));
    const oneKey = await timed(() => repo.summarize({ keyId: "key_bench07" }));
    const baseline = await timed(() =>
      sql`select key_id, model_id, count(*) as n from usage_events group by key_id, model_id`.execute(
        store.db,
      ),
    );
    const requests = all.result.reduce((n, r) => n + r.requests, 0);
    return { label, writeS, all, day, oneKey, baseline, requests, groups: all.result.length };
  } finally {
    await store.close();
    await cleanup?.();
  }
}

/** modelgate 0.1 (--root of that version): the embedded store's usage.ndjson, re-read. */
async function usageLogTiming(usageLog) {
  const dataDir = mkdtempSync(join(tmpdir(), "mg-usage-log-"));
  const log = usageLog(join(dataDir, "usage.ndjson"));
  const t0 = performance.now();
  for (const events of generated(5_000)) await log.insertMany(events);
  const writeS = (performance.now() - t0) / 1000;
  try {
    const all = await timed(() => log.summarize(), 3);
    const day = await timed(() => log.summarize({ since: new Date(Date.now() - 86_400_000) }), 3);
    const oneKey = await timed(() => log.summarize({ keyId: "key_bench07" }), 3);
    const requests = all.result.reduce((n, r) => n + r.requests, 0);
    const none = { ms: Number.NaN };
    return {
      label: "embedded",
      writeS,
      all,
      day,
      oneKey,
      baseline: none,
      requests,
      groups: all.result.length,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function usage() {
  const store = await import(pathToFileURL(join(ROOT, "dist/store/index.js")));
  const { openStore } = store;
  const rows = [];
  const dataDir = mkdtempSync(join(tmpdir(), "mg-usage-"));
  if (store.usageLog) rows.push(await usageLogTiming(store.usageLog));
  else {
    rows.push(
      await usageTiming("embedded", await openStore({ dataDir }), () =>
        rmSync(dataDir, { recursive: true, force: true }),
      ),
    );
  }
  const schema = `mg_bench_usage_${process.pid}`;
  try {
    await pgAdmin(`create schema ${schema}`);
    const store = await openStore({ databaseUrl: schemaUrl(schema), queryTimeoutMs: 120_000 });
    rows.push(
      await usageTiming("PostgreSQL", store, () => pgAdmin(`drop schema ${schema} cascade`)),
    );
  } catch (err) {
    console.log(`PostgreSQL usage timing skipped: ${String(err).split("\n")[0]}`);
  }
  console.log(
    `\nusage summary over ${RECORDS.toLocaleString("en")} generated records (30 days, 20 keys × 3 models); medians of 5`,
  );
  console.log(
    "store      | write s | all ms | since 24h ms | one key ms | raw GROUP BY ms* | all/raw | target",
  );
  for (const r of rows) {
    const check =
      r.requests === RECORDS && r.groups === 60 ? "" : ` (WRONG: ${r.requests} in ${r.groups})`;
    console.log(
      `${r.label.padEnd(10)} | ${r.writeS.toFixed(1).padStart(7)} | ${r.all.ms.toFixed(1).padStart(6)} | ${r.day.ms.toFixed(1).padStart(11)} | ${r.oneKey.ms.toFixed(1).padStart(10)} | ${r.baseline.ms.toFixed(1).padStart(16)} | ${(r.all.ms / r.baseline.ms).toFixed(3).padStart(7)} | ${r.all.ms < 200 ? "met" : "MISSED"} (< 200 ms)${check}`,
    );
  }
  console.log(
    "* baseline in the same run: one GROUP BY key, model over every raw record (counts only, no percentiles)",
  );
}

// Start-up first: nothing else has run yet (a store just loaded with usage rows slows it).
if (!SKIP.has("startup")) await startup();
if (!SKIP.has("engines")) await engines();
if (!SKIP.has("server")) await server();
if (!SKIP.has("usage")) await usage();
