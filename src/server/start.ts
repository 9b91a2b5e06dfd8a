import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { authServiceFromConfig } from "../auth/usage-report/index.js";
import { keyServiceFactory } from "../auth/service.js";
import { localVerifier } from "../auth/verifier.js";
import { startCluster } from "../cluster/index.js";
import type { Config } from "../config/index.js";
import { trustProxyOf } from "../config/index.js";
import { modelCache } from "../serving/cache.js";
import { modelLoader } from "../serving/load.js";
import {
  blockedAtStart,
  checkRequirements,
  refusal,
  refusalSentence,
  sourceProbe,
  withStartupFindings,
} from "../serving/requirements.js";
import { modelServiceFactory } from "../serving/service.js";
import { onModelChanged, recordLoaded } from "../serving/model-events.js";
import { usageRecorder } from "../serving/usage.js";
import {
  checkSource,
  fetchPackage,
  sourceContextFromConfig,
  sourceRequirements,
} from "../sources/index.js";
import { mlflowTlsWarnings } from "../sources/mlflow/tls.js";
import type { Store } from "../store/index.js";
import {
  keyRepository,
  metaRepository,
  modelRepository,
  openStore,
  storeOptionsFromConfig,
  storeReadiness,
  usageRetention,
  usageStoreOf,
} from "../store/index.js";
import { readVersion } from "../version.js";
import { localAdminOps } from "./admin/ops.js";
import { startAdminSocket } from "./admin/socket.js";
import { usageReporter } from "./admin/usage.js";
import { buildApp } from "./app.js";
import type { LazySchemas } from "./lazy-schemas.js";
import { corsSettingsFromConfig } from "./cors.js";
import { metricSources, metricsFromConfig, metricsListeners } from "./metrics.js";
import { shutdown } from "./shutdown.js";
import { bootstrapAdminKey, ensureExampleModel } from "./bootstrap.js";

export interface StartOptions {
  config: Config;
  logger: Logger;
  /** Called once with the admin key created on the first start, for the CLI to print. */
  onBootstrapKey?: (key: string, keyId: string) => void;
  /** Refuse to start when a model's source requirement is unmet (also NODE_ENV=production). */
  strict?: boolean;
  /** A loud start-up warning for the terminal (also logged). */
  onWarning?: (sentence: string) => void;
  /** The route schemas' compilers (compiled on first use); a test passes its own. */
  schemas?: LazySchemas;
}

/** Start-up probes must not hold the start for long when a source is down. */
const PROBE_TIMEOUT_MS = 5_000;

export interface RunningService {
  app: FastifyInstance;
  /** http://host:port actually bound (port 0 resolved). */
  url: string;
  /** Where /metrics listens alone (METRICS_PORT); undefined when it is on `url`. */
  metricsUrl?: string;
  store: Store;
  /** Stop accepting, finish in-flight requests, then close models and the store. */
  close(): Promise<void>;
}

const LAST_USED_FLUSH_MS = 5_000;
/** /ready answers within a load balancer's probe timeout, whatever the store does. */
const STORE_CHECK_MS = 2_000;

/** The composition root of `serve`: store → services → HTTP app → listen. */
export async function startService(options: StartOptions): Promise<RunningService> {
  const { config, logger } = options;
  // Never fails for an unreachable Redis (it starts degraded); a malformed REDIS_URL does.
  const cluster = await startCluster(config, { logger, prefix: config.redisKeyPrefix });
  const store = await openStore(
    storeOptionsFromConfig(config, (sentence) => {
      logger.warn(sentence);
      options.onWarning?.(`WARNING: ${sentence}`);
    }),
  ).catch(async (err: unknown) => {
    await cluster.close();
    throw err;
  });
  let draining = false;
  const metrics = metricsFromConfig(config);
  const metricsAt = metricsListeners(metrics, config);
  const sources = sourceContextFromConfig(config);
  for (const sentence of mlflowTlsWarnings(sources.mlflow)) logger.warn(sentence);
  const modelRepo = modelRepository(store.db);
  const keys = keyServiceFactory({
    keys: keyRepository(store.db),
    cacheTtlMs: config.authCacheTtlMs,
  });
  // AUTH_SERVICE_URL set: keys are validated by the external auth service instead of the
  // store, and it gets usage reports (and debits, USAGE_DEBIT=true).
  const authService = authServiceFromConfig(
    config,
    logger,
    metrics ? { metrics: metrics.authService } : {},
  );
  const external = authService?.verifier;
  const cache = modelCache({
    load: modelLoader({
      fetchPackage: (record) =>
        fetchPackage(record.source, record.id, sources, { lastRevision: record.resolvedRevision }),
      onLoaded: (record, loaded) =>
        recordLoaded(modelRepo, record, loaded).catch((err: unknown) => {
          logger.warn({ model: record.id, err }, "could not record what was loaded");
        }),
      token: config.huggingfaceApiKey,
      metrics: metrics?.modelCache,
    }),
    maxBytes: config.modelCacheMaxMb * 1024 * 1024,
    metrics: metrics?.modelCache,
    onEvict: (id, reason) => logger.info({ model: id, reason }, "unloaded a model"),
    onLoadFailed: (id, error, refreshing) =>
      logger.warn(
        { model: id, code: error.code, reason: error.detail },
        refreshing
          ? "a model could not be refreshed; the loaded copy keeps serving"
          : "a model cannot be served",
      ),
  });
  // Set once the start-up probe has run; /ready then also says what it found.
  let startupFindings: ReturnType<typeof withStartupFindings> = (_record, check) => check;
  let blocked: ReturnType<typeof blockedAtStart> = () => false;
  const models = modelServiceFactory({
    models: modelRepo,
    cache,
    // What this replica must serve to be ready: its warm models, and the models whose setting
    // was missing at start (a strict start refuses those). docs/fleet.md, "Readiness".
    mustServe: (record) => record.warm || blocked(record),
    checkSource: async (record) =>
      startupFindings(
        record,
        await checkSource(record.source, record.id, sources, {
          lastRevision: record.resolvedRevision,
        }),
      ),
    visibility: async (record) =>
      (await sourceRequirements(record.source, record.id, sources)).visibility,
  });

  const unsubscribe = [
    cluster.bus.subscribe("keys", function keysChanged() {
      keys.invalidate();
      external?.invalidate();
    }),
    cluster.bus.subscribe("models", onModelChanged(models, logger)),
  ];

  if (config.registerExample) await ensureExampleModel(store.db, logger);
  const report = await checkRequirements(
    await modelRepo.list(),
    sourceProbe({
      ...sources,
      timeoutMs: Math.min(sources.timeoutMs, PROBE_TIMEOUT_MS),
      retry: { attempts: 1 },
    }),
  );
  startupFindings = withStartupFindings(report);
  blocked = blockedAtStart(report);
  for (const p of report.degraded) {
    logger.warn(
      { model: p.modelId, revision: p.cachedRevision, reason: p.error.detail },
      "serving from the disk cache; refresh impossible",
    );
  }
  if (report.blocking.length > 0) {
    if (options.strict || config.nodeEnv === "production") {
      await cluster.close();
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

  const usageStore = usageStoreOf(store);
  const usage = usageRecorder({
    sink: usageStore,
    flushMs: config.usageFlushMs,
    batchSize: config.usageBatchSize,
    maxBuffered: config.usageBufferMax,
    logger,
  });
  const usageReport = usageReporter({ usage: usageStore, flush: () => usage.flush() });
  // Raw usage records past USAGE_RETENTION_DAYS go in bounded batches, in the background.
  const retention = usageRetention({
    usage: usageStore,
    retentionDays: config.usageRetentionDays,
    logger,
  });
  const app = await buildApp({
    auth: {
      verifier: external ?? localVerifier(keys),
      rateLimiter: cluster.rateLimiter,
      defaultLimitPerHour: config.rateLimitDefaultPerHour,
      failedAttemptsPerMinute: config.authFailedAttemptsPerMinute,
      metrics: metrics?.rateLimit,
    },
    usage: { recorder: usage, report: usageReport },
    ...(authService ? { authService } : {}),
    models,
    version: readVersion(),
    bodyLimitBytes: config.bodyLimitBytes,
    ...(config.corsOrigins ? { cors: corsSettingsFromConfig(config) } : {}),
    trustProxy: trustProxyOf(config),
    timeouts: { requestMs: config.requestTimeoutMs, headersMs: config.headersTimeoutMs },
    logger,
    isDraining: () => draining,
    ...(options.schemas ? { schemas: options.schemas } : {}),
    ...(metrics ? { metrics: { requests: metrics.requests, endpoint: metricsAt.onMainPort } } : {}),
    readiness: async () => [
      {
        name: "store",
        ...(await storeReadiness(store, Math.min(STORE_CHECK_MS, config.databaseQueryTimeoutMs))),
      },
      // Redis: never failing, "degraded: …" while unreachable (docs/fleet.md says why).
      ...cluster.readiness(),
      ...(external ? [external.readiness()] : []),
      {
        name: "shutdown",
        ok: !draining,
        reason: draining ? "shutting down: draining connections" : "accepting traffic",
      },
    ],
  });
  const adminOps = localAdminOps({
    keys,
    models: modelRepo,
    loaded: (id) => models.state(id).state === "ready",
    bus: cluster.bus,
    usage: usageReport,
  });
  // The CLI needs the socket only while this process holds the embedded store; with PostgreSQL
  // it talks to the database, so a read-only data dir is a warning there, not a failed start.
  const admin = await startAdminSocket(adminOps, config.dataDir, logger, {
    requestMs: config.requestTimeoutMs,
    headersMs: config.headersTimeoutMs,
  }).catch((err: unknown) => {
    if (store.kind !== "postgres") throw err;
    logger.warn(
      { err: err instanceof Error ? err.message : String(err) },
      "no admin socket; the CLI uses PostgreSQL directly",
    );
    return null;
  });
  metrics?.setSources(
    metricSources({
      models,
      sources,
      usage,
      ...(external ? { authCircuit: () => external.health().state } : {}),
      ...(authService ? { usageReports: () => authService.health() } : {}),
    }),
  );
  const metricsServer = await metricsAt.listen().catch(async (err: unknown) => {
    // Nothing listens yet: release what was opened, so the refusal leaves nothing behind.
    await admin?.close();
    usage.close(0).catch(() => undefined);
    external?.close();
    await cluster.close();
    await store.close();
    throw err;
  });
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
    ...(metricsServer ? { metricsUrl: metricsServer.url } : {}),
    store,
    close() {
      closing ??= shutdown(config, logger, {
        drain: () => {
          draining = true;
          clearInterval(flushTimer);
          void retention.stop();
        },
        closeListeners: async () => {
          await admin?.close();
          await metricsServer?.close();
          await app.close();
        },
        usage,
        ...(authService?.reporter ? { reports: authService.reporter } : {}),
        flushLastUsed: () =>
          keys
            .flushLastUsed()
            .catch((err: unknown) => logger.warn({ err }, "could not record last-used times")),
        closeBackends: async () => {
          for (const stop of unsubscribe) stop();
          external?.close();
          await cluster.close();
          await cache.closeAll();
        },
        store,
      });
      return closing;
    },
  };
}
