import type { FastifyInstance } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { ModelService } from "../../serving/service.js";
import type { VersionInfo } from "../../version.js";

export interface ReadinessCheck {
  name: string;
  ok: boolean;
  reason: string;
}

const Check = Type.Object({ name: Type.String(), ok: Type.Boolean(), reason: Type.String() });
const Readiness = Type.Object({
  status: Type.String({ description: "ready | not_ready" }),
  checks: Type.Array(Check),
});

export interface ServiceRoutesDeps {
  models: Pick<ModelService, "checks">;
  readiness: () => Promise<ReadinessCheck[]>;
  version: VersionInfo;
}

async function runChecks(deps: ServiceRoutesDeps): Promise<ReadinessCheck[]> {
  // A failing check must never turn /ready into a 500: it becomes a failed check with its reason.
  const settle = async (fn: () => Promise<ReadinessCheck[]>, name: string) =>
    fn().catch((err: unknown) => [
      { name, ok: false, reason: err instanceof Error ? err.message : String(err) },
    ]);
  const [base, models] = await Promise.all([
    settle(deps.readiness, "service"),
    settle(deps.models.checks, "models"),
  ]);
  return [...base, ...models];
}

export function serviceRoutes(app: FastifyInstance, deps: ServiceRoutesDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    "/live",
    {
      schema: {
        tags: ["service"],
        summary: "The process can answer",
        response: { 200: Type.Object({ status: Type.String() }) },
      },
    },
    async function live() {
      return { status: "alive" };
    },
  );

  r.get(
    "/ready",
    {
      schema: {
        tags: ["service"],
        summary: "Every check with its reason; 503 while any fails",
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async function ready(_request, reply) {
      const checks = await runChecks(deps);
      const ok = checks.every((c) => c.ok);
      void reply.status(ok ? 200 : 503);
      return { status: ok ? "ready" : "not_ready", checks };
    },
  );

  r.get(
    "/health",
    {
      schema: {
        tags: ["service"],
        summary: "Overall health with the readiness checks",
        response: {
          200: Type.Object({
            status: Type.String(),
            version: Type.String(),
            uptime_s: Type.Number(),
            checks: Type.Array(Check),
          }),
        },
      },
    },
    async function health() {
      const checks = await runChecks(deps);
      return {
        status: checks.every((c) => c.ok) ? "healthy" : "degraded",
        version: deps.version.version,
        uptime_s: Math.round(process.uptime()),
        checks,
      };
    },
  );

  r.get(
    "/version",
    {
      schema: {
        tags: ["service"],
        summary: "The running version",
        response: {
          200: Type.Object({ name: Type.String(), version: Type.String(), node: Type.String() }),
        },
      },
    },
    async function version() {
      return deps.version;
    },
  );
}
