import { chmod, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import Fastify, { LogController } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { Logger } from "pino";
import { ModelgateError } from "../../errors.js";
import { newId } from "../../ids.js";
import { SPEC_LIMITS } from "../../spec/index.js";
import { clientErrorHandler, connectHandler, ignoreUnknownExpectation } from "../client-errors.js";
import { handleError, handleFrameworkError, handleNotFound } from "../errors.js";
import { UsageQuery } from "../routes/usage.js";
import { lazySchemas } from "../lazy-schemas.js";
import { MAX_PARAM_LENGTH } from "../schemas.js";
import type { AdminOps, RegisterModelRequest } from "./ops.js";
import { CreateKeyBody, KeyParams, ModelParams, PulledBody, RegisterModelBody } from "./schemas.js";

export const ADMIN_SOCKET_NAME = "admin.sock";
/** sun_path holds 108 bytes on Linux (104 on macOS); keep a margin. */
const MAX_SOCKET_PATH = 100;

export function adminSocketPath(dataDir: string): string {
  return join(dataDir, ADMIN_SOCKET_NAME);
}

/** Admin bodies carry at most a spec (itself at most SPEC_LIMITS.bytes) and a few fields. */
const ADMIN_BODY_LIMIT = 2 * SPEC_LIMITS.bytes;

/** Every admin route, each body and parameter checked by its schema like the HTTP API's. */
function adminRoutes(app: FastifyInstance, ops: AdminOps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get("/keys", async function listKeys() {
    return { keys: await ops.listKeys() };
  });
  r.post("/keys", { schema: { body: CreateKeyBody } }, async function createKey(request, reply) {
    void reply.status(201);
    return ops.createKey(request.body);
  });
  r.post("/keys/:id/revoke", { schema: { params: KeyParams } }, async function revokeKey(request) {
    return ops.revokeKey(request.params.id);
  });
  r.get("/models", async function listModels() {
    return { models: await ops.listModels() };
  });
  r.post(
    "/models",
    { schema: { body: RegisterModelBody } },
    async function registerModel(request, reply) {
      void reply.status(201);
      return ops.registerModel(request.body as RegisterModelRequest);
    },
  );
  r.delete("/models/:id", { schema: { params: ModelParams } }, async function removeModel(request) {
    return ops.removeModel(request.params.id);
  });
  r.post(
    "/models/:id/pulled",
    { schema: { params: ModelParams, body: PulledBody } },
    async function recordPull(request) {
      return ops.recordPull(request.params.id, request.body.revision);
    },
  );
  r.get("/usage", { schema: { querystring: UsageQuery } }, async function usage(request) {
    return ops.usage(request.query);
  });
}

/**
 * The admin endpoint on a UNIX socket in the data dir. It has no key check: access is the
 * filesystem's, owner-only (0600 socket inside a 0700 data dir), like a database's local socket.
 * Its errors are answered in the API's envelope and logged (`component: "admin"`).
 */
export async function startAdminSocket(
  ops: AdminOps,
  dataDir: string,
  logger?: Logger,
  /** The HTTP API's time limits (MODELGATE_REQUEST_TIMEOUT_MS, MODELGATE_HEADERS_TIMEOUT_MS). */
  timeouts: { requestMs: number; headersMs: number } = { requestMs: 30_000, headersMs: 10_000 },
): Promise<FastifyInstance> {
  const limits = {
    requestTimeoutMs: timeouts.requestMs,
    headersTimeoutMs: Math.min(timeouts.headersMs, timeouts.requestMs),
    maxHeaderBytes: 16_384,
  };
  const path = adminSocketPath(dataDir);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    throw new ModelgateError(
      "config_invalid",
      `The admin socket path ${path} is too long for a UNIX socket: set MODELGATE_DATA_DIR to a shorter folder.`,
    );
  }
  const log: FastifyBaseLogger | undefined = logger?.child({ component: "admin" });
  const app = Fastify({
    ...(log ? { loggerInstance: log } : { logger: false as const }),
    logController: new LogController({
      requestIdLogLabel: "request_id",
      disableRequestLogging: true,
    }),
    genReqId: () => newId("req"),
    bodyLimit: ADMIN_BODY_LIMIT,
    // A client that stalls is cut like on the HTTP API (408 in the envelope).
    requestTimeout: limits.requestTimeoutMs,
    http: {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      maxHeaderSize: limits.maxHeaderBytes,
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
    // What Node's parser refuses (a malformed header, a request too slow) in the envelope too.
    clientErrorHandler: clientErrorHandler(log ?? null, limits),
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: handleFrameworkError,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    // Compiled on first use, as on the HTTP API (../lazy-schemas.ts): most starts never see a CLI call.
    schemaController: { compilersFactory: lazySchemas().compilersFactory },
  });
  app.server.on("connect", connectHandler(log ?? null));
  app.server.on("checkExpectation", ignoreUnknownExpectation(app.server));
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  app.addHook("onResponse", function logRefusal(request, reply, done) {
    if (reply.statusCode >= 400 && reply.statusCode < 500) {
      request.log.warn(
        { method: request.method, url: request.url.split("?")[0], status: reply.statusCode },
        "admin request refused",
      );
    }
    done();
  });
  adminRoutes(app, ops);
  try {
    // With PostgreSQL nothing else creates the data dir; owner-only, like the socket in it.
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    // We hold the data dir's lock, so a socket file left here belongs to a process that died.
    await rm(path, { force: true });
    await app.listen({ path });
    await chmod(path, 0o600);
  } catch (err) {
    await app.close();
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new ModelgateError(
      "config_invalid",
      `Cannot open the admin socket ${path} (${code}): make MODELGATE_DATA_DIR a folder this process can write.`,
      { cause: err },
    );
  }
  return app;
}
