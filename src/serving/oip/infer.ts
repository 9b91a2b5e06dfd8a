/**
 * The Open Inference Protocol's model operations over the serving pipeline: inference (raw
 * tensors to the graph, or a feature-spec model's named fields), metadata and readiness. The
 * same model cache, batcher and validation serve POST /api/v1/models/{id}/predict.
 */
import { ModelgateError } from "../../errors.js";
import { modelKind } from "../../spec/index.js";
import type { LoadedModel } from "../cache.js";
import type { ModelService } from "../service.js";
import { fieldsPlan } from "./fields-mode.js";
import type { InferRequest, Parameters } from "./request.js";
import type { InferResponse, ResponseTensor } from "./response.js";
import { describeTensor, inferTensors, namesGraphInputs } from "./tensor-mode.js";

export interface InferResult {
  response: InferResponse;
  /** Rows predicted (the batch dimension), for the usage record. */
  rows: number;
}

/** `content_type: "pd"` (MLServer's spelling): the inputs are the model's named fields. */
function wantsFields(request: InferRequest): boolean {
  return request.parameters.content_type === "pd";
}

/** Every kind but "tensor" declares at least one input field (parseSpec makes sure). */
function hasFields(loaded: LoadedModel): boolean {
  return modelKind(loaded.spec) !== "tensor";
}

function unknownInputs(
  request: InferRequest,
  loaded: LoadedModel,
  modelId: string,
): ModelgateError {
  const graph = loaded.tensors?.graph.inputs ?? [];
  const fields = hasFields(loaded) ? Object.keys(loaded.spec.inputs.properties) : [];
  const names = request.inputs.map((t) => `"${t.name}"`).join(", ");
  const takes = [
    graph.length > 0 ? `its graph's tensors ${graph.map(describeTensor).join(", ")}` : "",
    fields.length > 0 ? `its fields ${fields.join(", ")} (one tensor each)` : "",
  ].filter((s) => s !== "");
  return new ModelgateError(
    "invalid_tensor",
    `Model ${modelId} cannot take the inputs ${names}: send ${takes.join(", or ")}.`,
  );
}

/**
 * The outputs sent as binary data: each one whose own `binary_data` says so, or, where it says
 * nothing, every one when the request's `binary_data_output` is true (as Triton reads them).
 */
function markBinary(request: InferRequest, outputs: ResponseTensor[]): void {
  const all = request.parameters.binary_data_output === true;
  const asked = request.outputs;
  if (!all && asked === null) return;
  for (let i = 0; i < outputs.length; i++) {
    const t = outputs[i] as ResponseTensor;
    const own = asked?.find((o) => o.name === t.name)?.parameters.binary_data;
    if (own === true || (own === undefined && all)) outputs[i] = { ...t, binary: true };
  }
}

/** The response's `parameters` when the inputs were the model's named fields. */
const PD: Parameters = Object.freeze({ content_type: "pd" });

/** The model's version check: the served one, or 404 naming it. */
export function checkVersion(loaded: LoadedModel, modelId: string, version?: string): void {
  if (version === undefined || version === loaded.spec.version) return;
  throw new ModelgateError(
    "model_not_found",
    `Model ${modelId} serves version ${loaded.spec.version}, not ${version}: call /v2/models/${modelId} or /v2/models/${modelId}/versions/${loaded.spec.version}.`,
  );
}

export function oipInference(deps: { models: Pick<ModelService, "use"> }) {
  return {
    /** One inference: awaits only the model's run when the model is loaded (models.use). */
    async infer(
      modelId: string,
      version: string | undefined,
      request: InferRequest,
      requestId: string,
    ): Promise<InferResult> {
      const using = deps.models.use(modelId);
      const loaded = using instanceof Promise ? await using : using;
      checkVersion(loaded, modelId, version);
      let outputs: ResponseTensor[];
      let rows: number;
      const tensors = loaded.tensors;
      const fields = wantsFields(request);
      if (!fields && tensors && namesGraphInputs(request, tensors)) {
        ({ outputs, rows } = await inferTensors(request, tensors, modelId));
      } else if (hasFields(loaded)) {
        const plan = fieldsPlan(loaded);
        const named = plan.named(request);
        if (named === null) {
          throw fields
            ? plan.unknownField(request, modelId)
            : unknownInputs(request, loaded, modelId);
        }
        const inputs = plan.rows(request, named, modelId);
        const predictions = await loaded.predict(inputs);
        outputs = plan.answer(request, predictions, modelId);
        rows = inputs.length;
      } else {
        throw unknownInputs(request, loaded, modelId);
      }
      markBinary(request, outputs);
      const response: InferResponse = {
        modelName: modelId,
        modelVersion: loaded.spec.version,
        id: request.id ?? requestId,
        outputs,
      };
      if (fields) response.parameters = PD;
      return { response, rows };
    },
  };
}

export type OipInference = ReturnType<typeof oipInference>;
