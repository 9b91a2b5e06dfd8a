import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { loadConfigOrThrow } from "../../src/config/index.js";
import type { LazySchemas } from "../../src/server/lazy-schemas.js";
import type { RunningService } from "../../src/server/start.js";
import { startService } from "../../src/server/start.js";

export interface TestService {
  url: string;
  dataDir: string;
  /** The bootstrap admin key printed on first start. */
  adminKey: string;
  service: RunningService;
  close(): Promise<void>;
}

export interface TestServiceOptions {
  /** Reuse a data dir (a restart); it is then kept on close. */
  dataDir?: string;
  strict?: boolean;
  /** Where the service's JSON log lines go (level info); by default they are dropped. */
  logTo?: { write(line: string): void };
  /** The route schemas' compilers, to compile them all (src/server/lazy-schemas.ts). */
  schemas?: LazySchemas;
}

/** Starts the real service (HTTP on 127.0.0.1, port 0, SQLite in a temp dir, model 21). */
export async function startTestService(
  env: Record<string, string> = {},
  options: TestServiceOptions = {},
): Promise<TestService> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "mg-"));
  const { config } = loadConfigOrThrow(
    {
      MODELGATE_DATA_DIR: dataDir,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "silent",
      MODELGATE_SHUTDOWN_DRAIN_MS: "0",
      ...env,
    },
    { cwd: dataDir },
  );
  let adminKey = "";
  const service = await startService({
    config,
    logger: options.logTo ? pino({ level: "info" }, options.logTo) : pino({ level: "silent" }),
    strict: options.strict === true,
    ...(options.schemas ? { schemas: options.schemas } : {}),
    onBootstrapKey: (key) => {
      adminKey = key;
    },
  });
  return {
    url: service.url,
    dataDir,
    adminKey,
    service,
    async close() {
      await service.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** POST JSON and return status, headers and parsed body. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as Record<string, unknown>,
  };
}

export async function getJson(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(url, { headers });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as Record<string, unknown>,
  };
}

/** The seeds' own request for model 21. */
export { SEEDS_EXAMPLE as SEED_INPUT } from "../../models/lead-scoring/build.js";
