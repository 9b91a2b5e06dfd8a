import type { InferenceSession, Tensor } from "onnxruntime-node";
import type { OrtSession } from "./native-session.js";

/** One input or output of an ONNX graph, as a client of the graph sees it. */
export interface TensorInfo {
  name: string;
  /** The element type; null for a value that is not a tensor (a sequence, a map). */
  type: Tensor.Type | null;
  /** Dimensions, -1 for a dynamic one (symbolic or unknown). Empty: a scalar, or unknown rank. */
  shape: number[];
}

export interface GraphTensors {
  inputs: readonly TensorInfo[];
  outputs: readonly TensorInfo[];
}

function describe(meta: InferenceSession.ValueMetadata): TensorInfo {
  if (!meta.isTensor) return { name: meta.name, type: null, shape: [] };
  const shape = meta.shape.map((d) => (typeof d === "number" && d >= 0 ? d : -1));
  return { name: meta.name, type: meta.type, shape };
}

/** The graph's inputs and outputs, read once from the session. */
export function graphTensors(
  session: Pick<OrtSession, "inputMetadata" | "outputMetadata">,
): GraphTensors {
  return {
    inputs: session.inputMetadata.map(describe),
    outputs: session.outputMetadata.map(describe),
  };
}
