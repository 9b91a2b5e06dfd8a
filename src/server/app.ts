import type { FastifyInstance, FastifyServerOptions } from "fastify";
import Fastify, { LogController } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { authGuards } from "../auth/hook.js";
import type { AuthGuardDeps } from "../auth/hook.js";
import { newId } from "../ids.js";
import type { ModelService } from "../serving/service.js";
import type { UsageRecorder } from "../serving/usage.js";
import type { VersionInfo } from "../version.js";
import { registerDocs } from "./docs.js";
import { handleError, handleNotFound } from "./errors.js";
import { modelRoutes } from "./routes/models.js";
import { predictRoute } from "./routes/predict.js";
import { serviceRoutes } from "./routes/service.js";
import type { ReadinessCheck } from "./routes/service.js";
import { recordUsageHook, usageRoute } from "./routes/usage.js";
import type { UsageReporter } from "./admin/usage.js";
import { ErrorSchema } from "./schemas.js";

export interface AppDeps {
  /** Who the key is (local store or external service) and its rate limit. */
  auth: AuthGuardDeps;
  models: ModelService;
  /** Where each prediction is recorded (write-behind), and the summary admins read. */
  usage: { recorder: Pick<UsageRecorder, "record">; report: UsageReporter };
  /** Extra readiness checks (the store, ...); model checks come from `models`. */
  readiness: () => Promise<ReadinessCheck[]>;
  version: VersionInfo;
  bodyLimitBytes: number;
  /** True once shutdown began: responses then close their connection so clients move away. */
  isDraining?: () => boolean;
  /** A pino logger instance, its options, or false. */
  logger: FastifyServerOptions["loggerInstance"] | false;
}

export type App = FastifyInstance;

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** Builds the HTTP API; only `serve` calls listen(). Tests use inject() or listen({ port: 0 }). */
export async function buildApp(deps: AppDeps): Promise<App> {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: deps.bodyLimitBytes,
    // A caller's own X-Request-Id is kept when it looks like an id, so traces join up.
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : newId("req");
    },
    // One line per request is written by the onResponse hook below instead of Fastify's two.
    logController: new LogController({
      requestIdLogLabel: "request_id",
      disableRequestLogging: true,
    }),
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true } },
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorateRequest("principal", null);
  app.addSchema(ErrorSchema);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  // Callback-style hooks: on the hot path they avoid a promise per request per hook.
  const isDraining = deps.isDraining ?? (() => false);
  app.addHook("onSend", function tagResponse(request, reply, payload, done) {
    void reply.header("x-request-id", request.id);
    // Once shutdown began, each answer closes its connection so keep-alive clients move away.
    if (isDraining()) void reply.header("connection", "close");
    done(null, payload);
  });
  app.addHook("onResponse", function logRequest(request, reply, done) {
    request.log.info(
      {
        method: request.method,
        url: request.routeOptions.url ?? request.url.split("?")[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
        key_id: request.principal?.keyId,
      },
      "request",
    );
    done();
  });

  await registerDocs(app, deps.version);
  const auth = authGuards(deps.auth);
  await app.register(async function api(scope) {
    // Its own context, so the usage hook runs on predictions only.
    await scope.register(async function predictions(predict) {
      predict.addHook("onResponse", recordUsageHook(deps.usage.recorder));
      predictRoute(predict, { auth, models: deps.models });
    });
    modelRoutes(scope, { auth, models: deps.models });
    usageRoute(scope, { auth, usage: deps.usage.report });
    serviceRoutes(scope, { models: deps.models, readiness: deps.readiness, version: deps.version });
  });
  return app;
}
