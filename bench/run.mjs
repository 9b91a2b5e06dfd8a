// npm run bench: predict (auth + validation + model 21, default log level) against a bare
// Fastify route answering a same-size JSON, both driven by autocannon in this run, so the
// ratios hold whatever the machine. Usage: npm run bench [-- --duration 3 --rounds 7 --connections 1,16,64]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
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
const DURATION = Number(arg("duration", "3"));
// Paired rounds: on a shared machine the same build swings ±30 % between minutes, so bare and
// predict are measured back to back (in alternating order) and ratios taken per round.
const ROUNDS = Math.max(1, Number(arg("rounds", "7")));
const CONNECTIONS = arg("connections", "1,16,64").split(",").map(Number);

const SEED_BODY = JSON.stringify({
  inputs: JSON.parse(
    readFileSync(new URL("../models/lead-scoring/seeds-example.json", import.meta.url), "utf8"),
  ),
});

/** Starts a child process and resolves with the first JSON line holding `url`, plus stderr. */
function startChild(cmd, argv, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, ...env } });
    let out = "";
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.stdout.on("data", (d) => {
      if (out === null) return; // already resolved: keep draining the pipe, as a log shipper would
      out += d;
      const line = out.split("\n").find((l) => l.includes('"url"'));
      if (line) {
        const { url } = JSON.parse(line);
        out = null;
        resolve({ child, url, stderr: () => err });
      }
    });
    child.on("exit", (code) => reject(new Error(`${argv.join(" ")} exited ${code}: ${err}`)));
  });
}

function run(url, connections, headers, duration) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        method: "POST",
        connections,
        duration,
        headers: { "content-type": "application/json", ...headers },
        body: SEED_BODY,
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

const dataDir = mkdtempSync(join(tmpdir(), "mg-bench-"));
const gate = await startChild(process.execPath, ["bin/modelgate", "serve"], {
  MODELGATE_DATA_DIR: dataDir,
  PORT: "0",
  LOG_LEVEL: "info",
});
const key = /(hk_live_[0-9A-Za-z]+)/.exec(gate.stderr())?.[1];
if (!key) throw new Error("no bootstrap key printed");
const predictUrl = `${gate.url}/api/v1/models/21/predict`;
for (let i = 0; i < 200; i++) {
  const res = await fetch(`${gate.url}/ready`);
  if (res.ok) break;
  await new Promise((r) => setTimeout(r, 50));
}
const sample = await fetch(predictUrl, {
  method: "POST",
  headers: { "x-api-key": key, "content-type": "application/json" },
  body: SEED_BODY,
});
const sampleText = await sample.text();
if (sample.status !== 200) throw new Error(`predict answered ${sample.status}: ${sampleText}`);
const bare = await startChild(
  process.execPath,
  ["bench/bare-server.mjs", String(Buffer.byteLength(sampleText))],
  {},
);
const bareUrl = `${bare.url}/bare`;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
for (const c of CONNECTIONS) {
  const rounds = [];
  for (let round = 0; round < ROUNDS; round++) {
    const measureBare = async () => {
      await run(bareUrl, c, {}, 1); // warm-up
      return run(bareUrl, c, {}, DURATION);
    };
    const measurePredict = async () => {
      await run(predictUrl, c, { "x-api-key": key }, 1);
      return run(predictUrl, c, { "x-api-key": key }, DURATION);
    };
    let b;
    let p;
    if (round % 2 === 0) {
      b = await measureBare();
      p = await measurePredict();
    } else {
      p = await measurePredict();
      b = await measureBare();
    }
    rounds.push({ b, p });
  }
  rows.push({
    c,
    bare: median(rounds.map((r) => r.b.requests.average)),
    bareP50: median(rounds.map((r) => r.b.latency.p50)),
    bareP99: median(rounds.map((r) => r.b.latency.p99)),
    predict: median(rounds.map((r) => r.p.requests.average)),
    p50: median(rounds.map((r) => r.p.latency.p50)),
    p99: median(rounds.map((r) => r.p.latency.p99)),
    ratio: median(rounds.map((r) => r.p.requests.average / r.b.requests.average)),
    non2xx: rounds.reduce((n, r) => n + r.p.non2xx + r.p.errors, 0),
  });
}
gate.child.kill("SIGTERM");
bare.child.kill("SIGTERM");

const fmt = (n, d = 0) => n.toFixed(d).padStart(8);
console.log(
  `\nmodelgate bench — medians of ${ROUNDS} paired rounds of ${DURATION}s, body ${Buffer.byteLength(sampleText)} B, node ${process.version}`,
);
console.log(
  "conns |  bare req/s  p50 ms  p99 ms | predict req/s  p50 ms  p99 ms | ratio* | non-2xx",
);
for (const r of rows) {
  console.log(
    `${String(r.c).padStart(5)} | ${fmt(r.bare)}  ${fmt(r.bareP50, 2)} ${fmt(r.bareP99, 2)} | ${fmt(r.predict)}     ${fmt(r.p50, 2)} ${fmt(r.p99, 2)} | ${r.ratio.toFixed(2)}   | ${r.non2xx}`,
  );
}
const at = (c) => rows.find((r) => r.c === c);
const verdicts = ["* the median of each round's predict/bare ratio"];
for (const c of [16, 64]) {
  const r = at(c);
  if (r) verdicts.push(`predict/bare at ${c} connections ${r.ratio.toFixed(2)} (target ≥ 0.50)`);
}
const r16 = at(16);
if (r16) verdicts.push(`predict p99 at 16 connections ${r16.p99.toFixed(2)} ms (target ≤ 5 ms)`);
console.log(verdicts.map((v) => `- ${v}`).join("\n"));
rmSync(dataDir, { recursive: true, force: true });
