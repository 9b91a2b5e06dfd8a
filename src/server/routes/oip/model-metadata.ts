/** GET /v2/models/{name}[/versions/{version}]: the ONNX graph's inputs and outputs. */
import type { FastifyInstance } from "fastify";
import { allowModel } from "../../../auth/hook.js";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { authGuards } from "../../../auth/hook.js";
import { checkVersion } from "../../../serving/oip/infer.js";
import { modelMetadata } from "../../../serving/oip/metadata.js";
import type { ModelService } from "../../../serving/service.js";
import { SECURITY } from "../../schemas.js";
import { MetadataTensor, ModelParams, oipErrors, VersionParams } from "./schemas.js";

export interface OipModelDeps {
  auth: ReturnType<typeof authGuards>;
  models: Pick<ModelService, "load" | "get" | "state" | "sourceProblem">;
}

const ModelMetadata = Type.Object({
  name: Type.String(),
  versions: Type.Array(Type.String()),
  platform: Type.String({
    description: "onnxruntime_onnx; modelgate_remote for a model served upstream.",
  }),
  inputs: Type.Array(MetadataTensor),
  outputs: Type.Array(MetadataTensor),
});

/** The key may use this model, or 403 as on the seeds' API. */
export function oipModelMetadataRoutes(app: FastifyInstance, deps: OipModelDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const onRequest = deps.auth.require("models:read");
  const response = { 200: ModelMetadata, ...oipErrors(400, 401, 403, 404, 429, 503) };

  async function metadata(id: string, version?: string) {
    const loaded = await deps.models.load(id);
    checkVersion(loaded, id, version);
    return modelMetadata(loaded, id);
  }

  r.get(
    "/models/:model_id",
    {
      onRequest,
      schema: {
        tags: ["oip"],
        summary: "Model metadata (Open Inference Protocol)",
        security: SECURITY,
        params: ModelParams,
        response,
      },
    },
    async function modelMetadataRoute(request) {
      allowModel(request, request.params.model_id);
      return metadata(request.params.model_id);
    },
  );

  r.get(
    "/models/:model_id/versions/:model_version",
    {
      onRequest,
      schema: {
        tags: ["oip"],
        summary: "Model metadata of one version (Open Inference Protocol)",
        security: SECURITY,
        params: VersionParams,
        response,
      },
    },
    async function modelVersionMetadata(request) {
      allowModel(request, request.params.model_id);
      return metadata(request.params.model_id, request.params.model_version);
    },
  );
}
