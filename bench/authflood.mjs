// npm run bench:authflood: what a flood of unknown but well-formed API keys costs real traffic.
// Real traffic (model 21's predict with a valid key, from 127.0.0.1) is measured alone and while
// a separate process floods GET /api/v1/models with random hk_live_ keys from 127.0.0.2 (another
// client address). Variants, each its own server with the embedded store, taking turns by round:
//   baseline      this tree with src/auth as it was at --baseline (a store lookup per unknown key)
//   filter        this tree, AUTH_FAILED_ATTEMPTS_PER_MINUTE=0 (the prefix snapshot alone)
//   filter+limit  this tree as configured by default (snapshot + per-address failure limit)
// Prints req/s and p99 of the real traffic (medians over rounds) and the flood's own req/s.
// Usage: npm run bench:authflood [-- --duration 5 --rounds 3 --connections 16 --flood 32
//        --baseline <git-ref>]
import { execSync, spawn, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};

// The flood itself runs in a child process, so it does not share the measuring event loop.
if (args[0] === "--flood-client") await floodClient(args[1], Number(args[2]), Number(args[3]));
else await main();

/** Random well-formed keys as fast as `concurrency` keep-alive connections allow. */
async function floodClient(url, concurrency, seconds) {
  const agent = new Agent({ keepAlive: true, localAddress: "127.0.0.2", maxSockets: concurrency });
  const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  const randomKey = () =>
    "hk_live_" +
    Array.from({ length: 40 }, () => alphabet[Math.floor(Math.random() * 62)]).join("");
  const until = Date.now() + seconds * 1000;
  const statuses = {};
  let done = 0;
  const one = () =>
    new Promise((resolve) => {
      const req = request(
        `${url}/api/v1/models`,
        { agent, headers: { "x-api-key": randomKey() } },
        (res) => {
          res.resume();
          res.on("end", () => {
            statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
            done += 1;
            resolve();
          });
        },
      );
      req.on("error", () => resolve());
      req.end();
    });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) await one();
    }),
  );
  process.stdout.write(JSON.stringify({ rps: done / seconds, statuses }) + "\n");
  agent.destroy();
}

async function main() {
  const DURATION = Number(arg("duration", "5"));
  const ROUNDS = Math.max(1, Number(arg("rounds", "3")));
  const CONNECTIONS = Number(arg("connections", "16"));
  const FLOOD = Number(arg("flood", "32"));
  const BASELINE = arg("baseline", "a874b95");
  const SEED_BODY = JSON.stringify({
    inputs: JSON.parse(readFileSync(join(ROOT, "models/lead-scoring/seeds-example.json"), "utf8")),
  });
  const cleanup = [];
  const children = [];
  const tempDir = (prefix) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  };

  function serve(env, cwd) {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", "src/cli/bin.ts", "serve"], {
        cwd,
        env: { ...process.env, PORT: "0", MODELGATE_SHUTDOWN_DRAIN_MS: "0", ...env },
      });
      children.push(child);
      let out = "";
      let err = "";
      child.stderr.on("data", (d) => (err += d));
      child.stdout.on("data", (d) => {
        if (out === null) return;
        out += d;
        const line = out
          .split("\n")
          .find((l) => l.includes('"url"') && l.includes("modelgate is serving"));
        if (line) {
          out = null;
          resolve(JSON.parse(line).url);
        }
      });
      child.on("exit", (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
  }

  function createKey(env, cwd) {
    const res = spawnSync(
      process.execPath,
      ["--import", "tsx", "src/cli/bin.ts", "keys", "create", "--name", "bench"].concat([
        "--rate-limit-per-hour",
        "0",
        "--json",
      ]),
      { cwd, env: { ...process.env, ...env }, encoding: "utf8" },
    );
    if (res.status !== 0) throw new Error(`keys create failed: ${res.stderr}`);
    return JSON.parse(res.stdout).key;
  }

  /** This tree with src/auth as it was at `ref` (the rest of the tree the same). */
  function baselineTree(ref) {
    const dir = tempDir("mg-authflood-base-");
    for (const entry of ["src", "models", "package.json", "tsconfig.json"]) {
      cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
    }
    rmSync(join(dir, "src/auth"), { recursive: true, force: true });
    execSync(`git archive ${ref} src/auth | tar -x -C ${dir}`, { cwd: ROOT, stdio: "pipe" });
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
    return dir;
  }

  async function start(name, cwd, env = {}) {
    const full = { MODELGATE_DATA_DIR: tempDir("mg-authflood-"), ...env };
    const url = await serve(full, cwd);
    const key = createKey(full, cwd);
    const res = await fetch(`${url}/api/v1/models/21/predict`, {
      method: "POST",
      headers: { "x-api-key": key, "content-type": "application/json" },
      body: SEED_BODY,
    });
    if (res.status !== 200) throw new Error(`${name}: predict answered ${res.status}`);
    return { name, url, key };
  }

  const real = (v, duration) =>
    new Promise((resolve, reject) => {
      autocannon(
        {
          url: `${v.url}/api/v1/models/21/predict`,
          method: "POST",
          connections: CONNECTIONS,
          duration,
          headers: { "content-type": "application/json", "x-api-key": v.key },
          body: SEED_BODY,
        },
        (err, r) =>
          err
            ? reject(err)
            : resolve({ rps: r.requests.average, p99: r.latency.p99, bad: r.non2xx + r.errors }),
      );
    });

  function flood(v, seconds) {
    const child = spawn(process.execPath, [
      fileURLToPath(import.meta.url),
      "--flood-client",
      v.url,
      String(FLOOD),
      String(seconds),
    ]);
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    return new Promise((resolve) => child.on("exit", () => resolve(JSON.parse(out || "{}"))));
  }

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  try {
    process.stderr.write(
      `auth flood bench: ${ROUNDS} rounds × ${DURATION}s, ${CONNECTIONS} real connections, ${FLOOD} flood connections\n`,
    );
    const variants = [
      await start(`baseline (${BASELINE})`, baselineTree(BASELINE)),
      await start("filter", ROOT, { AUTH_FAILED_ATTEMPTS_PER_MINUTE: "0" }),
      await start("filter+limit", ROOT),
    ];
    const results = new Map(variants.map((v) => [v.name, { alone: [], flooded: [], flood: [] }]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const v of variants) {
        const r = results.get(v.name);
        await real(v, 1); // warm-up
        r.alone.push(await real(v, DURATION));
        // The flood starts first and outlasts the measurement.
        const flooding = flood(v, DURATION + 2);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        r.flooded.push(await real(v, DURATION));
        r.flood.push(await flooding);
        process.stderr.write(`  round ${round + 1} ${v.name} done\n`);
      }
    }
    const rows = [...results].map(([name, r]) => ({
      variant: name,
      "real req/s alone": median(r.alone.map((x) => x.rps)).toFixed(0),
      "p99 ms alone": median(r.alone.map((x) => x.p99)),
      "real req/s flooded": median(r.flooded.map((x) => x.rps)).toFixed(0),
      "p99 ms flooded": median(r.flooded.map((x) => x.p99)),
      "flooded/alone": (
        median(r.flooded.map((x) => x.rps)) / median(r.alone.map((x) => x.rps))
      ).toFixed(2),
      "flood req/s": median(r.flood.map((x) => x.rps ?? 0)).toFixed(0),
      "flood answers": JSON.stringify(r.flood.at(-1)?.statuses ?? {}),
      "real non-2xx": r.flooded.reduce((n, x) => n + x.bad, 0),
    }));
    console.table(rows);
  } finally {
    for (const child of children) child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const fn of cleanup) fn();
  }
}
