import type { FastifyInstance, FastifyRequest } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { authGuards } from "../../auth/hook.js";
import { mayUseModel } from "../../auth/scopes.js";
import { ModelgateError } from "../../errors.js";
import type { ModelService } from "../../serving/service.js";
import type { ModelRecord } from "../../store/index.js";
import { AUTH_ERRORS, ModelIdParams, SECURITY, errorResponses } from "../schemas.js";
import { inferenceMethodsOf, isHubSource, modelTypeOf, storageOf } from "./seeds-fields.js";

const ModelSummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  version: Type.String(),
  description: Type.String(),
  status: Type.String({ description: "not_loaded | loading | ready | failed" }),
  max_batch_size: Type.Integer(),
});

const STORAGE =
  "Where the package comes from: local (a folder, or shipped with modelgate), huggingface, huggingface_private (once the Hub said the repository is private), http, or mlflow (an MLflow registry version).";

const ModelInfo = Type.Object({
  ...ModelSummary.properties,
  input_schema: Type.Unknown({ description: "JSON Schema of one input object." }),
  outputs: Type.Array(Type.Object({ name: Type.String(), kind: Type.String() })),
  registered_at: Type.String({ format: "date-time" }),
  // The seeds' fields (docs/http-api.md): their clients read these names.
  model_id: Type.String({ description: "The id again, under the seeds' name." }),
  type: Type.String({
    description:
      'How the model runs: onnx (in process) or remote (an upstream); "unknown" until its package was read.',
  }),
  storage: Type.String({ description: STORAGE }),
  is_available: Type.Boolean({
    description:
      "Registered, its package read, and not failing to load (it loads on first use); /health checks the source.",
  }),
  inference_methods: Type.Array(Type.String(), {
    description:
      'How it is served: ["local"] in process, ["api"] through an upstream endpoint; empty until its package was read.',
  }),
});

const ModelHealth = Type.Object({
  model_id: Type.String(),
  status: Type.String({ description: "not_loaded | loading | ready | failed" }),
  healthy: Type.Boolean(),
  loaded: Type.Boolean(),
  revision: Type.Union([Type.String(), Type.Null()], {
    description: "The exact revision served (a Hub commit); null for a plain folder.",
  }),
  source: Type.String(),
  inference_method: Type.Union([Type.String(), Type.Null()]),
  loaded_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  load_ms: Type.Union([Type.Number(), Type.Null()]),
  size_bytes: Type.Union([Type.Integer(), Type.Null()]),
  last_used_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  refresh_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()], {
    description: "When cache_duration runs out and the model is reloaded from its source.",
  }),
  served_from_cache: Type.Boolean({
    description: "The source could not be refreshed; a verified cached copy is served.",
  }),
  refresh_error: Type.Union([
    Type.Object({ code: Type.String(), detail: Type.String() }),
    Type.Null(),
  ]),
  last_error: Type.Union([
    Type.Object({
      code: Type.String(),
      detail: Type.String(),
      at: Type.String({ format: "date-time" }),
    }),
    Type.Null(),
  ]),
  // The seeds' fields (docs/http-api.md).
  is_cached: Type.Boolean({ description: "Loaded in this replica's memory (same as loaded)." }),
  storage_type: Type.String({ description: STORAGE }),
  inference_ready: Type.Boolean({
    description: "It can serve a prediction now (same as healthy).",
  }),
});

export interface ModelRoutesDeps {
  auth: ReturnType<typeof authGuards>;
  models: ModelService;
}

function summary(record: ModelRecord, models: ModelService) {
  return {
    id: record.id,
    name: record.name,
    version: record.version,
    description: record.description,
    status: models.state(record.id).state,
    max_batch_size: record.maxBatchSize,
  };
}

/** Only a Hub source's answer depends on what the Hub said (read from the disk cache). */
async function storage(record: ModelRecord, models: ModelService): Promise<string> {
  const visibility = isHubSource(record.source) ? await models.visibility(record) : "unknown";
  return storageOf(record.source, visibility);
}

function allowedModel(request: FastifyRequest, id: string): void {
  if (request.principal && !mayUseModel(request.principal, id)) {
    throw new ModelgateError(
      "model_forbidden",
      `This API key may not use model ${id}: create a key with --models ${id}.`,
    );
  }
}

export function modelRoutes(app: FastifyInstance, deps: ModelRoutesDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const onRequest = deps.auth.require("models:read");
  const errors = errorResponses(...AUTH_ERRORS, 404, 503);

  r.get(
    "/api/v1/models",
    {
      onRequest,
      schema: {
        tags: ["models"],
        summary: "The models this API key may use",
        security: SECURITY,
        response: { 200: Type.Object({ models: Type.Array(ModelSummary) }), ...errors },
      },
    },
    async function listModels(request) {
      const all = await deps.models.list();
      const visible = all.filter((m) => !request.principal || mayUseModel(request.principal, m.id));
      return { models: visible.map((m) => summary(m, deps.models)) };
    },
  );

  r.get(
    "/api/v1/models/:model_id/info",
    {
      onRequest,
      schema: {
        tags: ["models"],
        summary: "A model's description and input schema",
        security: SECURITY,
        params: ModelIdParams,
        response: { 200: ModelInfo, ...errors },
      },
    },
    async function modelInfo(request) {
      allowedModel(request, request.params.model_id);
      const record = await deps.models.get(request.params.model_id);
      const base = summary(record, deps.models);
      return {
        ...base,
        // null until the package could be read once (registered while its source was closed).
        input_schema: record.spec?.inputs ?? null,
        outputs: record.spec?.outputs.map((o) => ({ name: o.name, kind: o.kind })) ?? [],
        registered_at: record.createdAt.toISOString(),
        model_id: record.id,
        type: modelTypeOf(record.spec),
        storage: await storage(record, deps.models),
        is_available: base.status === "ready" || (base.status !== "failed" && record.spec !== null),
        inference_methods: inferenceMethodsOf(record.spec),
      };
    },
  );

  r.get(
    "/api/v1/models/:model_id/health",
    {
      onRequest,
      schema: {
        tags: ["models"],
        summary: "Whether a model can be served now, and why not",
        security: SECURITY,
        params: ModelIdParams,
        response: {
          ...errors,
          200: ModelHealth,
          503: Type.Union([ModelHealth, Type.Ref("Error")]),
        },
      },
    },
    async function modelHealth(request, reply) {
      allowedModel(request, request.params.model_id);
      const record = await deps.models.get(request.params.model_id);
      const s = deps.models.state(record.id);
      const source = s.state === "not_loaded" ? await deps.models.sourceProblem(record) : null;
      const problem = source && !source.ok ? source.error : null;
      const healthy = s.state !== "failed" && problem === null;
      void reply.status(healthy ? 200 : 503);
      const iso = (d: Date | null) => d?.toISOString() ?? null;
      const storageType = await storage(record, deps.models);
      return {
        model_id: record.id,
        status: s.state,
        healthy,
        loaded: s.state === "ready",
        revision: s.revision ?? record.resolvedRevision,
        source: record.source,
        inference_method: deps.models.inferenceMethod(record.id),
        loaded_at: iso(s.loadedAt),
        load_ms: s.loadMs,
        size_bytes: s.sizeBytes,
        last_used_at: iso(s.lastUsedAt),
        refresh_at: iso(s.refreshAt),
        served_from_cache: s.refreshError !== null,
        refresh_error: s.refreshError,
        last_error: problem
          ? {
              code: problem.code,
              detail: source?.reason ?? problem.detail,
              at: new Date().toISOString(),
            }
          : s.lastError
            ? { ...s.lastError, at: s.lastError.at.toISOString() }
            : null,
        is_cached: s.state === "ready",
        storage_type: storageType,
        inference_ready: healthy,
      };
    },
  );
}
