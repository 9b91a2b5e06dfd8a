import type { FastifyInstance, FastifyRequest } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { allowModel } from "../../auth/hook.js";
import type { authGuards } from "../../auth/hook.js";
import type { Principal } from "../../auth/scopes.js";
import { ModelgateError } from "../../errors.js";
import type { ModelService } from "../../serving/service.js";
import { AUTH_ERRORS, ModelIdParams, SECURITY, errorResponses } from "../schemas.js";

const InputObject = Type.Record(Type.String(), Type.Unknown(), {
  description:
    "One input: the fields of the model's input schema (see GET /api/v1/models/{id}/info).",
});

const PredictBody = Type.Object(
  {
    inputs: Type.Union([InputObject, Type.Array(InputObject)], {
      description:
        "One input object, or a list of them for a batch (at most the model's max_batch_size).",
    }),
    options: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

// Left open (no type) on purpose: a model's outputs are described by its spec (GET .../info),
// and an anyOf here would make the serializer validate every response against both branches.
const Predictions = Type.Unknown({
  description:
    "An object of the model's outputs for one input; a list of them, in input order, for a batch.",
});

const PredictResponse = Type.Object({
  model_id: Type.String(),
  predictions: Predictions,
  metadata: Type.Object({
    api_version: Type.String(),
    inference_method: Type.String(),
    user_id: Type.String(),
    api_key_id: Type.String(),
    model_version: Type.String(),
    batch_size: Type.Integer(),
    request_id: Type.String(),
  }),
  timestamp: Type.String({ format: "date-time" }),
});

export interface PredictDeps {
  auth: ReturnType<typeof authGuards>;
  models: Pick<ModelService, "predict">;
}

/** The request's key, allowed to use the model; or the refusal (401, 403). */
function allowedPrincipal(request: FastifyRequest, modelId: string): Principal {
  const principal = request.principal;
  if (!principal) throw new ModelgateError("api_key_missing");
  allowModel(request, modelId);
  return principal;
}

/**
 * The refusals a prediction gets before it may be charged (USAGE_DEBIT): a model the key may
 * not use (403), a model not registered (404). Runs before the debit, so neither is paid for.
 */
export function predictPreflight(models: Pick<ModelService, "get">) {
  return async function preflight(request: FastifyRequest): Promise<void> {
    const modelId = (request.params as { model_id: string }).model_id;
    allowedPrincipal(request, modelId);
    await models.get(modelId);
  };
}

export function predictRoute(app: FastifyInstance, deps: PredictDeps): void {
  app.withTypeProvider<TypeBoxTypeProvider>().post(
    "/api/v1/models/:model_id/predict",
    {
      onRequest: deps.auth.require("predict"),
      schema: {
        tags: ["predict"],
        summary: "Predict with a model",
        security: SECURITY,
        params: ModelIdParams,
        body: PredictBody,
        response: {
          200: PredictResponse,
          ...errorResponses(400, ...AUTH_ERRORS, 404, 413, 422, 503),
        },
      },
    },
    async function predict(request) {
      const modelId = request.params.model_id;
      const principal = allowedPrincipal(request, modelId);
      const result = await deps.models.predict(modelId, request.body.inputs);
      return {
        model_id: result.model.id,
        predictions: result.predictions,
        metadata: {
          api_version: "1.0",
          inference_method: result.loaded.inferenceMethod,
          user_id: principal.userId,
          api_key_id: principal.keyId,
          model_version: result.loaded.spec.version,
          batch_size: result.batchSize,
          request_id: request.id,
        },
        timestamp: new Date().toISOString(),
      };
    },
  );
}
