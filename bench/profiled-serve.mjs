// A modelgate serve (model 21, its own data dir, a free port) under `node --cpu-prof`, for the
// scripts that read where its CPU goes (bench/profile.mjs, bench/metrics-profile.mjs).
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** `--name value` from the command line, or the fallback. */
export function argOf(args, name, fallback) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
}

/** The body of a seeds' prediction (models/lead-scoring/seeds-example.json). */
export const SEED_BODY = JSON.stringify({
  inputs: JSON.parse(readFileSync(join(ROOT, "models/lead-scoring/seeds-example.json"), "utf8")),
});

function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts the server and resolves once /ready says so, with its url and bootstrap key;
 * `stop()` ends it (SIGTERM) and resolves with the CPU profile it wrote.
 */
export async function startProfiledServe(env = {}) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "mg-prof-"));
  const profDir = mkdtempSync(join(tmpdir(), "mg-prof-out-"));
  const child = spawn(
    process.execPath,
    // tsc's dist/ rather than bin/modelgate's start-up bundle: the same code a request runs,
    // with each function still in its own folder's file, which is how the profile is read.
    ["--cpu-prof", `--cpu-prof-dir=${profDir}`, "dist/cli/bin.js", "serve"],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        MODELGATE_DATA_DIR: dataDir,
        PORT: String(port),
        LOG_LEVEL: "info",
        ...env,
      },
    },
  );
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  // Log lines are only drained, as a log shipper would (LOG_LEVEL may hide the "serving" line).
  child.stdout.resume();
  const died = (code) => {
    throw new Error(`serve exited ${code}: ${stderr}`);
  };
  child.on("exit", died);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if ((await fetch(`${url}/ready`).catch(() => ({ ok: false }))).ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const key = /(hk_live_[0-9A-Za-z]+)/.exec(stderr)?.[1];
  if (!key) throw new Error("no bootstrap key printed");
  return {
    url,
    key,
    async stop() {
      child.off("exit", died);
      child.kill("SIGTERM");
      await new Promise((resolve) => child.on("exit", resolve));
      const file = readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
      if (!file) throw new Error("no CPU profile written");
      const profile = JSON.parse(readFileSync(join(profDir, file), "utf8"));
      rmSync(profDir, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
      return profile;
    },
  };
}
