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

const MIB = 1024 * 1024;

// The seeds' fields beside modelgate's (docs/http-api.md): their clients read these names.
const Live = Type.Object({
  status: Type.String({ description: "alive" }),
  alive: Type.Boolean({ description: "Always true: the process answered." }),
  uptime: Type.Integer({ description: "Seconds since the process started." }),
  memory_usage_mb: Type.Number({
    description: "Resident memory of the process (RSS), in MiB, as the seeds' service reports it.",
  }),
});
const Version = Type.Object({
  name: Type.String(),
  version: Type.String({ description: "The package version." }),
  node: Type.String({ description: "The Node.js version running it." }),
  api_version: Type.String({ description: "The HTTP API's version: v1 (the /api/v1 paths)." }),
  git_commit: Type.String({
    description:
      'The commit built (recorded by npm run build), or "unknown" when not built from a git checkout.',
  }),
  build_date: Type.String({ description: 'The build\'s day, YYYY-MM-DD (UTC), or "unknown".' }),
  built_at: Type.String({ description: 'The build\'s moment (ISO 8601), or "unknown".' }),
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
        response: { 200: Live },
      },
    },
    async function live() {
      return {
        status: "alive",
        alive: true,
        uptime: Math.floor(process.uptime()),
        memory_usage_mb: Math.round((process.memoryUsage.rss() / MIB) * 100) / 100,
      };
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
        summary: "The running version, and the commit and date it was built from",
        response: { 200: Version },
      },
    },
    async function version() {
      const { name, version, node, build } = deps.version;
      return {
        name,
        version,
        node,
        api_version: "v1",
        git_commit: build.gitCommit,
        build_date: build.buildDate,
        built_at: build.builtAt,
      };
    },
  );
}
