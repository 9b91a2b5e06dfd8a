import type { FastifyInstance } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { ModelService } from "../../serving/service.js";
import type { VersionInfo } from "../../version.js";
import type { UsageReportHealth } from "../../auth/usage-report/index.js";
import { UsageReportsSchema } from "../../auth/usage-report/schema.js";

export interface ReadinessCheck {
  name: string;
  ok: boolean;
  reason: string;
  /** false: reported, but this replica need not pass it to be ready (a cold model). */
  required?: boolean;
}

const Check = Type.Object({
  name: Type.String(),
  ok: Type.Boolean(),
  reason: Type.String(),
  required: Type.Optional(
    Type.Boolean({
      description:
        "Present and false on a check that does not decide readiness (a model that is not warm): its failure shows here and on /health, and the replica stays ready.",
    }),
  ),
});
const Readiness = Type.Object({
  status: Type.String({ description: "ready | not_ready" }),
  checks: Type.Array(Check),
});

export interface ServiceRoutesDeps {
  models: Pick<ModelService, "checks">;
  readiness: () => Promise<ReadinessCheck[]>;
  version: VersionInfo;
  /** Counts of the usage reports to the external auth service; null: reports are off. */
  usageReports?: () => UsageReportHealth | null;
}

export async function runChecks(deps: ServiceRoutesDeps): Promise<ReadinessCheck[]> {
  // A failing check must never turn /ready into a 500: it becomes a failed check with its reason.
  const settle = async (
    fn: () => Promise<ReadinessCheck[]>,
    name: string,
  ): Promise<ReadinessCheck[]> =>
    fn().catch((err: unknown) => [
      { name, ok: false, reason: err instanceof Error ? err.message : String(err) },
    ]);
  const [base, models] = await Promise.all([
    settle(deps.readiness, "service"),
    settle(deps.models.checks, "models"),
  ]);
  const all: ReadinessCheck[] = [...base, ...models];
  return all.map(({ name, ok, reason, required }) =>
    required === false ? { name, ok, reason, required } : { name, ok, reason },
  );
}

/** Ready when every check this replica must pass passes; the others are only reported. */
export const isReady = (checks: readonly ReadinessCheck[]) =>
  checks.every((c) => c.ok || c.required === false);

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
        summary: "Every check with its reason; 503 while one this replica must pass fails",
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async function ready(_request, reply) {
      const checks = await runChecks(deps);
      const ok = isReady(checks);
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
            usage_reports: Type.Optional(UsageReportsSchema),
          }),
        },
      },
    },
    async function health() {
      const checks = await runChecks(deps);
      const usageReports = deps.usageReports?.() ?? null;
      return {
        status: checks.every((c) => c.ok) ? "healthy" : "degraded",
        version: deps.version.version,
        uptime_s: Math.round(process.uptime()),
        checks,
        ...(usageReports ? { usage_reports: usageReports } : {}),
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
