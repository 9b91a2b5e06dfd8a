// npm run bench:metrics-profile: what /metrics costs predictions, as a share of the service's CPU
// samples under load (node --cpu-prof) — steadier than a throughput ratio on a shared, loaded
// machine, where two runs of the same build differ by more than the 3 % budget. Counts, with
// everything they call: code in dist/metrics/ and prom-client, and the performance.now() calls
// the batcher and the auth client make only for metrics. Start-up and the scrape are shown apart;
// the extra onResponse hook's dispatch inside Fastify is not attributed (it is Fastify's code).
// Usage: npm run bench:metrics-profile [-- --duration 15 --connections 16]
import autocannon from "autocannon";
import { SEED_BODY, argOf, startProfiledServe } from "./profiled-serve.mjs";

const args = process.argv.slice(2);
const DURATION = Number(argOf(args, "duration", "15"));
const CONNECTIONS = Number(argOf(args, "connections", "16"));

const serve = await startProfiledServe();
const result = await autocannon({
  url: `${serve.url}/api/v1/models/21/predict`,
  method: "POST",
  connections: CONNECTIONS,
  duration: DURATION,
  headers: { "content-type": "application/json", "x-api-key": serve.key },
  body: SEED_BODY,
});
// One scrape, as Prometheus would make every 15 s.
await (await fetch(`${serve.url}/metrics`)).text();
const profile = await serve.stop();

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
