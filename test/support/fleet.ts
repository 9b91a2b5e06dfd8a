/**
 * Replicas for the multi-process tests: `modelgate serve` run from the sources (tsx) as
 * separate processes sharing PostgreSQL (a random schema) and Redis (a random key prefix).
 * Unlike startServe (./cli.ts) it stops reading the request log once the replica is up — a
 * replica under load writes a line per request — and keeps only a tail for failure messages.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  deletePrefix,
  randomPrefix,
  TEST_REDIS_URL,
} from "../../src/cluster/test-support/redis.js";
import { admin, urlWithSchema } from "../../src/store/test-support/backends.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ENTRY = fileURLToPath(new URL("../../src/cli/bin.ts", import.meta.url));
const TAIL = 8_000;

export interface Replica {
  readonly url: string;
  readonly dataDir: string;
  readonly child: ChildProcess;
  /** stderr so far (the first-start banner is printed there). */
  stderr(): string;
  /** The last lines of stdout, for failure messages. */
  tail(): string;
  /** Resolves with the exit code once the process is gone. */
  readonly exited: Promise<number | null>;
  signal(signal: NodeJS.Signals): void;
}

export interface FleetEnv {
  schema: string;
  databaseUrl: string;
  redisPrefix: string;
  /** What every replica (and a CLI talking to the same fleet) is started with. */
  env: Record<string, string>;
  dispose(): Promise<void>;
}

/** A fresh schema and Redis prefix; `dispose` drops both. */
export async function fleetEnv(extra: Record<string, string> = {}): Promise<FleetEnv> {
  const schema = `mg_fleet_${randomBytes(6).toString("hex")}`;
  const redisPrefix = randomPrefix();
  await admin(`create schema ${schema}`);
  const databaseUrl = urlWithSchema(schema);
  return {
    schema,
    databaseUrl,
    redisPrefix,
    env: {
      DATABASE_URL: databaseUrl,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: redisPrefix,
      ...extra,
    },
    async dispose() {
      await admin(`drop schema if exists ${schema} cascade`);
      await deletePrefix(redisPrefix);
    },
  };
}

/**
 * Starts one replica in its own data dir (removed when it exits, unless `keepDataDir`, for
 * tests that read what it left there) and resolves when it logs that it serves.
 */
export function startReplica(
  env: Record<string, string>,
  timeoutMs = 60_000,
  options: { dataDir?: string } = {},
): Promise<Replica> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "mg-fleet-"));
  const child = spawn(process.execPath, ["--import", "tsx", ENTRY, "serve"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LOG_LEVEL: "info",
      PORT: "0",
      HOST: "127.0.0.1",
      MODELGATE_DATA_DIR: dataDir,
      ...env,
    },
  });
  let stdout = "";
  let stderr = "";
  let url: string | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.on("exit", (code) => {
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
      resolve(code);
    });
  });
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout?.on("data", (d: Buffer) => {
    stdout = (stdout + d.toString()).slice(-TAIL);
    if (url !== undefined) return;
    const line = stdout.split("\n").find((l) => l.includes('"modelgate is serving"'));
    if (line) url = (JSON.parse(line) as { url: string }).url;
  });
  return new Promise<Replica>((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (url !== undefined) {
        clearInterval(poll);
        resolve({
          url,
          dataDir,
          child,
          exited,
          stderr: () => stderr,
          tail: () => stdout,
          signal: (signal) => child.kill(signal),
        });
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(poll);
        child.kill("SIGKILL");
        reject(new Error(`a replica did not start within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
      }
    }, 20);
    void exited.then((code) => {
      if (url !== undefined) return;
      clearInterval(poll);
      reject(new Error(`a replica exited with ${code} before serving:\n${stdout}\n${stderr}`));
    });
  });
}

/** SIGTERM, then SIGKILL if it is still there after `graceMs`. */
export async function stopReplica(replica: Replica, graceMs = 15_000): Promise<number | null> {
  if (replica.child.exitCode !== null || replica.child.signalCode !== null) return replica.exited;
  replica.signal("SIGTERM");
  const timer = setTimeout(() => replica.signal("SIGKILL"), graceMs);
  try {
    return await replica.exited;
  } finally {
    clearTimeout(timer);
  }
}
