/** The server's own endpoints: metadata, liveness and readiness (no API key, like /live, /ready). */
import type { FastifyInstance } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { VersionInfo } from "../../../version.js";
import { isReady, runChecks } from "../service.js";
import type { ServiceRoutesDeps } from "../service.js";

export interface OipServerDeps extends ServiceRoutesDeps {
  version: VersionInfo;
}

export function oipServerRoutes(app: FastifyInstance, deps: OipServerDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    "/",
    {
      schema: {
        tags: ["oip"],
        summary: "Server metadata (Open Inference Protocol)",
        response: {
          200: Type.Object({
            name: Type.String(),
            version: Type.String(),
            extensions: Type.Array(Type.String()),
          }),
        },
      },
    },
    async function serverMetadata() {
      return {
        name: deps.version.name,
        version: deps.version.version,
        extensions: ["binary_tensor_data"],
      };
    },
  );

  r.get(
    "/health/live",
    {
      schema: {
        tags: ["oip"],
        summary: "Server live (Open Inference Protocol)",
        response: { 200: Type.Object({ live: Type.Boolean() }) },
      },
    },
    async function serverLive() {
      return { live: true };
    },
  );

  r.get(
    "/health/ready",
    {
      schema: {
        tags: ["oip"],
        summary: "Server ready: the checks of GET /ready (Open Inference Protocol)",
        response: {
          200: Type.Object({ ready: Type.Boolean() }),
          503: Type.Object({ ready: Type.Boolean(), error: Type.String() }),
        },
      },
    },
    async function serverReady(_request, reply) {
      const checks = await runChecks(deps);
      if (isReady(checks)) return { ready: true };
      const failing = checks.filter((c) => !c.ok && c.required !== false);
      void reply.status(503);
      return {
        ready: false,
        error: `Not ready: ${failing.map((c) => `${c.name}: ${c.reason}`).join("; ")} (GET /ready lists every check).`,
      };
    },
  );
}
