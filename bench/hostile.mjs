// npm run bench:hostile: what 60 of the worst request bodies an ordinary predict key can send,
// all at once, cost a real `modelgate serve` (built, on a temporary data dir).
//   Peak RSS (VmHWM) against the RSS after start-up and one prediction: target +200 MB.
//   /live latency sampled every 20 ms throughout: target under 100 ms.
// Before issue 10, 60 batches of unknown fields drove RSS to 4.4 GB and stalled /live for 25 s.
// Usage: npm run bench:hostile [-- --concurrency 60 --rounds 3 --only "deep nesting"
//        --body-limit 1048576 --profile DIR]
import { Agent, request } from "node:http";
import { availableParallelism, loadavg } from "node:os";
import { Worker } from "node:worker_threads";
import { procStatusKb, SEED_INPUT, startServer } from "./hostile-server.mjs";

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const CONCURRENCY = Number(arg("concurrency", "60"));
const ROUNDS = Number(arg("rounds", "3"));
/**
 * MODELGATE_BODY_LIMIT_BYTES of the server (its default unless --body-limit): each body is
 * built to just under it.
 */
const BODY_LIMIT = Number(arg("body-limit", "1048576"));
const MAX_BATCH = 64; // model 21's max_batch_size

/** Fills `make(i)` into a batch until the JSON is just under the body limit. */
function fill(prefix, make, suffix) {
  const parts = [];
  let size = prefix.length + suffix.length;
  for (let i = 0; ; i++) {
    const part = (i === 0 ? "" : ",") + make(i);
    if (size + part.length > BODY_LIMIT - 16) break;
    parts.push(part);
    size += part.length;
  }
  return prefix + parts.join("") + suffix;
}

const seed = JSON.stringify(SEED_INPUT).slice(1, -1);
/** One input of about `bytes`: the seeds' fields, then `extra(i)` fields until it is full. */
function bigInput(bytes, extra) {
  const fields = [seed];
  let size = seed.length + 2;
  for (let i = 0; size < bytes - 40; i++) {
    const field = extra(i);
    fields.push(field);
    size += field.length + 1;
  }
  return `{${fields.join(",")}}`;
}
const batch = (input, count = MAX_BATCH) =>
  `{"inputs":[${Array.from({ length: count }, () => input).join(",")}]}`;
const PER_INPUT = Math.floor((BODY_LIMIT - 64) / MAX_BATCH) - 1;

const BODIES = {
  // The body: a full batch whose inputs carry thousands of unknown fields.
  "unknown fields in a batch": batch(bigInput(PER_INPUT, (i) => `"unknown_field_${i}":${i}`)),
  "unknown top-level keys": fill(`{"inputs":{${seed}},`, (i) => `"k${i}":[1,2]`, "}"),
  "deep nesting": (() => {
    const depth = Math.floor((BODY_LIMIT - seed.length - 64) / 2);
    return `{"inputs":{${seed},"title":${"[".repeat(depth)}${"]".repeat(depth)}}}`;
  })(),
  "long strings": batch(
    JSON.stringify({ ...SEED_INPUT, title: "x".repeat(PER_INPUT - seed.length - 40) }),
  ),
  "wrong types, nested values": batch(
    bigInput(PER_INPUT, (i) =>
      i < Object.keys(SEED_INPUT).length
        ? `"${Object.keys(SEED_INPUT)[i]}":{"nested":[[[${i}]]]}`
        : `"x${i}":{"a":[{"b":[${i}]}]}`,
    ),
  ),
  "a batch of 100,000 inputs": fill('{"inputs":[', () => "{}", "]}"),
};
for (const [name, body] of Object.entries(BODIES)) {
  JSON.parse(body); // each must be valid JSON, or it only measures the JSON parser's refusal
  if (Buffer.byteLength(body) > BODY_LIMIT) throw new Error(`${name}: ${body.length} bytes`);
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY + 4 });

function send(url, path, body, headers = {}) {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = request(
      `${url}${path}`,
      {
        method: body === undefined ? "GET" : "POST",
        agent,
        headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
      },
      (res) => {
        let bytes = 0;
        let text = "";
        res.on("data", (d) => {
          bytes += d.length;
          if (text.length < 2000) text += d;
        });
        res.on("end", () =>
          resolve({ status: res.statusCode, bytes, ms: performance.now() - started, text }),
        );
      },
    );
    req.on("error", (err) =>
      resolve({ status: 0, bytes: 0, ms: performance.now() - started, text: err.message }),
    );
    req.end(body);
  });
}

/**
 * /live every 20 ms on its own connection until stopped; the answer times. It runs in a worker
 * thread: this thread is busy writing 60 MB of bodies, which would otherwise delay the answers'
 * reading and count as the server's latency.
 */
function sampleLive(url) {
  const worker = new Worker(
    `
    const { parentPort, workerData } = require("node:worker_threads");
    const { Agent, request } = require("node:http");
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const times = [];
    let running = true;
    parentPort.on("message", () => { running = false; });
    (async () => {
      while (running) {
        const started = performance.now();
        await new Promise((resolve) => {
          const req = request(workerData.url + "/live", { agent }, (res) => {
            res.resume();
            res.on("end", resolve);
          });
          req.on("error", resolve);
          req.end();
        });
        times.push(performance.now() - started);
        await new Promise((r) => setTimeout(r, 20));
      }
      agent.destroy();
      parentPort.postMessage(times);
    })();
    `,
    { eval: true, workerData: { url } },
  );
  const times = new Promise((resolve) => worker.once("message", resolve));
  return {
    async stop() {
      worker.postMessage("stop");
      const result = await times;
      await worker.terminate();
      return result;
    },
  };
}

function sampleRss(pid) {
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, procStatusKb(pid, "VmRSS") ?? 0);
  }, 20);
  return () => {
    clearInterval(timer);
    return peak;
  };
}

const pct = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
const mb = (kb) => (kb / 1024).toFixed(1);

// --profile DIR: the server writes a V8 CPU profile there when it stops (open it in Chrome
// DevTools or speedscope) — where the time of the hostile bodies goes.
const PROFILE = arg("profile", "");
const server = await startServer(
  { MODELGATE_BODY_LIMIT_BYTES: String(BODY_LIMIT) },
  { nodeArgs: PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE}`] : [] },
);
try {
  const headers = { "X-API-Key": server.predictKey };
  const warm = await send(
    server.url,
    "/api/v1/models/21/predict",
    JSON.stringify({ inputs: SEED_INPUT }),
    headers,
  );
  if (warm.status !== 200) throw new Error(`warm-up prediction: ${warm.status} ${warm.text}`);
  await new Promise((r) => setTimeout(r, 500));
  const startKb = procStatusKb(server.pid, "VmRSS");
  console.log(`server pid ${server.pid}, RSS after start-up and one prediction: ${mb(startKb)} MB`);
  console.log("\none of each body (status, answer size, time):");
  for (const [name, body] of Object.entries(BODIES)) {
    const res = await send(server.url, "/api/v1/models/21/predict", body, headers);
    const code = /"code":"([a-z_]+)"/.exec(res.text)?.[1] ?? "";
    console.log(
      `  ${name.padEnd(28)} ${(body.length / 1024).toFixed(0).padStart(5)} KB → ${res.status} ${code.padEnd(18)} ${String(res.bytes).padStart(6)} B ${res.ms.toFixed(0).padStart(6)} ms`,
    );
  }

  // --only "deep nesting,long strings": send only these kinds (which body costs what).
  const only = arg("only", "");
  const kinds = Object.entries(BODIES)
    .filter(([name]) => !only || only.split(",").includes(name))
    .map(([, body]) => body);
  // The baseline: /live on this machine, as loaded as it is now, with no hostile body in flight.
  const idle = sampleLive(server.url);
  await new Promise((r) => setTimeout(r, 3_000));
  const baseline = await idle.stop();
  console.log(
    `\n/live with nothing else sent (baseline): ${baseline.length} samples, p50 ${pct(baseline, 50).toFixed(1)} ms, p99 ${pct(baseline, 99).toFixed(1)} ms, max ${Math.max(...baseline).toFixed(1)} ms`,
  );
  let worstLive = 0;
  let peakRss = 0;
  const allLive = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const live = sampleLive(server.url);
    const stopRss = sampleRss(server.pid);
    await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: CONCURRENCY }, (_, i) =>
        send(server.url, "/api/v1/models/21/predict", kinds[i % kinds.length], headers),
      ),
    );
    const wall = performance.now() - started;
    await new Promise((r) => setTimeout(r, 200));
    const times = await live.stop();
    const roundPeak = stopRss();
    peakRss = Math.max(peakRss, roundPeak);
    worstLive = Math.max(worstLive, ...times);
    allLive.push(...times);
    const statuses = {};
    for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
    console.log(
      `\nround ${round}: ${CONCURRENCY} bodies at once in ${wall.toFixed(0)} ms, statuses ${JSON.stringify(statuses)}, answers ${(answers.reduce((s, a) => s + a.bytes, 0) / 1024).toFixed(0)} KB in all`,
    );
    console.log(
      `  RSS peak (sampled) ${mb(roundPeak)} MB; /live ${times.length} samples, p50 ${pct(times, 50).toFixed(1)} ms, p99 ${pct(times, 99).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms`,
    );
  }
  const hwm = procStatusKb(server.pid, "VmHWM");
  const growth = Math.max(hwm ?? 0, peakRss) - startKb;
  console.log(
    `\nresult: start ${mb(startKb)} MB, peak ${mb(Math.max(hwm ?? 0, peakRss))} MB (VmHWM ${mb(hwm ?? 0)} MB): +${mb(growth)} MB (target < +200 MB) ${growth < 200 * 1024 ? "OK" : "OVER"}`,
  );
  console.log(
    `        /live max ${worstLive.toFixed(1)} ms, p99 ${pct(allLive, 99).toFixed(1)} ms over ${allLive.length} samples (target < 100 ms) ${worstLive < 100 ? "OK" : "OVER"}; baseline max ${Math.max(...baseline).toFixed(1)} ms, p99 ${pct(baseline, 99).toFixed(1)} ms (load ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores)`,
  );
  if (server.exited) console.log(`server exited: ${JSON.stringify(server.exited)}`);
} finally {
  agent.destroy();
  await server.stop();
}
