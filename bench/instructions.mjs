// npm run bench:instructions: machine instructions a request costs, under valgrind's callgrind
// (counted, not timed: the same figure on a busy machine as on an idle one, where the
// wall-clock rounds of `npm run bench` move by ±5 % between runs). Serves model 21 under
// callgrind with instrumentation off, warms every route up with sequential requests on one
// keep-alive connection, then counts each route's requests in rounds (alternating order) and
// prints the instructions a request and each route's ratio to predict's — the same comparison
// as the OIP rounds of `npm run bench` (target: infer ≤ 1/0.90 × predict's cost), without the
// noise. One connection: every model run is a batch of one, and the client is outside the
// count. JIT-compiled code is counted like any other; GC work is counted where it falls, and a
// full collection of the heap (hundreds of millions of instructions) falls in one round of one
// route: each route's figure is its least round, the one no such event landed in.
// Usage: npm run bench:instructions [-- --requests 600 --warmup 3000 --rounds 8]
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BENCH_ROUTES } from "./oip.mjs";
import { ROOT, argOf } from "./profiled-serve.mjs";

const args = process.argv.slice(2);
const REQUESTS = Number(argOf(args, "requests", "600"));
const WARMUP = Number(argOf(args, "warmup", "3000"));
const ROUNDS = Number(argOf(args, "rounds", "8"));
const PORT = 38000 + Math.floor(Math.random() * 1000);

const ROUTES = BENCH_ROUTES;

for (const tool of ["valgrind", "callgrind_control"]) {
  if (spawnSync(tool, ["--version"]).error) {
    console.log(
      `bench:instructions skipped: ${tool} is not installed (Debian: apt install valgrind).`,
    );
    process.exit(0);
  }
}

const dataDir = mkdtempSync(join(tmpdir(), "mg-cg-"));
const outDir = mkdtempSync(join(tmpdir(), "mg-cg-out-"));
const child = spawn(
  "valgrind",
  [
    "--tool=callgrind",
    "--instr-atstart=no",
    // V8 writes and rewrites machine code in its own heap.
    "--smc-check=all-non-file",
    `--callgrind-out-file=${join(outDir, "cg.%p")}`,
    process.execPath,
    "bin/modelgate",
    "serve",
  ],
  {
    cwd: ROOT,
    env: { ...process.env, MODELGATE_DATA_DIR: dataDir, PORT: String(PORT), LOG_LEVEL: "info" },
  },
);
let stderr = "";
child.stderr.on("data", (d) => (stderr += d));
child.stdout.resume();
const cleanup = () => {
  child.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
};

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function post(path, body, headers, key) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port: PORT,
        path,
        method: "POST",
        agent,
        headers: { ...headers, "x-api-key": key, "content-length": body.length },
      },
      (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`${path}: ${res.statusCode}`)),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function ready() {
  // Under valgrind the start takes a minute or two.
  for (let i = 0; i < 600; i++) {
    const key = /(hk_live_[0-9A-Za-z]+)/.exec(stderr)?.[1];
    if (key) {
      const ok = await fetch(`http://127.0.0.1:${PORT}/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return key;
    }
    if (child.exitCode !== null) throw new Error(`the server exited:\n${stderr.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the server was not ready after 5 minutes:\n${stderr.slice(-2000)}`);
}

/** Instructions counted since the last dump, read from the dump callgrind just wrote. */
function dump(label) {
  execFileSync("callgrind_control", ["--dump=" + label, String(child.pid)], { stdio: "ignore" });
  const files = readdirSync(outDir).filter((f) => /^cg\.\d+\.\d+$/.test(f));
  const newest = files.sort((a, b) => Number(a.split(".")[2]) - Number(b.split(".")[2])).at(-1);
  const text = readFileSync(join(outDir, newest), "utf8");
  if (!text.includes(`dump ${label}`))
    throw new Error(`callgrind's dump ${newest} is not ${label}`);
  return Number(/^(?:summary|totals): (\d+)/m.exec(text)?.[1]);
}

try {
  const key = await ready();
  const run = async (name, n) => {
    const [path, body, headers] = ROUTES[name];
    const bytes = Buffer.from(body);
    for (let i = 0; i < n; i++) await post(path, bytes, headers, key);
  };
  const names = Object.keys(ROUTES);
  for (let i = 0; i < 2; i++) for (const name of names) await run(name, WARMUP / 2);
  execFileSync("callgrind_control", ["--instr=on", String(child.pid)], { stdio: "ignore" });
  dump("start");
  const counts = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      await run(name, REQUESTS);
      counts[name].push(dump(name.replace(/\W/g, "_")) / REQUESTS);
    }
  }
  const least = (xs) => Math.min(...xs);
  const predict = least(counts.predict);
  console.log(
    `\nInstructions a request (callgrind; ${REQUESTS} sequential requests a route a round, ${ROUNDS} rounds, after ${WARMUP} of warm-up each; each route's least round)`,
  );
  for (const name of names) {
    const m = least(counts[name]);
    const rounds = counts[name].map((c) => Math.round(c / 1000) + "k").join(", ");
    const ratio = name === "predict" ? "" : `  ×${(m / predict).toFixed(3)} of predict`;
    console.log(`  ${name.padEnd(14)} ${Math.round(m).toLocaleString("en")}${ratio}  (${rounds})`);
  }
} finally {
  cleanup();
}
process.exit(0);
