import { chmod, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import Fastify from "fastify";
import { ModelgateError } from "../../errors.js";
import { newId } from "../../ids.js";
import { handleError, handleNotFound } from "../errors.js";
import type { AdminOps, CreateKeyRequest, RegisterModelRequest } from "./ops.js";
import type { UsageRequest } from "./usage.js";

export const ADMIN_SOCKET_NAME = "admin.sock";
/** sun_path holds 108 bytes on Linux (104 on macOS); keep a margin. */
const MAX_SOCKET_PATH = 100;

export function adminSocketPath(dataDir: string): string {
  return join(dataDir, ADMIN_SOCKET_NAME);
}

/**
 * The admin endpoint on a UNIX socket in the data dir. It has no key check: access is the
 * filesystem's, owner-only (0600 socket inside a 0700 data dir), like a database's local socket.
 */
export async function startAdminSocket(ops: AdminOps, dataDir: string): Promise<FastifyInstance> {
  const path = adminSocketPath(dataDir);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    throw new ModelgateError(
      "config_invalid",
      `The admin socket path ${path} is too long for a UNIX socket: set MODELGATE_DATA_DIR to a shorter folder.`,
    );
  }
  const app = Fastify({ logger: false, genReqId: () => newId("req") });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  app.get("/keys", async function listKeys() {
    return { keys: await ops.listKeys() };
  });
  app.post<{ Body: CreateKeyRequest }>("/keys", async function createKey(request, reply) {
    void reply.status(201);
    return ops.createKey(request.body);
  });
  app.post<{ Params: { id: string } }>("/keys/:id/revoke", async function revokeKey(request) {
    return ops.revokeKey(request.params.id);
  });
  app.get("/models", async function listModels() {
    return { models: await ops.listModels() };
  });
  app.post<{ Body: RegisterModelRequest }>("/models", async function registerModel(request, reply) {
    void reply.status(201);
    return ops.registerModel(request.body);
  });
  app.delete<{ Params: { id: string } }>("/models/:id", async function removeModel(request) {
    return ops.removeModel(request.params.id);
  });
  app.post<{ Params: { id: string }; Body: { revision: string | null } }>(
    "/models/:id/pulled",
    async function recordPull(request) {
      return ops.recordPull(request.params.id, request.body.revision);
    },
  );
  app.get<{ Querystring: UsageRequest }>("/usage", async function usage(request) {
    return ops.usage(request.query);
  });
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
