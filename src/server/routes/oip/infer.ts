/**
 * POST /v2/models/{name}[/versions/{version}]/infer: the same key, scope ("predict"), rate limit
 * and usage record as POST /api/v1/models/{id}/predict. The body is read by the protocol's own
 * parser (src/serving/oip/request.ts), which names the tensor and the problem; the declared
 * schema documents it for /docs.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { authGuards } from "../../../auth/hook.js";
import { ModelgateError } from "../../../errors.js";
import { isModelId, MODEL_ID_RULE } from "../../../ids.js";
import type { OipInference } from "../../../serving/oip/infer.js";
import type { ModelService } from "../../../serving/service.js";
import { CheckedBody, parseInferRequest, requestRows } from "../../../serving/oip/request.js";
import { inferResponseText } from "../../../serving/oip/response.js";
import type { ResponseTensor } from "../../../serving/oip/response.js";
import { HEADER_NAME } from "../../../serving/oip/binary.js";
import { SECURITY } from "../../schemas.js";
import { allowModel } from "../../../auth/hook.js";
import {
  InferRequestSchema,
  InferResponseSchema,
  ModelParams,
  oipErrors,
  VersionParams,
} from "./schemas.js";

export interface OipInferDeps {
  auth: ReturnType<typeof authGuards>;
  inference: OipInference;
}

/** Rows each answered request predicted, for its usage record. */
const rowsByRequest = new WeakMap<FastifyRequest, number>();

export function inferredRows(request: FastifyRequest): number {
  return rowsByRequest.get(request) ?? 0;
}

// The body is checked by parseInferRequest, which says which tensor is wrong and how; Ajv
// would only say where in the JSON, and would walk every element of every data array. The
// route's validator is then off, so the path's ids are checked by checkIds.
const acceptAny = () => () => true;

function checkIds(id: string, version: string | undefined): void {
  if (!isModelId(id)) {
    throw new ModelgateError(
      "invalid_request",
      `The model name "${id.slice(0, 80)}" is invalid: use ${MODEL_ID_RULE}.`,
    );
  }
  if (version !== undefined && version.length > 128) {
    throw new ModelgateError("invalid_request", "The model version is longer than 128 characters.");
  }
}

/**
 * The refusals an inference gets before it may be charged (USAGE_DEBIT): invalid ids (400), a
 * model the key may not use (403), a model not registered (404). Runs before the debit.
 */
export function inferPreflight(models: Pick<ModelService, "get">) {
  return async function preflight(request: FastifyRequest): Promise<void> {
    const params = request.params as { model_id: string; model_version?: string };
    checkIds(params.model_id, params.model_version);
    allowModel(request, params.model_id);
    await models.get(params.model_id);
  };
}

/**
 * What a debit charges for an inference, read before the model runs (src/auth/usage-report):
 * the rows of its first tensor, as its usage record counts them. The body is checked first
 * (after inferPreflight), so a refused request is never charged; the body read here is the one
 * the handler then takes.
 */
export function debitedRows(request: FastifyRequest): number {
  const parsed = parseInferRequest(request.body);
  request.body = new CheckedBody(parsed);
  return requestRows(parsed);
}

function hasBinary(outputs: readonly ResponseTensor[]): boolean {
  for (let i = 0; i < outputs.length; i++) if (outputs[i]?.binary === true) return true;
  return false;
}

export function oipInferRoutes(app: FastifyInstance, deps: OipInferDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const onRequest = deps.auth.require("predict");
  const response = {
    200: InferResponseSchema,
    ...oipErrors(400, 401, 403, 404, 413, 415, 429, 503),
  };

  /**
   * Sends the answer itself and returns nothing (not the reply: a reply is a thenable, which
   * an async function's promise would take two more turns to adopt).
   */
  async function infer(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    version: string | undefined,
  ): Promise<void> {
    checkIds(id, version);
    allowModel(request, id);
    const parsed = parseInferRequest(request.body);
    const result = await deps.inference.infer(id, version, parsed, request.id);
    rowsByRequest.set(request, result.rows);
    // Written as text: 64-bit integers keep every digit, and no serializer walks the data.
    if (!hasBinary(result.response.outputs)) {
      reply.type("application/json; charset=utf-8").send(inferResponseText(result.response));
      return;
    }
    // The binary tensor data extension: the JSON, then the binary outputs' bytes.
    const parts: Buffer[] = [];
    const head = Buffer.from(inferResponseText(result.response, parts));
    reply
      .type("application/octet-stream")
      .header(HEADER_NAME, head.length)
      .send(Buffer.concat([head, ...parts]));
  }

  r.post(
    "/models/:model_id/infer",
    {
      onRequest,
      validatorCompiler: acceptAny,
      schema: {
        tags: ["oip"],
        summary: "Inference with tensors (Open Inference Protocol)",
        security: SECURITY,
        params: ModelParams,
        body: InferRequestSchema,
        response,
      },
    },
    function modelInfer(request, reply) {
      return infer(request, reply, request.params.model_id, undefined);
    },
  );

  r.post(
    "/models/:model_id/versions/:model_version/infer",
    {
      onRequest,
      validatorCompiler: acceptAny,
      schema: {
        tags: ["oip"],
        summary: "Inference with one version (Open Inference Protocol)",
        security: SECURITY,
        params: VersionParams,
        body: InferRequestSchema,
        response,
      },
    },
    function modelVersionInfer(request, reply) {
      return infer(request, reply, request.params.model_id, request.params.model_version);
    },
  );
}
