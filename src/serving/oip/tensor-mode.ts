/**
 * Tensors sent as they are, straight to the ONNX graph: each input must be one of the graph's,
 * with its datatype, rank and fixed dimensions; the outputs are the graph's tensors.
 */
import { Tensor } from "onnxruntime-node";
import { ModelgateError } from "../../errors.js";
import type { TensorInfo, TensorRunner } from "../../runtimes/onnx/index.js";
import { oipDatatype, ortType, toTensorData } from "./datatypes.js";
import type { TensorData } from "./datatypes.js";
import { requestRows } from "./request.js";
import type { InferRequest, RequestTensor } from "./request.js";
import type { ResponseTensor } from "./response.js";

function bad(detail: string): ModelgateError {
  return new ModelgateError("invalid_tensor", detail);
}

/** `FP32 [-1, 4]`: how a graph tensor is described in refusals and metadata. */
export function describeTensor(info: TensorInfo): string {
  const type = info.type === null ? "not a tensor" : (oipDatatype(info.type) ?? info.type);
  return `${info.name} (${type} [${info.shape.join(", ")}])`;
}

function checkAgainstGraph(input: RequestTensor, info: TensorInfo, modelId: string): void {
  const at = `input "${input.name}" of model ${modelId}`;
  const want = info.type === null ? null : oipDatatype(info.type);
  if (want === null) {
    throw bad(
      `${at} is not a tensor the protocol can carry (${info.type ?? "a sequence or map"}).`,
    );
  }
  if (want !== input.datatype) {
    throw bad(`${at} is ${want}; the request sent ${input.datatype}.`);
  }
  // An empty shape in the graph's metadata is a scalar or an unknown rank: not checked here.
  if (info.shape.length === 0) return;
  if (info.shape.length !== input.shape.length) {
    throw bad(
      `${at} has shape [${info.shape.join(", ")}] (${info.shape.length} dimensions); the request sent [${input.shape.join(", ")}].`,
    );
  }
  info.shape.forEach((d, i) => {
    if (d >= 0 && d !== input.shape[i]) {
      throw bad(
        `${at} has shape [${info.shape.join(", ")}] (-1: any size); the request sent [${input.shape.join(", ")}].`,
      );
    }
  });
}

/** Whether every input names one of the graph's inputs. */
export function namesGraphInputs(request: InferRequest, tensors: TensorRunner): boolean {
  const graph = tensors.graph.inputs;
  for (const t of request.inputs) {
    let found = false;
    for (let g = 0; g < graph.length && !found; g++) found = graph[g]?.name === t.name;
    if (!found) return false;
  }
  return true;
}

/** Runs the graph on the request's tensors; returns the requested outputs and the batch rows. */
export async function inferTensors(
  request: InferRequest,
  tensors: TensorRunner,
  modelId: string,
): Promise<{ outputs: ResponseTensor[]; rows: number }> {
  const { graph } = tensors;
  const feeds: Record<string, Tensor> = {};
  for (const input of request.inputs) {
    const info = graph.inputs.find((g) => g.name === input.name);
    if (!info) throw bad(`Model ${modelId} has no input "${input.name}".`);
    checkAgainstGraph(input, info, modelId);
    feeds[input.name] = new Tensor(
      ortType(input.datatype),
      toTensorData(input.datatype, input.values),
      input.shape,
    );
  }
  const missing = graph.inputs.filter((g) => !(g.name in feeds));
  if (missing.length > 0) {
    throw bad(
      `Model ${modelId} also needs ${missing.map(describeTensor).join(", ")}: send every input of its graph.`,
    );
  }
  const available = graph.outputs.filter((o) => o.type !== null && oipDatatype(o.type) !== null);
  let fetches = available.map((o) => o.name);
  if (request.outputs) {
    fetches = request.outputs.map((o) => {
      if (!available.some((a) => a.name === o.name)) {
        throw bad(
          `Model ${modelId} has no output "${o.name}" to return; its outputs are: ${available.map(describeTensor).join(", ")}.`,
        );
      }
      return o.name;
    });
  }
  const results = await tensors.run(feeds, fetches);
  const outputs = fetches.map((name): ResponseTensor => {
    const t = results[name];
    const datatype = t ? oipDatatype(t.type) : null;
    if (!t || datatype === null) {
      throw new ModelgateError("internal_error", undefined, {
        cause: new TypeError(`output ${name} of model ${modelId} missing or of type ${t?.type}`),
      });
    }
    return { name, datatype, shape: t.dims, data: t.data as TensorData };
  });
  return { outputs, rows: requestRows(request) };
}
