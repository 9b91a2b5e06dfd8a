// npm run bench:metrics-profile: what /metrics costs predictions, as a share of the service's CPU
// samples under load (node --cpu-prof) — steadier than a throughput ratio on a shared, loaded
// machine, where two runs of the same build differ by more than the 3 % budget. Counts, with
// everything they call: code in dist/metrics/ and prom-client, and the performance.now() calls
// the batcher and the auth client make only for metrics. Start-up and the scrape are shown apart;
// the extra onResponse hook's dispatch inside Fastify is not attributed (it is Fastify's code).
// Usage: npm run bench:metrics-profile [-- --duration 15 --connections 16]
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
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
const DURATION = Number(arg("duration", "15"));
const CONNECTIONS = Number(arg("connections", "16"));

const dataDir = mkdtempSync(join(tmpdir(), "mg-prof-"));
const profDir = mkdtempSync(join(tmpdir(), "mg-prof-out-"));
const child = spawn(
  process.execPath,
  ["--cpu-prof", `--cpu-prof-dir=${profDir}`, "bin/modelgate", "serve"],
  { cwd: ROOT, env: { ...process.env, MODELGATE_DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "info" } },
);
let stderr = "";
let stdout = "";
child.stderr.on("data", (d) => (stderr += d));
const url = await new Promise((resolve, reject) => {
  child.stdout.on("data", (d) => {
    stdout += d;
    const line = stdout.split("\n").find((l) => l.includes('"url"'));
    if (line) resolve(JSON.parse(line).url);
  });
  child.on("exit", (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
});
child.stdout.resume();
for (let i = 0; i < 200; i++) {
  if ((await fetch(`${url}/ready`)).ok) break;
  await new Promise((r) => setTimeout(r, 50));
}
// Read after /ready: stderr (the banner) and stdout (the url) are separate pipes.
const key = /(hk_live_[0-9A-Za-z]+)/.exec(stderr)?.[1];
if (!key) throw new Error("no bootstrap key printed");
const body = JSON.stringify({
  inputs: JSON.parse(readFileSync(join(ROOT, "models/lead-scoring/seeds-example.json"), "utf8")),
});
const result = await autocannon({
  url: `${url}/api/v1/models/21/predict`,
  method: "POST",
  connections: CONNECTIONS,
  duration: DURATION,
  headers: { "content-type": "application/json", "x-api-key": key },
  body,
});
// One scrape, as Prometheus would make every 15 s.
await (await fetch(`${url}/metrics`)).text();
child.kill("SIGTERM");
await new Promise((resolve) => child.on("exit", resolve));

const file = readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
if (!file) throw new Error("no CPU profile written");
const profile = JSON.parse(readFileSync(join(profDir, file), "utf8"));
rmSync(profDir, { recursive: true, force: true });
rmSync(dataDir, { recursive: true, force: true });

const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const IDLE = new Set(["(idle)", "(program)"]);
const busy = profile.nodes
  .filter((n) => !IDLE.has(n.callFrame.functionName))
  .reduce((sum, n) => sum + (n.hitCount ?? 0), 0);
const urlOf = (id) => nodes.get(id)?.callFrame.url ?? "";
const isMetrics = (n) => {
  const u = n.callFrame.url;
  if (u.includes("/dist/metrics/") || u.includes("/prom-client/")) return true;
  const up = urlOf(parent.get(n.id));
  return n.callFrame.functionName === "now" && /batcher\.js|external\.js/.test(up);
};
/** Once at start-up (module loading, building the registry) or once a scrape, not per request. */
const phaseOf = (n) => {
  for (let at = n.id; at !== undefined; at = parent.get(at)) {
    const fn = nodes.get(at)?.callFrame.functionName ?? "";
    if (/^Module\._/.test(fn) || fn === "createMetrics") return "start-up";
    if ((fn === "metrics" || fn === "render") && urlOf(at).includes("/dist/metrics/")) {
      return "scrape";
    }
    // The registry's rendering and the scrape-time readers resume after awaits, off that stack.
    if (/prom-client\/lib\/registry\.js|dist\/metrics\/(scrape|cells)\.js/.test(urlOf(at))) {
      return fn === "observe" ? "request" : "scrape";
    }
  }
  return "request";
};
const inside = (id) => {
  for (let at = parent.get(id); at !== undefined; at = parent.get(at)) {
    if (isMetrics(nodes.get(at))) return true;
  }
  return false;
};
const inclusive = (n) =>
  (n.hitCount ?? 0) + (n.children ?? []).reduce((s, c) => s + inclusive(nodes.get(c)), 0);
const byFunction = new Map();
const byPhase = { request: 0, scrape: 0, "start-up": 0 };
for (const n of profile.nodes) {
  if (!isMetrics(n) || inside(n.id)) continue;
  const hits = inclusive(n);
  const phase = phaseOf(n);
  byPhase[phase] += hits;
  if (phase !== "request") continue;
  const name = `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.split("/").pop()}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
}
const pct = (x) => `${((100 * x) / busy).toFixed(2)} %`;
console.log(
  `\n/metrics cost — ${Math.round(result.requests.average)} predict req/s over ${DURATION}s at ${CONNECTIONS} connections, ${result.non2xx} non-2xx`,
);
console.log(
  `metrics code on the request path: ${pct(byPhase.request)} of the service's busy CPU samples (budget ≤ 3 %)`,
);
console.log(
  `  besides: one scrape ${pct(byPhase.scrape)}, start-up (loading prom-client, building the registry) ${pct(byPhase["start-up"])}`,
);
for (const [name, hits] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 10)) {
  console.log(`  ${pct(hits).padStart(8)}  ${name}`);
}
