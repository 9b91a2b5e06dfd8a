import type { FastifyInstance, FastifyServerOptions } from "fastify";
import type { TrustProxy } from "../config/index.js";
import Fastify, { LogController } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { authGuards } from "../auth/hook.js";
import type { AuthGuardDeps } from "../auth/hook.js";
import { reportUsageHook } from "../auth/usage-report/index.js";
import type { AuthService } from "../auth/usage-report/index.js";
import { newId } from "../ids.js";
import { metricsRoute, observeRequests } from "../metrics/index.js";
import type { MetricsEndpoint, RequestObserver } from "../metrics/index.js";
import type { ModelService } from "../serving/service.js";
import type { UsageRecorder } from "../serving/usage.js";
import type { VersionInfo } from "../version.js";
import { registerCors } from "./cors.js";
import type { CorsSettings } from "./cors.js";
import { registerDocs } from "./docs.js";
import { registerJsonBodyParser } from "./json-body.js";
import { clientErrorHandler, connectHandler, ignoreUnknownExpectation } from "./client-errors.js";
import { handleError, handleFrameworkError, handleNotFound } from "./errors.js";
import { refuseKeyInQuery } from "./key-in-query.js";
import { lazySchemas } from "./lazy-schemas.js";
import { lazyChildLogger, REQUEST_ID_FIELD } from "./request-log.js";
import type { LazySchemas } from "./lazy-schemas.js";
import { modelRoutes } from "./routes/models.js";
import { oipRoutes } from "./routes/oip/index.js";
import { predictPreflight, predictRoute } from "./routes/predict.js";
import { serviceRoutes } from "./routes/service.js";
import type { ReadinessCheck } from "./routes/service.js";
import { recordUsageHook, usageRoute } from "./routes/usage.js";
import type { UsageReporter } from "./admin/usage.js";
import { ErrorSchema, MAX_PARAM_LENGTH } from "./schemas.js";

export interface AppDeps {
  /** Who the key is (local store or external service) and its rate limit. */
  auth: AuthGuardDeps;
  models: ModelService;
  /** Where each prediction is recorded (write-behind), and the summary admins read. */
  usage: { recorder: Pick<UsageRecorder, "record">; report: UsageReporter };
  /** AUTH_SERVICE_URL: usage reports after each authenticated answer, debits before predictions. */
  authService?: Pick<AuthService, "reporter" | "debit" | "health">;
  /** Extra readiness checks (the store, ...); model checks come from `models`. */
  readiness: () => Promise<ReadinessCheck[]>;
  version: VersionInfo;
  bodyLimitBytes: number;
  /**
   * How long a client may take to send a whole request, and its headers (MODELGATE_*_TIMEOUT_MS):
   * past them the request gets 408 and its connection is closed.
   */
  timeouts?: { requestMs: number; headersMs: number };
  /**
   * TRUST_PROXY: the proxies whose X-Forwarded-For names the client (request.ip, which keys the
   * failed-attempt budget); false or absent: the connection's address.
   */
  trustProxy?: TrustProxy | false;
  /** CORS_ORIGINS: which browser origins may call the API; undefined: no CORS headers. */
  cors?: CorsSettings;
  /** True once shutdown began: responses then close their connection so clients move away. */
  isDraining?: () => boolean;
  /** A pino logger instance, its options, or false. */
  logger: FastifyServerOptions["loggerInstance"] | false;
  /**
   * Counts every request by route template and status; `endpoint` serves GET /metrics on this
   * app (absent with METRICS_PORT, or METRICS_ENABLED=false).
   */
  metrics?: { requests: RequestObserver; endpoint?: MetricsEndpoint | undefined };
  /** The route schemas' compilers; a test passes its own to compile them all (compileAll). */
  schemas?: LazySchemas;
}

export type App = FastifyInstance;

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** Node's default: the request line and every header together. */
const MAX_HEADER_BYTES = 16_384;

/** Fastify's trustProxy; a number of hops as the function it stands for (its typings omit numbers). */
function trustProxyOption(trust: TrustProxy | false) {
  return typeof trust === "number" ? (_address: string, hop: number) => hop < trust : trust;
}

/** Builds the HTTP API; only `serve` calls listen(). Tests use inject() or listen({ port: 0 }). */
export async function buildApp(deps: AppDeps): Promise<App> {
  const requestMs = deps.timeouts?.requestMs ?? 30_000;
  // Headers are part of the request: their limit never exceeds the whole request's.
  const headersMs = Math.min(deps.timeouts?.headersMs ?? 10_000, requestMs);
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: deps.bodyLimitBytes,
    trustProxy: trustProxyOption(deps.trustProxy ?? false),
    requestTimeout: requestMs,
    http: {
      requestTimeout: requestMs,
      headersTimeout: headersMs,
      maxHeaderSize: MAX_HEADER_BYTES,
      // Node looks for late requests this often (30 s by default, which would let a slow body
      // hold its connection for up to 30 s past the limit).
      connectionsCheckingInterval: Math.min(1_000, headersMs),
    },
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    clientErrorHandler: clientErrorHandler(deps.logger || null, {
      requestTimeoutMs: requestMs,
      headersTimeoutMs: headersMs,
      maxHeaderBytes: MAX_HEADER_BYTES,
    }),
    frameworkErrors: handleFrameworkError,
    // A caller's own X-Request-Id is kept when it looks like an id, so traces join up; never
    // one that looks like an API key (a key sent in the wrong header would be echoed back and
    // written on every log line of the request).
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) && !given.startsWith("hk_")
        ? given
        : newId("req");
    },
    // Each request's logger is made when it first logs (src/server/request-log.ts).
    ...(deps.logger ? { childLoggerFactory: lazyChildLogger } : {}),
    // One line per request is written by the onResponse hook below instead of Fastify's two.
    logController: new LogController({
      requestIdLogLabel: REQUEST_ID_FIELD,
      disableRequestLogging: true,
    }),
    // allErrors off: a request-schema failure stops at its first problem, so a body of 100,000
    // unknown keys costs one error, not 100,000 (the inputs themselves are checked by the
    // model's validator, which names up to 20 problems and counts the rest).
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    // Validators and serializers compiled on first use (src/server/lazy-schemas.ts).
    schemaController: { compilersFactory: (deps.schemas ?? lazySchemas()).compilersFactory },
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Without a listener Node drops a CONNECT request's connection unanswered.
  app.server.on("connect", connectHandler(deps.logger || null));
  app.server.on("checkExpectation", ignoreUnknownExpectation(app.server));
  app.decorateRequest("principal", null);
  app.addSchema(ErrorSchema);
  // Every body this API reads is JSON: a text/plain one is 415 unsupported_media_type, not a
  // string for the schema to puzzle over.
  app.removeContentTypeParser("text/plain");
  // JSON bodies bounded in shape (depth, objects, fields) before they are parsed, large ones
  // parsed one per event-loop turn (src/server/json-body.ts).
  registerJsonBodyParser(app);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  // First of the hooks: every answer, refusals included, carries the CORS headers.
  if (deps.cors) await registerCors(app, deps.cors);
  app.addHook("onRequest", refuseKeyInQuery);
  // Callback-style hooks: on the hot path they avoid a promise per request per hook.
  const isDraining = deps.isDraining ?? (() => false);
  app.addHook("onSend", function tagResponse(request, reply, payload, done) {
    void reply.header("x-request-id", request.id);
    // Once shutdown began, each answer closes its connection so keep-alive clients move away.
    if (isDraining()) void reply.header("connection", "close");
    done(null, payload);
  });
  // Through the root logger, the request's id first: the line its child logger would write,
  // without making one for every request.
  const log = app.log;
  app.addHook("onResponse", function logRequest(request, reply, done) {
    log.info(
      {
        [REQUEST_ID_FIELD]: request.id,
        method: request.method,
        url: request.routeOptions.url ?? request.url.split("?")[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
        key_id: request.principal?.keyId,
        // The external auth service's scopes as it named them (unknown ones grant nothing).
        scopes: request.principal?.serviceScopes,
      },
      "request",
    );
    done();
  });

  if (deps.metrics) observeRequests(app, deps.metrics.requests);
  const reporter = deps.authService?.reporter;
  if (reporter) app.addHook("onResponse", reportUsageHook(reporter));

  await registerDocs(app, deps.version);
  const auth = authGuards(deps.auth);
  await app.register(async function api(scope) {
    // Its own context, so the usage hook runs on predictions only.
    await scope.register(async function predictions(predict) {
      predict.addHook("onResponse", recordUsageHook(deps.usage.recorder));
      const debit = deps.authService?.debit;
      if (debit) {
        // A prediction refused for its key's models or an unknown model is never charged.
        predict.addHook("preHandler", predictPreflight(deps.models));
        predict.addHook("preHandler", debit.hook);
      }
      predictRoute(predict, { auth, models: deps.models });
    });
    modelRoutes(scope, { auth, models: deps.models });
    if (deps.metrics?.endpoint) metricsRoute(scope, deps.metrics.endpoint);
    usageRoute(scope, { auth, usage: deps.usage.report });
    // The Open Inference Protocol v2 beside the seeds' API, with the protocol's error body.
    await scope.register(oipRoutes, {
      prefix: "/v2",
      auth,
      models: deps.models,
      recorder: deps.usage.recorder,
      debit: deps.authService?.debit ?? null,
      readiness: deps.readiness,
      version: deps.version,
    });
    serviceRoutes(scope, {
      models: deps.models,
      readiness: deps.readiness,
      version: deps.version,
      ...(deps.authService ? { usageReports: deps.authService.health } : {}),
    });
  });
  return app;
}
