import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { authGuards } from "../../auth/hook.js";
import type { UsageRecorder } from "../../serving/usage.js";
import type { UsageReporter } from "../admin/usage.js";
import { AUTH_ERRORS, KeyId, ModelId, SECURITY, errorResponses } from "../schemas.js";

export const UsageQuery = Type.Object(
  {
    key_id: Type.Optional(KeyId),
    model_id: Type.Optional(ModelId),
    since: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: "A duration back from now (1h, 30m, 7d) or an ISO 8601 date or time.",
      }),
    ),
  },
  { additionalProperties: false },
);

const UsageRow = Type.Object({
  key_id: Type.String(),
  model_id: Type.String(),
  requests: Type.Integer(),
  errors: Type.Integer({ description: "Requests answered with a status of 400 or more." }),
  rows: Type.Integer({ description: "Inputs predicted by the requests that succeeded." }),
  p50_latency_ms: Type.Number(),
  p95_latency_ms: Type.Number(),
  first_at: Type.String({ format: "date-time" }),
  last_at: Type.String({ format: "date-time" }),
});

const UsageReport = Type.Object({
  key_id: Type.Union([Type.String(), Type.Null()]),
  model_id: Type.Union([Type.String(), Type.Null()]),
  since: Type.Union([Type.String({ format: "date-time" }), Type.Null()], {
    description: "The start of the period summarised; null: since the first record.",
  }),
  usage: Type.Array(UsageRow, { description: "One row per key and model, by key then model." }),
});

export interface UsageRouteDeps {
  auth: ReturnType<typeof authGuards>;
  usage: UsageReporter;
}

export function usageRoute(app: FastifyInstance, deps: UsageRouteDeps): void {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    "/api/v1/usage",
    {
      onRequest: deps.auth.require("admin"),
      schema: {
        tags: ["admin"],
        summary: "Prediction usage per key and model (admin keys)",
        description:
          "Every prediction is recorded (time, key, user, model, status, batch size, latency). " +
          "Records reach the store within USAGE_FLUSH_MS of the answer.",
        security: SECURITY,
        querystring: UsageQuery,
        response: { 200: UsageReport, ...errorResponses(...AUTH_ERRORS, 422, 503) },
      },
    },
    async function usage(request) {
      return deps.usage(request.query);
    },
  );
}

/** Inputs in a predict body: a list is a batch, an object one input, anything else none. */
function batchSizeOf(body: unknown): number {
  if (typeof body !== "object" || body === null || !("inputs" in body)) return 0;
  const inputs = body.inputs;
  if (Array.isArray(inputs)) return inputs.length;
  return typeof inputs === "object" && inputs !== null ? 1 : 0;
}

/**
 * onResponse hook of the predict route: one usage record per answer this key got — 200s and
 * every error after the key was recognised (403, 404, 422, 429, 503, …). Unauthenticated
 * requests have no key to count against and are not recorded. `record` only appends to the
 * write-behind buffer: the response has already left, and nothing here waits on the store.
 */
export function recordUsageHook(
  recorder: Pick<UsageRecorder, "record">,
  /** The rows a request predicted; by default, its `inputs` (an object or a list of them). */
  rowsOf: (request: FastifyRequest) => number = (request) => batchSizeOf(request.body),
) {
  return function recordPrediction(
    request: FastifyRequest,
    reply: FastifyReply,
    done: () => void,
  ): void {
    const principal = request.principal;
    if (principal) {
      const params = request.params as { model_id?: string } | undefined;
      const latencyMs = reply.elapsedTime;
      recorder.record({
        at: new Date(Date.now() - latencyMs),
        keyId: principal.keyId,
        userId: principal.userId,
        modelId: params?.model_id ?? "",
        status: reply.statusCode,
        batchSize: rowsOf(request),
        latencyMs: Math.round(latencyMs * 100) / 100,
        requestId: request.id,
      });
    }
    done();
  };
}
