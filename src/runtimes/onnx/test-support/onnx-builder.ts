/**
 * A small ONNX model writer for tests: graph inputs and outputs, nodes of standard operators and
 * constant initializers, encoded with protobufjs from the schema subset in onnx-graph.proto.
 * Tests build the exact models they need (a multi-class classifier, a regressor, the protocol
 * examples' model) instead of shipping binary fixtures; no Python or onnx package is needed.
 */
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

const PROTO_FILE = fileURLToPath(new URL("./onnx-graph.proto", import.meta.url));

/** ONNX TensorProto.DataType numbers, by the names onnxruntime-node gives the types. */
export const ONNX_TYPES = {
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  string: 8,
  bool: 9,
  float16: 10,
  float64: 11,
  uint32: 12,
  uint64: 13,
} as const;

export type OnnxType = keyof typeof ONNX_TYPES;

export interface ValueSpec {
  name: string;
  type: OnnxType;
  /** Fixed dimensions as numbers, symbolic ones (a batch "N") as strings. */
  shape: readonly (number | string)[];
}

export type AttributeValue =
  | { int: number }
  | { float: number }
  | { ints: readonly number[] }
  | { floats: readonly number[] }
  | { string: string }
  | { strings: readonly string[] };

export interface NodeSpec {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Record<string, AttributeValue>;
  domain?: string;
}

export interface InitializerSpec {
  name: string;
  type: "float32" | "int64";
  dims: readonly number[];
  values: readonly number[];
}

export interface GraphSpec {
  inputs: readonly ValueSpec[];
  outputs: readonly ValueSpec[];
  nodes: readonly NodeSpec[];
  initializers?: readonly InitializerSpec[];
  /** ai.onnx opset (default 17, onnxruntime 1.13+); ai.onnx.ml 3 is always imported. */
  opset?: number;
}

const ATTR = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

function attribute(name: string, value: AttributeValue) {
  if ("int" in value) return { name, type: ATTR.INT, i: value.int };
  if ("float" in value) return { name, type: ATTR.FLOAT, f: value.float };
  if ("ints" in value) return { name, type: ATTR.INTS, ints: value.ints };
  if ("floats" in value) return { name, type: ATTR.FLOATS, floats: value.floats };
  if ("string" in value) return { name, type: ATTR.STRING, s: Buffer.from(value.string) };
  return { name, type: ATTR.STRINGS, strings: value.strings.map((s) => Buffer.from(s)) };
}

function valueInfo(v: ValueSpec) {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: ONNX_TYPES[v.type],
        shape: {
          dim: v.shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

function initializer(t: InitializerSpec) {
  const raw =
    t.type === "float32"
      ? new Uint8Array(Float32Array.from(t.values).buffer)
      : new Uint8Array(BigInt64Array.from(t.values.map((v) => BigInt(v))).buffer);
  return { name: t.name, dims: t.dims, dataType: ONNX_TYPES[t.type], rawData: raw };
}

let root: protobuf.Root | undefined;

/** The ONNX model file for `graph`, as bytes. */
export function buildOnnxModel(graph: GraphSpec): Uint8Array {
  root ??= protobuf.loadSync(PROTO_FILE);
  const ModelProto = root.lookupType("onnx.ModelProto");
  const model = {
    irVersion: 8,
    opsetImport: [
      { domain: "", version: graph.opset ?? 17 },
      { domain: "ai.onnx.ml", version: 3 },
    ],
    producerName: "modelgate tests",
    graph: {
      name: "test_graph",
      node: graph.nodes.map((n, i) => ({
        name: `node_${i}`,
        opType: n.op,
        domain: n.domain ?? "",
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attributes ?? {}).map(([k, v]) => attribute(k, v)),
      })),
      initializer: (graph.initializers ?? []).map(initializer),
      input: graph.inputs.map(valueInfo),
      output: graph.outputs.map(valueInfo),
    },
  };
  const problem = ModelProto.verify(model);
  if (problem) throw new TypeError(`ONNX model does not match the schema: ${problem}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}
