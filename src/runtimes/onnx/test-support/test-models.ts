/**
 * The ONNX models the kind and Open Inference Protocol tests serve, built with onnx-builder:
 * - iris: a 3-class softmax classifier, float32 "input-0" [N, 4] → "probabilities" [N, 3] and
 *   "label" int64 [N] (named as in KServe's sklearn iris example);
 * - churn: a linear regressor, "features" [N, 3] → "values" [N, 2] (two targets);
 * - mymodel: the inference request example of the protocol's specification, "input0" uint32
 *   [2, 2] and "input1" bool [3] → "output0" float32 [3, 2] (row i: [b_i, b_i + Σ input0]) and
 *   "output1" uint32 [2, 2] (input0 itself);
 * - types: one Identity a datatype, "x_<type>" [N] → "y_<type>" [N], for every tensor type.
 * Writing a package folder for one is `writePackage`.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildOnnxModel, ONNX_TYPES } from "./onnx-builder.js";
import type { OnnxType } from "./onnx-builder.js";

/** Weights of the iris classifier (4 inputs × 3 classes) and its biases. */
export const IRIS_WEIGHTS = [
  [0.8, 0.1, -0.9],
  [1.2, -0.3, -0.8],
  [-2.1, 0.4, 1.6],
  [-1.9, -0.2, 2.2],
];
export const IRIS_BIAS = [0.3, 1.1, -1.2];

export function irisModel(): Uint8Array {
  return buildOnnxModel({
    inputs: [{ name: "input-0", type: "float32", shape: ["N", 4] }],
    outputs: [
      { name: "label", type: "int64", shape: ["N"] },
      { name: "probabilities", type: "float32", shape: ["N", 3] },
    ],
    initializers: [
      { name: "W", type: "float32", dims: [4, 3], values: IRIS_WEIGHTS.flat() },
      { name: "B", type: "float32", dims: [3], values: IRIS_BIAS },
    ],
    nodes: [
      { op: "MatMul", inputs: ["input-0", "W"], outputs: ["xw"] },
      { op: "Add", inputs: ["xw", "B"], outputs: ["logits"] },
      {
        op: "Softmax",
        inputs: ["logits"],
        outputs: ["probabilities"],
        attributes: { axis: { int: 1 } },
      },
      {
        op: "ArgMax",
        inputs: ["probabilities"],
        outputs: ["label"],
        attributes: { axis: { int: 1 }, keepdims: { int: 0 } },
      },
    ],
  });
}

export const CHURN_WEIGHTS = [
  [12.5, 1500],
  [-3.25, 220],
  [0.75, -40],
];
export const CHURN_BIAS = [60, 5000];

export function churnModel(): Uint8Array {
  return buildOnnxModel({
    inputs: [{ name: "features", type: "float32", shape: ["N", 3] }],
    outputs: [{ name: "values", type: "float32", shape: ["N", 2] }],
    initializers: [
      { name: "W", type: "float32", dims: [3, 2], values: CHURN_WEIGHTS.flat() },
      { name: "B", type: "float32", dims: [2], values: CHURN_BIAS },
    ],
    nodes: [
      { op: "MatMul", inputs: ["features", "W"], outputs: ["xw"] },
      { op: "Add", inputs: ["xw", "B"], outputs: ["values"] },
    ],
  });
}

export function specExampleModel(): Uint8Array {
  return buildOnnxModel({
    inputs: [
      { name: "input0", type: "uint32", shape: [2, 2] },
      { name: "input1", type: "bool", shape: [3] },
    ],
    outputs: [
      { name: "output0", type: "float32", shape: [3, 2] },
      { name: "output1", type: "uint32", shape: [2, 2] },
    ],
    initializers: [{ name: "axis1", type: "int64", dims: [1], values: [1] }],
    nodes: [
      {
        op: "Cast",
        inputs: ["input1"],
        outputs: ["b"],
        attributes: { to: { int: ONNX_TYPES.float32 } },
      },
      { op: "Unsqueeze", inputs: ["b", "axis1"], outputs: ["b_col"] },
      {
        op: "Cast",
        inputs: ["input0"],
        outputs: ["x"],
        attributes: { to: { int: ONNX_TYPES.float32 } },
      },
      { op: "ReduceSum", inputs: ["x"], outputs: ["sum"], attributes: { keepdims: { int: 0 } } },
      { op: "Add", inputs: ["b_col", "sum"], outputs: ["b_plus_sum"] },
      {
        op: "Concat",
        inputs: ["b_col", "b_plus_sum"],
        outputs: ["output0"],
        attributes: { axis: { int: 1 } },
      },
      { op: "Identity", inputs: ["input0"], outputs: ["output1"] },
    ],
  });
}

export const TYPES_MODEL_TYPES: readonly OnnxType[] = [
  "bool",
  "int8",
  "uint8",
  "int16",
  "uint16",
  "int32",
  "uint32",
  "int64",
  "uint64",
  "float16",
  "float32",
  "float64",
  "string",
];

export function typesModel(): Uint8Array {
  return buildOnnxModel({
    inputs: TYPES_MODEL_TYPES.map((type) => ({ name: `x_${type}`, type, shape: ["N"] })),
    outputs: TYPES_MODEL_TYPES.map((type) => ({ name: `y_${type}`, type, shape: ["N"] })),
    nodes: TYPES_MODEL_TYPES.map((type) => ({
      op: "Identity",
      inputs: [`x_${type}`],
      outputs: [`y_${type}`],
    })),
  });
}

/** Writes `<dir>/modelgate.json` and `<dir>/model.onnx`; returns dir. */
export async function writePackage(dir: string, spec: unknown, model: Uint8Array): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "modelgate.json"), JSON.stringify(spec, null, 2));
  await writeFile(join(dir, "model.onnx"), model);
  return dir;
}
