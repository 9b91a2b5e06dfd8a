// npm run bench:cold — cold start of a Hub model: `models register` (download + checks) against a
// running server, then the first prediction (load into the server), measured against the same
// steps for the shipped local model, in the same run. The Hub is the test suite's fake Hub on
// 127.0.0.1, serving the real model 21 package, so the figures are modelgate's own cost.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SEEDS_EXAMPLE } from "../models/lead-scoring/build.js";
import { PUBLIC_REPO, startFakeHub } from "../test/support/fake-hub.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const RUNS = Number(process.argv[2] ?? "3");

function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["bin/modelgate", ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (code) => resolve({ code, out }));
  });
}

async function serve(env: Record<string, string>) {
  const child = spawn(process.execPath, ["bin/modelgate", "serve"], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
  let out = "";
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.includes('"modelgate is serving"'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.on("exit", (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  const key = /(hk_live_[0-9A-Za-z]+)/.exec(err)?.[1] ?? "";
  return { child, url, key };
}

async function coldStart(
  id: string,
  source: string,
  env: Record<string, string>,
  server: { url: string; key: string },
) {
  const t0 = performance.now();
  const reg = await run(["models", "register", id, "--source", source], env);
  if (reg.code !== 0) throw new Error(reg.out);
  const t1 = performance.now();
  const res = await fetch(`${server.url}/api/v1/models/${id}/predict`, {
    method: "POST",
    headers: { "x-api-key": server.key, "content-type": "application/json" },
    body: JSON.stringify({ inputs: SEEDS_EXAMPLE }),
  });
  if (res.status !== 200)
    throw new Error(`first prediction answered ${res.status}: ${await res.text()}`);
  const t2 = performance.now();
  return { register: t1 - t0, first: t2 - t1, total: t2 - t0 };
}

const hub = await startFakeHub();
const dataDir = mkdtempSync(join(tmpdir(), "mg-cold-"));
const env = { MODELGATE_DATA_DIR: dataDir, HF_ENDPOINT: hub.url, PORT: "0", LOG_LEVEL: "info" };
const server = await serve(env);
const rows: { kind: string; register: number; first: number; total: number }[] = [];
for (let i = 0; i < RUNS; i++) {
  // A fresh id and an empty disk cache each time: a true cold start.
  rmSync(join(dataDir, "artifacts"), { recursive: true, force: true });
  rows.push({ kind: "hub", ...(await coldStart(`hub${i}`, `hf://${PUBLIC_REPO}`, env, server)) });
  rows.push({
    kind: "local",
    ...(await coldStart(`local${i}`, join(ROOT, "models/lead-scoring"), env, server)),
  });
}
server.child.kill("SIGTERM");
await hub.close();
rmSync(dataDir, { recursive: true, force: true });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
console.log(
  `\ncold start, median of ${RUNS} (ms): register = CLI process + download + checks; first = load + predict`,
);
console.log("source | register | first prediction | total");
for (const kind of ["hub", "local"]) {
  const r = rows.filter((x) => x.kind === kind);
  const f = (k: "register" | "first" | "total") =>
    median(r.map((x) => x[k]))
      .toFixed(0)
      .padStart(8);
  console.log(`${kind.padEnd(6)} | ${f("register")} | ${f("first")}         | ${f("total")}`);
}
