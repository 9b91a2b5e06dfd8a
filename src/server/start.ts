import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import type { Logger } from "pino";
import { keyServiceFactory } from "../auth/service.js";
import type { Config } from "../config/index.js";
import { modelCache } from "../serving/cache.js";
import { modelLoader } from "../serving/load.js";
import { modelServiceFactory } from "../serving/service.js";
import { checkSource, fetchPackage } from "../sources/index.js";
import type { Store } from "../store/index.js";
import { keyRepository, metaRepository, modelRepository, openStore } from "../store/index.js";
import { readVersion } from "../version.js";
import { localAdminOps } from "./admin/ops.js";
import { startAdminSocket } from "./admin/socket.js";
import { buildApp } from "./app.js";
import type { ReadinessCheck } from "./routes/service.js";
import { bootstrapAdminKey, registerExampleModel } from "./bootstrap.js";

export interface StartOptions {
  config: Config;
  logger: Logger;
  /** Called once with the admin key created on the first start, for the CLI to print. */
  onBootstrapKey?: (key: string, keyId: string) => void;
}

export interface RunningService {
  app: FastifyInstance;
  /** http://host:port actually bound (port 0 resolved). */
  url: string;
  store: Store;
  /** Stop accepting, finish in-flight requests, then close models and the store. */
  close(): Promise<void>;
}

const LAST_USED_FLUSH_MS = 5_000;

async function storeCheck(store: Store): Promise<ReadinessCheck> {
  try {
    await sql`select 1`.execute(store.db);
    return { name: "store", ok: true, reason: `${store.kind} reachable` };
  } catch (err) {
    return { name: "store", ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

/** The composition root of `serve`: store → services → HTTP app → listen. */
export async function startService(options: StartOptions): Promise<RunningService> {
  const { config, logger } = options;
  const store = await openStore(
    config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir },
  );
  let draining = false;
  const modelRepo = modelRepository(store.db);
  const keys = keyServiceFactory({ keys: keyRepository(store.db) });
  const cache = modelCache({
    load: modelLoader({
      fetchPackage: (record) => fetchPackage(record.source, record.id),
      token: config.huggingfaceApiKey,
    }),
    maxBytes: config.modelCacheMaxMb * 1024 * 1024,
    onEvict: (id, reason) => logger.info({ model: id, reason }, "unloaded a model"),
  });
  const models = modelServiceFactory({
    models: modelRepo,
    cache,
    checkSource: (record) => checkSource(record.source, record.id),
  });

  if (config.registerExample) await registerExampleModel(modelRepo, logger);
  if (config.bootstrapAdminKey) {
    const created = await bootstrapAdminKey(keys, metaRepository(store.db));
    if (created) options.onBootstrapKey?.(created.key, created.record.id);
  }

  const app = await buildApp({
    keys,
    models,
    version: readVersion(),
    bodyLimitBytes: config.bodyLimitBytes,
    logger,
    isDraining: () => draining,
    readiness: async () => [
      await storeCheck(store),
      {
        name: "shutdown",
        ok: !draining,
        reason: draining ? "shutting down: draining connections" : "accepting traffic",
      },
    ],
  });
  const admin = await startAdminSocket(
    localAdminOps({
      keys,
      models: { list: () => models.list() },
      loaded: (id) => models.state(id).state === "ready",
    }),
    config.dataDir,
  );
  const address = await app.listen({ port: config.port, host: config.host });
  const flushTimer = setInterval(() => {
    keys
      .flushLastUsed()
      .catch((err: unknown) => logger.warn({ err }, "could not record key last-used times"));
  }, LAST_USED_FLUSH_MS);
  flushTimer.unref();

  // Models registered as warm load now, in the background: /ready reports them as loading.
  for (const record of await models.list()) {
    if (record.warm) {
      models
        .load(record.id)
        .catch((err: unknown) => logger.warn({ model: record.id, err }, "warm load failed"));
    }
  }

  let closing: Promise<void> | null = null;
  return {
    app,
    url: address,
    store,
    close() {
      closing ??= (async () => {
        draining = true;
        if (config.shutdownDrainMs > 0)
          await new Promise((r) => setTimeout(r, config.shutdownDrainMs));
        clearInterval(flushTimer);
        await admin.close();
        await app.close();
        await keys
          .flushLastUsed()
          .catch((err: unknown) => logger.warn({ err }, "could not record last-used times"));
        await cache.closeAll();
        await store.close();
      })();
      return closing;
    },
  };
}
