import type { TensorInfo } from "../../runtimes/onnx/index.js";
import type { InputProperty, OutputSpec } from "../../spec/index.js";
import type { LoadedModel } from "../cache.js";
import { oipDatatype } from "./datatypes.js";

export interface MetadataTensor {
  name: string;
  datatype: string;
  shape: number[];
}

/** The protocol's model metadata: `{name, versions, platform, inputs, outputs}`. */
export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: MetadataTensor[];
  outputs: MetadataTensor[];
}

/** Graph tensors the protocol can carry (a sequence or a map, like a ZipMap output, cannot). */
function graphMetadata(list: readonly TensorInfo[]): MetadataTensor[] {
  return list.flatMap((t) => {
    const datatype = t.type === null ? null : oipDatatype(t.type);
    return datatype ? [{ name: t.name, datatype, shape: t.shape }] : [];
  });
}

function fieldTensor(name: string, prop: InputProperty): MetadataTensor {
  switch (prop.type) {
    case "string":
      return { name, datatype: "BYTES", shape: [-1] };
    case "boolean":
      return { name, datatype: "BOOL", shape: [-1] };
    case "integer":
      return { name, datatype: "INT64", shape: [-1] };
    case "array":
      return { name, datatype: "FP64", shape: [-1, prop.maxItems ?? -1] };
    default:
      return { name, datatype: "FP64", shape: [-1] };
  }
}

const NUMERIC_OUTPUTS = new Set(["scale", "value", "confidence"]);

function outputTensor(o: OutputSpec): MetadataTensor {
  return { name: o.name, datatype: NUMERIC_OUTPUTS.has(o.kind) ? "FP64" : "BYTES", shape: [-1] };
}

/**
 * An in-process ONNX model is described by its graph (-1 for a dynamic dimension); a model served
 * upstream has no graph here, so its fields and outputs are described as the tensors it takes.
 */
export function modelMetadata(loaded: LoadedModel, modelId: string): ModelMetadata {
  const base = { name: modelId, versions: [loaded.spec.version] };
  const graph = loaded.tensors?.graph;
  if (graph) {
    return {
      ...base,
      platform: "onnxruntime_onnx",
      inputs: graphMetadata(graph.inputs),
      outputs: graphMetadata(graph.outputs),
    };
  }
  return {
    ...base,
    platform: "modelgate_remote",
    inputs: Object.entries(loaded.spec.inputs.properties).map(([n, p]) => fieldTensor(n, p)),
    outputs: loaded.spec.outputs.map(outputTensor),
  };
}
