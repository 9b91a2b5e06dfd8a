/**
 * The in-process ONNX runtime (onnxruntime-node, CPU): loads a model package's ONNX file into one
 * reused session and turns validated input rows into the spec's outputs.
 */
export { loadOnnxModel } from "./onnx-model.js";
export type { OnnxModel, TensorRunner } from "./onnx-model.js";
export type { GraphTensors, TensorInfo } from "./tensors.js";
export type { OnnxSessionOptions } from "./session.js";
