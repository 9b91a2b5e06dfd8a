import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import type { Logger } from "pino";
import { keyServiceFactory } from "../auth/service.js";
import type { Config } from "../config/index.js";
import { modelCache } from "../serving/cache.js";
import { modelLoader } from "../serving/load.js";
import {
  checkRequirements,
  refusal,
  refusalSentence,
  sourceProbe,
} from "../serving/requirements.js";
import { modelServiceFactory } from "../serving/service.js";
import { checkSource, fetchPackage, sourceContextFromConfig } from "../sources/index.js";
import type { ModelSpec } from "../spec/index.js";
import type { ModelRecord, ModelRepository, Store } from "../store/index.js";
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
  /** Refuse to start when a model's source requirement is unmet (also NODE_ENV=production). */
  strict?: boolean;
  /** A loud start-up warning for the terminal (also logged). */
  onWarning?: (sentence: string) => void;
}

/** Start-up probes must not hold the start for long when a source is down. */
const PROBE_TIMEOUT_MS = 5_000;

export interface RunningService {
  app: FastifyInstance;
  /** http://host:port actually bound (port 0 resolved). */
  url: string;
  store: Store;
  /** Stop accepting, finish in-flight requests, then close models and the store. */
  close(): Promise<void>;
}

const LAST_USED_FLUSH_MS = 5_000;

/** Records exactly what is served (a branch resolves to a commit), and a spec read late. */
async function recordLoaded(
  repo: Pick<ModelRepository, "setResolvedRevision" | "setSpec">,
  record: ModelRecord,
  loaded: { spec: ModelSpec; revision: string | null },
): Promise<void> {
  if (loaded.revision && loaded.revision !== record.resolvedRevision) {
    await repo.setResolvedRevision(record.id, loaded.revision);
  }
  if (!record.spec) await repo.setSpec(record.id, loaded.spec);
}

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
  const sources = sourceContextFromConfig(config);
  const modelRepo = modelRepository(store.db);
  const keys = keyServiceFactory({ keys: keyRepository(store.db) });
  const cache = modelCache({
    load: modelLoader({
      fetchPackage: (record) =>
        fetchPackage(record.source, record.id, sources, { lastRevision: record.resolvedRevision }),
      onLoaded: (record, loaded) =>
        recordLoaded(modelRepo, record, loaded).catch((err: unknown) => {
          logger.warn({ model: record.id, err }, "could not record what was loaded");
        }),
      token: config.huggingfaceApiKey,
    }),
    maxBytes: config.modelCacheMaxMb * 1024 * 1024,
    onEvict: (id, reason) => logger.info({ model: id, reason }, "unloaded a model"),
  });
  const models = modelServiceFactory({
    models: modelRepo,
    cache,
    checkSource: (record) =>
      checkSource(record.source, record.id, sources, { lastRevision: record.resolvedRevision }),
  });

  if (config.registerExample) await registerExampleModel(modelRepo, logger);
  const report = await checkRequirements(
    await modelRepo.list(),
    sourceProbe({
      ...sources,
      timeoutMs: Math.min(sources.timeoutMs, PROBE_TIMEOUT_MS),
      retry: { attempts: 1 },
    }),
  );
  for (const p of report.degraded) {
    logger.warn(
      { model: p.modelId, revision: p.cachedRevision, reason: p.error.detail },
      "serving from the disk cache; refresh impossible",
    );
  }
  if (report.blocking.length > 0) {
    if (options.strict || config.nodeEnv === "production") {
      await store.close();
      throw refusal(report.blocking);
    }
    const sentence = refusalSentence(report.blocking);
    logger.warn(
      { models: report.blocking.map((p) => p.modelId), reason: sentence },
      "models cannot be served until configured",
    );
    options.onWarning?.(`WARNING: ${sentence} Starting anyway (not strict); /ready reports it.`);
  }
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
      models: modelRepo,
      loaded: (id) => models.state(id).state === "ready",
      changed: async (id, warm) => {
        await models.invalidate(id);
        if (warm) {
          models
            .load(id)
            .catch((err: unknown) => logger.warn({ model: id, err }, "warm load failed"));
        }
      },
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
