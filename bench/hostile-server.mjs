// A real `modelgate serve` (built: dist/) on a temporary data dir and a free port, for the
// hostile-client scripts (bench/hostile.mjs, bench/fuzz.mjs): start, a predict key, RSS, stop.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../", import.meta.url));
const BIN = join(ROOT, "bin/modelgate");

export const SEED_INPUT = JSON.parse(
  readFileSync(join(ROOT, "models/lead-scoring/seeds-example.json"), "utf8"),
);

/** kB from /proc/<pid>/status: VmRSS (now) or VmHWM (the peak so far). */
export function procStatusKb(pid, field) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Starts the server; resolves once it logs its URL. `env` adds variables (limits, timeouts);
 * `nodeArgs` go to node before the script (--cpu-prof, --trace-gc); `onStdout` gets its output.
 * Returns { url, pid, dataDir, predictKey, adminKey, exited, stop() }.
 */
export async function startServer(env = {}, { nodeArgs = [], onStdout } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), "mg-hostile-"));
  const childEnv = {
    ...process.env,
    MODELGATE_DATA_DIR: dataDir,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "info", // the "modelgate is serving" line carries the URL; a production level anyway
    MODELGATE_SHUTDOWN_DRAIN_MS: "0",
    NODE_ENV: "development",
    ...env,
  };
  const child = spawn(process.execPath, [...nodeArgs, BIN, "serve"], {
    env: childEnv,
    cwd: dataDir,
  });
  const state = { exited: null, stderr: "" };
  child.on("exit", (code, signal) => (state.exited = { code, signal }));
  child.stderr.on("data", (d) => {
    state.stderr = (state.stderr + d).slice(-20_000);
  });
  const { url, adminKey } = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(
      () => reject(new Error(`no URL after 60 s:\n${state.stderr}`)),
      60_000,
    );
    child.stdout.on("data", (d) => {
      onStdout?.(d);
      if (out === null) return;
      out += d;
      for (const line of out.split("\n")) {
        if (!line.includes('"modelgate is serving"')) continue;
        clearTimeout(timer);
        out = null;
        const key = /^\s+(hk_live_[0-9A-Za-z]+)$/m.exec(state.stderr)?.[1] ?? "";
        resolve({ url: JSON.parse(line).url, adminKey: key });
        return;
      }
    });
    child.on("exit", () => reject(new Error(`serve exited:\n${state.stderr}`)));
  });
  const created = spawnSync(
    process.execPath,
    [BIN, "keys", "create", "--name", "hostile", "--scopes", "predict", "--json"],
    { env: childEnv, cwd: dataDir, encoding: "utf8" },
  );
  if (created.status !== 0) throw new Error(`keys create failed: ${created.stderr}`);
  const predictKey = JSON.parse(created.stdout).key;
  return {
    url,
    pid: child.pid,
    dataDir,
    predictKey,
    adminKey,
    get exited() {
      return state.exited;
    },
    get stderr() {
      return state.stderr;
    },
    async stop() {
      if (!state.exited) {
        const done = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await done;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
