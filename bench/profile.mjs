// npm run bench:profile: where a prediction's CPU goes. Serves model 21 under `node --cpu-prof`
// (npm start's defaults: embedded store, auth, rate limit, validation, usage records, metrics,
// info logs), drives predict at --connections for --duration seconds, and prints the flame
// graph's summary: the top frames by self time, and the busy time by area (modelgate's folders,
// each dependency, Node's internals, GC), as shares of the service's busy samples. Start-up is
// left out: sampling starts with the load (the profile's first samples before it are dropped).
// Usage: npm run bench:profile [-- --duration 15 --connections 16 --top 25 --keep FILE
//        --route predict|oip-fields|oip-tensor|oip-binary --auth-service --env KEY=VALUE ...]
import { writeFileSync } from "node:fs";
import autocannon from "autocannon";
import { spawn } from "node:child_process";
import { BENCH_ROUTES } from "./oip.mjs";
import { ROOT, argOf, startProfiledServe } from "./profiled-serve.mjs";

const args = process.argv.slice(2);
const arg = (name, fallback) => argOf(args, name, fallback);
const DURATION = Number(arg("duration", "15"));
const CONNECTIONS = Number(arg("connections", "16"));
const TOP = Number(arg("top", "25"));
const extraEnv = {};
args.forEach((a, i) => {
  if (a === "--env" && args[i + 1]?.includes("=")) {
    const [k, ...v] = args[i + 1].split("=");
    extraEnv[k] = v.join("=");
  }
});

// --route: one of BENCH_ROUTES (bench/oip.mjs): predict, oip-fields, oip-tensor, oip-binary.
const ROUTES = BENCH_ROUTES;
const ROUTE = arg("route", "predict");
if (!ROUTES[ROUTE]) throw new Error(`--route is one of ${Object.keys(ROUTES).join(", ")}`);
const [PATH, BODY, HEADERS] = ROUTES[ROUTE];

// --auth-service: keys validated by bench/fake-auth-server.mjs (its own process) and every
// answer reported to it, as `npm run bench -- --auth-service` runs it.
const AUTH_KEY = "hk_live_benchAuthServiceKey000000000001";
let authService = null;
if (args.includes("--auth-service")) {
  authService = spawn(process.execPath, ["bench/fake-auth-server.mjs", AUTH_KEY], { cwd: ROOT });
  const url = await new Promise((resolve, reject) => {
    let out = "";
    authService.stdout.on("data", (d) => {
      out += d;
      const line = out.split("\n").find((l) => l.includes('"url"'));
      if (line) resolve(JSON.parse(line).url);
    });
    authService.on("exit", (code) => reject(new Error(`fake auth service exited ${code}`)));
  });
  extraEnv.AUTH_SERVICE_URL = url;
}

const serve = await startProfiledServe(extraEnv);
if (authService) serve.key = AUTH_KEY;
const load = (duration) =>
  autocannon({
    url: `${serve.url}${PATH}`,
    method: "POST",
    connections: CONNECTIONS,
    duration,
    headers: { ...HEADERS, "x-api-key": serve.key },
    body: BODY,
  });
await load(2); // warm-up: the model loaded, the JIT settled
const result = await load(DURATION);
const profile = await serve.stop();
authService?.kill();
if (arg("keep", null)) writeFileSync(arg("keep", null), JSON.stringify(profile));

// Only the samples taken while the measured load ran (timeDeltas are µs since the previous one).
const hits = new Map();
{
  const endUs = profile.endTime;
  const windowUs = DURATION * 1e6;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    // The load ended just before SIGTERM: keep the last DURATION seconds before the shutdown's
    // own work (a few hundred ms at most, mostly idle).
    if (t < endUs - windowUs - 1e6) continue;
    hits.set(profile.samples[i], (hits.get(profile.samples[i]) ?? 0) + 1);
  }
}
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
// "(program)" is busy too (the VM and native code outside JavaScript: the event loop, syscalls);
// only "(idle)" is the thread waiting for I/O.
const IDLE = new Set(["(idle)"]);
const selfOf = (n) => hits.get(n.id) ?? 0;
const busy = profile.nodes
  .filter((n) => !IDLE.has(n.callFrame.functionName))
  .reduce((s, n) => s + selfOf(n), 0);
const total = profile.nodes.reduce((s, n) => s + selfOf(n), 0);

/** Which part of the stack a frame belongs to: a modelgate folder, a package, Node, GC. */
function areaOf(frame) {
  const u = frame.url;
  if (frame.functionName === "(garbage collector)") return "GC";
  if (!u) return frame.functionName.startsWith("(") ? frame.functionName : "(native)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (pkg) return pkg[1];
  const own = /\/dist\/([^/]+)(?:\/([^/]+))?/.exec(u);
  if (own)
    return own[2] && !own[2].endsWith(".js")
      ? `modelgate ${own[1]}/${own[2]}`
      : `modelgate ${own[1]}`;
  if (u.startsWith("node:")) return `node ${u.slice(5).split("/")[0]}`;
  return u.split("/").pop();
}
const bySelf = new Map();
const byArea = new Map();
for (const n of profile.nodes) {
  const h = selfOf(n);
  if (!h || IDLE.has(n.callFrame.functionName)) continue;
  const f = n.callFrame;
  const name = `${f.functionName || "(anonymous)"}  ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;
  bySelf.set(name, (bySelf.get(name) ?? 0) + h);
  const area = areaOf(f);
  byArea.set(area, (byArea.get(area) ?? 0) + h);
}
const pct = (x, of = busy) => `${((100 * x) / of).toFixed(1).padStart(5)} %`;
console.log(
  `\nCPU profile of ${ROUTE} — ${Math.round(result.requests.average)} req/s over ${DURATION}s at ${CONNECTIONS} connections (p99 ${result.latency.p99} ms, ${result.non2xx} non-2xx); the service's main thread was busy ${pct(busy, total)} of the samples`,
);
console.log(`\nself time by area (share of busy samples):`);
for (const [area, h] of [...byArea].sort((a, b) => b[1] - a[1]).slice(0, 20)) {
  console.log(`  ${pct(h)}  ${area}`);
}
// Total (inclusive) time: each sample counted once for every distinct function on its stack.
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const frameName = (f) =>
  `${f.functionName || "(anonymous)"}  ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;
const byTotal = new Map();
for (const n of profile.nodes) {
  const h = selfOf(n);
  if (!h || IDLE.has(n.callFrame.functionName)) continue;
  const seen = new Set();
  for (let at = n.id; at !== undefined; at = parent.get(at)) {
    const f = nodes.get(at).callFrame;
    if (f.functionName === "(root)") continue;
    const name = frameName(f);
    if (seen.has(name)) continue;
    seen.add(name);
    byTotal.set(name, (byTotal.get(name) ?? 0) + h);
  }
}
console.log(`\ntop ${TOP} functions by total time (with what they call):`);
for (const [name, h] of [...byTotal].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
  console.log(`  ${pct(h)}  ${name}`);
}
console.log(`\ntop ${TOP} frames by self time:`);
for (const [name, h] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
  console.log(`  ${pct(h)}  ${name}`);
}
