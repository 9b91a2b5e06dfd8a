// npm run bench: predict (auth + validation + model 21, default log level) against a bare
// Fastify route answering a same-size JSON, both driven by autocannon in this run, so the
// ratios hold whatever the machine. Predict is measured twice a round, on a service with
// metrics (the default) and on one with METRICS_ENABLED=false: their ratio is what /metrics
// costs (budget: 3 %). Usage: npm run bench [-- --duration 3 --rounds 7 --connections 1,16,64
// --oip-rounds 5 --oip-only --no-oip --no-memory]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { benchOip, printOip } from "./oip.mjs";

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
// --auth-service: keys are validated by a fake of the seeds' auth service in its own process,
// and every answer is reported to it (USAGE_REPORT, on by default with AUTH_SERVICE_URL).
const AUTH_SERVICE = args.includes("--auth-service");
const AUTH_KEY = "hk_live_benchAuthServiceKey000000000001";

const SEED_BODY = JSON.stringify({
  inputs: JSON.parse(
    readFileSync(new URL("../models/lead-scoring/seeds-example.json", import.meta.url), "utf8"),
  ),
});

/** Set once the run is over and the children are told to stop. */
let stopping = false;

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
    child.on("exit", (code, signal) => {
      const why = new Error(`${argv.join(" ")} exited ${code ?? signal}: ${err.slice(-4000)}`);
      // Once started, a child that ends before we stop it is the run's failure, said at once.
      if (out === null && !stopping) console.error(why.message);
      reject(why);
    });
  });
}

/**
 * CPU seconds a process has used (user + system, from /proc; null elsewhere). CPU per request
 * holds on a loaded machine where throughput swings with what else runs.
 */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return null;
  }
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

const dataDirs = [];
/** A modelgate serving model 21 on its own data dir; resolves once /ready says so. */
async function startGate(env) {
  const dataDir = mkdtempSync(join(tmpdir(), "mg-bench-"));
  dataDirs.push(dataDir);
  const gate = await startChild(process.execPath, ["bin/modelgate", "serve"], {
    MODELGATE_DATA_DIR: dataDir,
    PORT: "0",
    LOG_LEVEL: "info",
    ...env,
  });
  // The banner (stderr) may reach us after the "serving" line (stdout): two pipes, no order.
  let key;
  for (let i = 0; i < 250 && !key; i++) {
    key = /(hk_live_[0-9A-Za-z]+)/.exec(gate.stderr())?.[1];
    if (!key) await new Promise((r) => setTimeout(r, 20));
  }
  if (!key) throw new Error("no bootstrap key printed");
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${gate.url}/ready`);
    if (res.ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { ...gate, key, predictUrl: `${gate.url}/api/v1/models/21/predict` };
}
const authService = AUTH_SERVICE
  ? await startChild(process.execPath, ["bench/fake-auth-server.mjs", AUTH_KEY], {})
  : null;
const authEnv = authService ? { AUTH_SERVICE_URL: authService.url } : {};
const gate = await startGate(authEnv);
const gateOff = await startGate({ ...authEnv, METRICS_ENABLED: "false" });
if (authService) gate.key = gateOff.key = AUTH_KEY;
const { key, predictUrl } = gate;
const sample = await fetch(predictUrl, {
  method: "POST",
  headers: { "x-api-key": key, "content-type": "application/json" },
  body: SEED_BODY,
});
const sampleText = await sample.text();
if (sample.status !== 200) throw new Error(`predict answered ${sample.status}: ${sampleText}`);
// The Open Inference Protocol route on the same modelgate (bench/oip.mjs); --no-oip skips it.
if (!args.includes("--no-oip")) {
  const oipRounds = Math.max(1, Number(arg("oip-rounds", "5")));
  const oip = {
    url: gate.url,
    pid: gate.child.pid,
    key,
    connections: CONNECTIONS,
    rounds: oipRounds,
    duration: DURATION,
  };
  printOip(await benchOip(oip), oipRounds, DURATION);
  // --oip-only: the protocol's figures alone (issue 14), without bare/predict and memory.
  if (args.includes("--oip-only")) {
    stopping = true;
    authService?.child.kill("SIGTERM");
    gate.child.kill("SIGTERM");
    gateOff.child.kill("SIGTERM");
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  }
}
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
    const measurePredict = async (g = gate) => {
      await run(g.predictUrl, c, { "x-api-key": g.key }, 1);
      const before = cpuSeconds(g.child.pid);
      const result = await run(g.predictUrl, c, { "x-api-key": g.key }, DURATION);
      const after = cpuSeconds(g.child.pid);
      const cpuUs =
        before === null || after === null ? null : ((after - before) * 1e6) / result.requests.total;
      return { ...result, cpuUs };
    };
    let b;
    let p;
    let off;
    if (round % 2 === 0) {
      b = await measureBare();
      p = await measurePredict();
      off = await measurePredict(gateOff);
    } else {
      off = await measurePredict(gateOff);
      p = await measurePredict();
      b = await measureBare();
    }
    rounds.push({ b, p, off });
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
    non2xx: rounds.reduce((n, r) => n + r.p.non2xx + r.p.errors + r.off.non2xx + r.off.errors, 0),
    metricsOff: median(rounds.map((r) => r.off.requests.average)),
    metricsRatio: median(rounds.map((r) => r.p.requests.average / r.off.requests.average)),
    cpuOn: median(rounds.map((r) => r.p.cpuUs ?? NaN)),
    cpuOff: median(rounds.map((r) => r.off.cpuUs ?? NaN)),
    cpuRatio: median(rounds.map((r) => (r.p.cpuUs ?? NaN) / (r.off.cpuUs ?? NaN))),
  });
}
// The scrape Prometheus would make, so the run shows the counters it paid for.
const scraped = await (await fetch(`${gate.url}/metrics`)).text();
const counted =
  /^modelgate_http_requests_total\{method="POST",route="\/api\/v1\/models\/:model_id\/predict",status="200"\} (\d+)/m.exec(
    scraped,
  )?.[1];
// What the usage reports did meanwhile (--auth-service), before the services stop.
const reports = authService
  ? {
      on: (await (await fetch(`${gate.url}/health`)).json()).usage_reports,
      off: (await (await fetch(`${gateOff.url}/health`)).json()).usage_reports,
      received: await (await fetch(`${authService.url}/stats`)).json(),
    }
  : null;
stopping = true;
authService?.child.kill("SIGTERM");
gate.child.kill("SIGTERM");
gateOff.child.kill("SIGTERM");
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
// Issue 13's targets: at least half of bare Fastify at 16 connections, 0.60 at 64.
for (const [c, target] of [
  [16, 0.5],
  [64, 0.6],
]) {
  const r = at(c);
  if (r) {
    const met = r.ratio >= target ? "met" : "missed";
    verdicts.push(
      `predict/bare at ${c} connections ${r.ratio.toFixed(2)} (target ≥ ${target.toFixed(2)}: ${met})`,
    );
  }
}
const r16 = at(16);
if (r16) verdicts.push(`predict p99 at 16 connections ${r16.p99.toFixed(2)} ms (target ≤ 5 ms)`);
for (const r of rows) {
  verdicts.push(
    `metrics on/off at ${r.c} connections ${r.metricsRatio.toFixed(3)} (${Math.round(r.predict)} vs ${Math.round(r.metricsOff)} req/s; cost ${((1 - r.metricsRatio) * 100).toFixed(1)} %, budget ≤ 3 %)`,
  );
  if (Number.isFinite(r.cpuRatio)) {
    verdicts.push(
      `  CPU per predict at ${r.c} connections, metrics on/off ${r.cpuRatio.toFixed(3)} (${r.cpuOn.toFixed(0)} vs ${r.cpuOff.toFixed(0)} µs; the steadier figure on a loaded machine)`,
    );
  }
}
verdicts.push(
  `/metrics counted ${counted ?? "no"} successful predictions on the metrics-on service`,
);
if (reports) {
  const { on, off, received } = reports;
  verdicts.push(
    `--auth-service: keys validated by a fake auth service, usage reporting on; reports sent ${on.sent + off.sent}, dropped ${on.dropped + off.dropped}, still queued ${on.queued + off.queued}; the fake received ${received.usage} well-formed (${received.badUsage} malformed)`,
  );
}
console.log(verdicts.map((v) => `- ${v}`).join("\n"));
for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });

// The memory report and the usage-summary timing of issue 13 (bench/memory.mjs, alone:
// `npm run bench:memory`): RSS after start, peak and after a run, embedded and PostgreSQL.
// `--no-memory` skips it; `--memory-duration 60` sets its run.
if (!args.includes("--no-memory")) {
  const memory = spawn(
    process.execPath,
    ["bench/memory.mjs", "--duration", arg("memory-duration", "60")],
    { cwd: ROOT, stdio: "inherit" },
  );
  await new Promise((resolve) => memory.once("exit", resolve));
}
