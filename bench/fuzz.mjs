// npm run fuzz: 100,000 fuzzed requests (the arbitraries of test/fuzz.test.ts) against a real,
// built `modelgate serve` on a temporary data dir, then the figures the issue judges by:
//   requests sent, HTTP 500s (must be 0), crashes (the process exited: must be 0), answers not
//   in the envelope (must be 0), and RSS after warm-up, at the end, and its growth (target < 10%).
// Every answer gets the fuzz suite's checks (no 5xx but a documented 503, the envelope, no API
// key, bounded error answers, an answer for every connection).
// Usage: npm run fuzz [-- --requests 100000 --concurrency 24 --seed 42 --warmup 5000
//        --public-only --node-args "--trace-gc" --server-log /tmp/serve.log]
// Runs on tsx (it imports the suite's TypeScript arbitraries); `npm run fuzz` builds first.
import fc from "fast-check";
import { socketAdminOps } from "../src/cli/admin-client.ts";
import { adminSocketPath } from "../src/server/admin/socket.ts";
import { answerProblems, endpointOf, exchange } from "../test/fuzz-http.ts";
import {
  adminCall,
  adminRequest,
  describe,
  malformedBytes,
  modelRouteRequest,
  predictRequest,
  publicRequest,
  toWire,
} from "../test/fuzz-requests.ts";
import { procStatusKb, ROOT, startServer } from "./hostile-server.mjs";
import { createWriteStream, readFileSync } from "node:fs";
import { join } from "node:path";

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const REQUESTS = Number(arg("requests", "100000"));
const CONCURRENCY = Number(arg("concurrency", "24"));
const WARMUP = Number(arg("warmup", "5000"));
const SEED = Number(arg("seed", String(Date.now() % 2 ** 31)));
const WAIT_MS = 15_000;
/** Requests generated at a time (bodies reach 1 MB: never all 100,000 in memory). */
const CHUNK = 250;

const LEAD_SCORING = join(ROOT, "models/lead-scoring/");
const SPEC = JSON.parse(readFileSync(join(LEAD_SCORING, "modelgate.json"), "utf8"));
const SOURCES = [
  LEAD_SCORING,
  "builtin:lead-scoring",
  "/nonexistent/folder",
  "/dev",
  "hf://org/repo",
  "http://127.0.0.1:1/model.tar.gz",
  "mlflow://model/1",
];

// What is sent, by share: mostly the public API; a little admin (each key it creates and each
// model it registers is state the server rightly keeps, which would read as growth).
// --public-only: no admin socket calls, so nothing is created that the server must keep (keys,
// models): what remains of RSS growth is the request path's own.
const PUBLIC_ONLY = args.includes("--public-only");
const ADMIN_WEIGHT = PUBLIC_ONLY ? 0 : 1;
const MIX = fc.oneof(
  { weight: 55, arbitrary: publicRequest.map((r) => ({ kind: "public", r })) },
  { weight: 30, arbitrary: predictRequest.map((r) => ({ kind: "public", r })) },
  {
    weight: 5,
    arbitrary: modelRouteRequest(["fz-1", "fz-2", "fz-3", "21"]).map((r) => ({
      kind: "public",
      r,
    })),
  },
  { weight: 5, arbitrary: malformedBytes.map((bytes) => ({ kind: "malformed", bytes })) },
  {
    weight: 2 * ADMIN_WEIGHT,
    arbitrary: adminRequest(SPEC, SOURCES).map((r) => ({ kind: "admin", r })),
  },
  {
    weight: ADMIN_WEIGHT,
    arbitrary: adminCall(SPEC, SOURCES).map((r) => ({ kind: "admin", r })),
  },
);

// --node-args "--trace-gc" --server-log FILE: how the server's heap behaves along the run.
const SERVER_LOG = arg("server-log", "");
const serverLog = SERVER_LOG ? createWriteStream(SERVER_LOG) : null;
const server = await startServer(
  {
    MODELGATE_REQUEST_TIMEOUT_MS: "1000",
    MODELGATE_HEADERS_TIMEOUT_MS: "500",
    RATE_LIMIT_DEFAULT_PER_HOUR: "0",
    AUTH_FAILED_ATTEMPTS_PER_MINUTE: "1000000",
    HF_ENDPOINT: "http://127.0.0.1:1",
    MODELGATE_SOURCE_RETRIES: "0",
  },
  {
    nodeArgs: arg("node-args", "").split(" ").filter(Boolean),
    onStdout: serverLog ? (d) => serverLog.write(d) : undefined,
  },
);
const admin = socketAdminOps(adminSocketPath(server.dataDir));
const make = async (name, extra) => (await admin.createKey({ ...extra, name })).key;
const revoked = await admin.createKey({ name: "revoked", scopes: ["predict"] });
await admin.revokeKey(revoked.id);
const keys = {
  admin: server.adminKey,
  predict: server.predictKey,
  reader: await make("reader", { scopes: ["models:read"] }),
  limited: await make("limited", { scopes: ["predict", "models:read"], rate_limit_per_hour: 1 }),
  restricted: await make("restricted", { scopes: ["predict", "models:read"], models: ["fz-1"] }),
  revoked: revoked.key,
};
if (!keys.admin) throw new Error("no bootstrap admin key in the server's output");
const secrets = Object.values(keys);
const publicEndpoint = endpointOf(server.url);
const adminEndpoint = { socketPath: adminSocketPath(server.dataDir) };

const totals = {
  requests: 0,
  answers: 0,
  status500: 0,
  status5xx: 0,
  notEnvelope: 0,
  keyLeaks: 0,
  hangs: 0,
  unanswered: 0,
  resets: 0,
  crashes: 0,
};
const byStatus = new Map();
const examples = [];

function note(problem, what) {
  if (examples.length < 20) examples.push(`${problem}\n      ${what.slice(0, 400)}`);
}

async function sendOne(item) {
  let ex;
  let sent;
  let what;
  if (item.kind === "malformed") {
    ex = await exchange(publicEndpoint, Buffer.from(item.bytes), {
      expect: 1,
      methods: ["GET"],
      waitMs: WAIT_MS,
    });
    sent = { method: "GET", path: "", surface: "public" };
    what = JSON.stringify(Buffer.from(item.bytes).toString("latin1").slice(0, 200));
  } else {
    const wire = toWire(item.r, keys);
    ex = await exchange(item.kind === "admin" ? adminEndpoint : publicEndpoint, wire.bytes, {
      expect: wire.expect,
      methods: wire.methods,
      waitMs: WAIT_MS,
    });
    sent = { method: item.r.method, path: item.r.target.split("?")[0], surface: item.kind };
    what = describe(item.r);
  }
  totals.requests++;
  if (ex.timedOut) {
    totals.hangs++;
    note(`no answer within ${WAIT_MS} ms`, what);
  }
  // A server may answer a request before reading its body and close the connection; a client
  // still sending a large body then gets a reset that can discard the answer it was sent.
  const large = item.kind !== "malformed" && (item.r.body?.length ?? 0) > 64 * 1024;
  if (ex.answers.length === 0 && !ex.timedOut && item.kind !== "malformed") {
    if (large) totals.resets++;
    else {
      totals.unanswered++;
      note("closed without an answer", what);
    }
  }
  ex.answers.forEach((answer, i) => {
    totals.answers++;
    byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
    if (answer.status === 500) totals.status500++;
    if (answer.status >= 500) totals.status5xx++;
    const problems = answerProblems(i === 0 ? sent : { ...sent, path: "" }, answer, secrets);
    if (problems.some((p) => p.startsWith("an API key"))) totals.keyLeaks++;
    if (problems.some((p) => !p.startsWith("an API key") && !p.startsWith("status "))) {
      totals.notEnvelope++;
    }
    if (problems.length > 0) {
      note(`${problems.join("; ")} (${answer.status} ${answer.body.subarray(0, 200)})`, what);
    }
  });
}

/** Sends `count` generated requests, CONCURRENCY at a time; the generator's seed moves per chunk. */
async function run(count, seedBase, progress) {
  let done = 0;
  for (let chunk = 0; done < count; chunk++) {
    const n = Math.min(CHUNK, count - done);
    const items = fc.sample(MIX, { numRuns: n, seed: seedBase + chunk });
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < items.length) {
          const item = items[next++];
          await sendOne(item);
        }
      }),
    );
    done += n;
    if (server.exited) {
      totals.crashes++;
      throw new Error(`the server exited: ${JSON.stringify(server.exited)}\n${server.stderr}`);
    }
    progress?.(done);
  }
}

const mb = (kb) => (kb / 1024).toFixed(1);
const started = performance.now();
try {
  console.log(
    `fuzz: seed ${SEED}, ${REQUESTS} requests after ${WARMUP} of warm-up, ${CONCURRENCY} at a time, server pid ${server.pid}`,
  );
  await run(WARMUP, SEED + 1_000_000);
  await new Promise((r) => setTimeout(r, 1_000));
  const idleStartKb = procStatusKb(server.pid, "VmRSS");
  console.log(`RSS after warm-up: ${mb(idleStartKb)} MB (idle)`);
  Object.assign(totals, { requests: 0, answers: 0 });
  byStatus.clear();
  // RSS every 250 ms with the requests sent so far: a single reading swings by ±50 MB with the
  // garbage collector's timing, so start and end are medians over the first and last 5%.
  let sent = 0;
  const rss = [];
  const sampler = setInterval(() => {
    const kb = procStatusKb(server.pid, "VmRSS");
    if (kb) rss.push({ sent, kb });
  }, 250);
  let last = performance.now();
  await run(REQUESTS, SEED, (done) => {
    sent = done;
    if (performance.now() - last > 10_000 || done === REQUESTS) {
      last = performance.now();
      const rate = done / ((performance.now() - started) / 1000);
      console.log(
        `  ${done} sent, RSS ${mb(procStatusKb(server.pid, "VmRSS") ?? 0)} MB, ${rate.toFixed(0)} req/s, 500s ${totals.status500}, not in the envelope ${totals.notEnvelope}`,
      );
    }
  });
  // Let the write-behind usage buffer and idle timers settle before the last reading.
  clearInterval(sampler);
  await new Promise((r) => setTimeout(r, 3_000));
  const idleEndKb = procStatusKb(server.pid, "VmRSS");
  const peakKb = procStatusKb(server.pid, "VmHWM");
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const startKb = median(rss.filter((r) => r.sent <= REQUESTS * 0.05).map((r) => r.kb));
  const endKb = median(rss.filter((r) => r.sent >= REQUESTS * 0.95).map((r) => r.kb));
  const growth = ((endKb - startKb) / startKb) * 100;
  const idleGrowth = ((idleEndKb - idleStartKb) / idleStartKb) * 100;
  const pct = (x) => `${x >= 0 ? "+" : ""}${x.toFixed(1)}%`;
  const statuses = [...byStatus].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}:${n}`);
  console.log(
    `\nrequests:            ${totals.requests} (${totals.answers} answers; ${statuses.join(" ")})`,
  );
  console.log(
    `HTTP 500:            ${totals.status500} (any 5xx: ${totals.status5xx}, all 503 with a documented code unless listed below)`,
  );
  console.log(`crashes:             ${server.exited ? 1 : 0}`);
  console.log(`not in the envelope: ${totals.notEnvelope}`);
  console.log(`API keys in answers: ${totals.keyLeaks}`);
  console.log(
    `hangs (> ${WAIT_MS / 1000} s):      ${totals.hangs}; closed unanswered: ${totals.unanswered} (reset while sending a body over 64 KB: ${totals.resets})`,
  );
  console.log(
    `RSS (median, first 5% → last 5% of the run): ${mb(startKb)} → ${mb(endKb)} MB, ${pct(growth)} (target < 10%) ${growth < 10 ? "OK" : "OVER"}`,
  );
  console.log(
    `RSS (idle, after warm-up → after the run):   ${mb(idleStartKb)} → ${mb(idleEndKb)} MB, ${pct(idleGrowth)}; peak ${mb(peakKb)} MB`,
  );
  console.log(`time: ${((performance.now() - started) / 1000).toFixed(0)} s`);
  if (examples.length > 0) console.log(`\nfirst problems:\n  ${examples.join("\n  ")}`);
  const failed =
    totals.status500 > 0 ||
    server.exited ||
    totals.notEnvelope > 0 ||
    totals.keyLeaks > 0 ||
    totals.hangs > 0 ||
    totals.unanswered > 0;
  process.exitCode = failed ? 1 : 0;
} finally {
  await server.stop();
}
