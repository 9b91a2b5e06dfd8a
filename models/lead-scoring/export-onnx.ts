/**
 * Writes a trained Forest as an ONNX model: one ai.onnx.ml TreeEnsembleClassifier node,
 * float32 input [N, F] → "label" int64 [N] and "probabilities" float32 [N, 2], without ZipMap
 * (modelgate's ONNX runtime reads a plain [N, C] tensor). Encoded with protobufjs from the
 * ONNX schema subset in onnx-subset.proto; the same forest always gives the same bytes.
 */
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import type { Forest } from "./forest.js";

const PROTO_FILE = fileURLToPath(new URL("./onnx-subset.proto", import.meta.url));

// IR 8 / opset 16 / ai.onnx.ml 3 is ONNX 1.11 (2022), read by every onnxruntime since 1.11.
const IR_VERSION = 8;
const OPSET = 16;
const ML_OPSET = 3;
const FLOAT = 1;
const INT64 = 7;
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export interface ExportOptions {
  /** Graph input and probability output names (the spec's runtime.input and runtime.output). */
  input: string;
  output: string;
  producerVersion: string;
  docString: string;
  metadata: Record<string, string>;
}

/**
 * The smallest float32 ≥ x. The trees split on `x < t` with x a float32 feature; ORT compares in
 * float32, and for float32 x, x < t ⇔ x < ceilFloat32(t), so routing is exactly the trainer's.
 */
export function ceilFloat32(x: number): number {
  const f = Math.fround(x);
  if (f >= x) return f;
  if (f === 0) return 1.401298464324817e-45; // the smallest positive subnormal
  const view = new Float32Array([f]);
  const bits = new Int32Array(view.buffer);
  // One unit in the last place towards +∞: up in magnitude if positive, down if negative.
  bits[0] = (bits[0] ?? 0) + (f > 0 ? 1 : -1);
  return view[0] ?? f;
}

const ints = (name: string, values: readonly number[]) => ({ name, type: ATTR.INTS, ints: values });
const floats = (name: string, values: readonly number[]) => ({
  name,
  type: ATTR.FLOATS,
  floats: values,
});
const strings = (name: string, values: readonly string[]) => ({
  name,
  type: ATTR.STRINGS,
  strings: values.map((s) => Buffer.from(s, "utf8")),
});

function treeEnsembleAttributes(forest: Forest) {
  const n = {
    treeIds: [] as number[],
    nodeIds: [] as number[],
    featureIds: [] as number[],
    modes: [] as string[],
    values: [] as number[],
    trueIds: [] as number[],
    falseIds: [] as number[],
  };
  const c = {
    treeIds: [] as number[],
    nodeIds: [] as number[],
    classIds: [] as number[],
    weights: [] as number[],
  };
  const T = forest.trees.length;
  forest.trees.forEach((tree, t) => {
    tree.feature.forEach((feature, node) => {
      const leaf = feature < 0;
      n.treeIds.push(t);
      n.nodeIds.push(node);
      n.featureIds.push(leaf ? 0 : feature);
      n.modes.push(leaf ? "LEAF" : "BRANCH_LT");
      n.values.push(leaf ? 0 : ceilFloat32(tree.threshold[node] ?? 0));
      n.trueIds.push(leaf ? 0 : (tree.left[node] ?? 0));
      n.falseIds.push(leaf ? 0 : (tree.right[node] ?? 0));
      if (!leaf) return;
      // Both classes get a weight at every leaf: with a single class id onnxruntime switches
      // to its "binary case" and rewrites the scores; with both it sums them as they are.
      const p = tree.value[node] ?? 0;
      for (const [cls, weight] of [
        [0, (1 - p) / T],
        [1, p / T],
      ] as const) {
        c.treeIds.push(t);
        c.nodeIds.push(node);
        c.classIds.push(cls);
        c.weights.push(weight);
      }
    });
  });
  return [
    ints("class_ids", c.classIds),
    ints("class_nodeids", c.nodeIds),
    ints("class_treeids", c.treeIds),
    floats("class_weights", c.weights),
    ints("classlabels_int64s", [0, 1]),
    ints("nodes_falsenodeids", n.falseIds),
    ints("nodes_featureids", n.featureIds),
    strings("nodes_modes", n.modes),
    ints("nodes_nodeids", n.nodeIds),
    ints("nodes_treeids", n.treeIds),
    ints("nodes_truenodeids", n.trueIds),
    floats("nodes_values", n.values),
    { name: "post_transform", type: ATTR.STRING, s: Buffer.from("NONE", "utf8") },
  ];
}

const tensorType = (elemType: number, dims: readonly (number | string)[]) => ({
  tensorType: {
    elemType,
    shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
  },
});

/** The ONNX model file for `forest`, as bytes. */
export function exportForestToOnnx(forest: Forest, options: ExportOptions): Uint8Array {
  const root = protobuf.loadSync(PROTO_FILE);
  const ModelProto = root.lookupType("onnx.ModelProto");
  const model = {
    irVersion: IR_VERSION,
    opsetImport: [
      { domain: "", version: OPSET },
      { domain: "ai.onnx.ml", version: ML_OPSET },
    ],
    producerName: "modelgate/models/lead-scoring",
    producerVersion: options.producerVersion,
    docString: options.docString,
    graph: {
      name: "random_forest",
      node: [
        {
          name: "forest",
          opType: "TreeEnsembleClassifier",
          domain: "ai.onnx.ml",
          input: [options.input],
          output: ["label", options.output],
          attribute: treeEnsembleAttributes(forest),
        },
      ],
      input: [{ name: options.input, type: tensorType(FLOAT, ["N", forest.nFeatures]) }],
      output: [
        { name: "label", type: tensorType(INT64, ["N"]) },
        { name: options.output, type: tensorType(FLOAT, ["N", 2]) },
      ],
    },
    metadataProps: Object.entries(options.metadata).map(([key, value]) => ({ key, value })),
  };
  const problem = ModelProto.verify(model);
  if (problem) throw new TypeError(`ONNX model does not match the schema: ${problem}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}
