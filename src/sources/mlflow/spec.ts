/**
 * A serving spec (modelgate.json, version 2) for an MLflow model logged with the onnx flavor and
 * no modelgate.json of its own, written from what MLflow recorded — its signature and metadata —
 * and from the ONNX graph itself:
 * - a column-based signature of number and boolean columns, over a graph with one float32
 *   [N, F] input, becomes named input fields (the JSON API and the Open Inference Protocol's
 *   named fields), one feature a column in signature order, as MLflow's onnx flavor feeds them;
 * - the output is the graph's float output the signature names (else the only one, else the one
 *   named like probabilities): `metadata.classes` makes it a multi-class classifier with those
 *   labels, `metadata.targets` a regressor with those targets; without them one value a row is a
 *   regression and an [N, C] output named like probabilities a classifier labelled "0".."C-1";
 * - anything else (a tensor-based signature, string columns, several graph inputs, an output
 *   that could be either) is served as a tensor model over the Open Inference Protocol, and the
 *   spec's description says why and how to describe it (a modelgate.json in the artifacts).
 */
import type { MlModel, SignatureEntry } from "./mlmodel.js";
import type { GraphValue, OnnxGraphInfo } from "./onnx-graph.js";
import { ONNX_DOUBLE, ONNX_FLOAT } from "./onnx-graph.js";

type Json = Record<string, unknown>;

export interface SpecContext {
  /** The registered model's name and version number in MLflow. */
  name: string;
  version: string;
  /** The onnx flavor's data file, relative to the package folder. */
  dataFile: string;
}

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Requests a generated spec accepts in one batch (the protocol's bodies are bounded anyway). */
export const GENERATED_MAX_BATCH = 1000;
const NUMBER_TYPES = new Set(["double", "float"]);
const INTEGER_TYPES = new Set(["long", "integer"]);

/** A spec id from an MLflow name: 1–64 of `A–Z a–z 0–9 . _ -`. */
function specId(name: string): string {
  const id = name
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "")
    .slice(0, 64);
  return id === "" ? "mlflow-model" : id;
}

function isFloat(v: GraphValue): boolean {
  return v.elemType === ONNX_FLOAT || v.elemType === ONNX_DOUBLE;
}

function columnsOf(v: GraphValue): number | null {
  if (!v.shape) return null;
  if (v.shape.length === 1) return 1;
  const width = v.shape[1];
  return v.shape.length === 2 && typeof width === "number" ? width : null;
}

function labels(value: unknown): string[] | null {
  if (!Array.isArray(value) || value.length === 0) return null;
  if (!value.every((v) => typeof v === "string" || typeof v === "number")) return null;
  return value.map(String);
}

/** The named input fields, or why the signature does not describe them. */
function tabularInputs(
  inputs: readonly SignatureEntry[] | null,
  graph: OnnxGraphInfo,
): { properties: Json; required: string[]; features: Json[] } | string {
  if (!inputs || inputs.length === 0) return "its MLmodel has no input signature";
  if (inputs.some((c) => c.type === "tensor")) {
    return "its signature is tensor-based (send the tensors as they are)";
  }
  const [input, ...more] = graph.inputs;
  if (!input || more.length > 0) {
    return `its graph takes ${graph.inputs.length} inputs, not one [N, F] feature tensor`;
  }
  if (input.elemType !== ONNX_FLOAT || input.shape?.length !== 2) {
    return `its graph input "${input.name}" is not a float32 [N, F] tensor`;
  }
  const width = columnsOf(input);
  if (width !== null && width !== inputs.length) {
    return `its signature has ${inputs.length} columns but the graph input "${input.name}" takes ${width}`;
  }
  const properties: Json = {};
  const required: string[] = [];
  const features: Json[] = [];
  for (const column of inputs) {
    const name = column.name ?? "";
    if (!FIELD_NAME.test(name) || name in properties) {
      return `its signature column ${JSON.stringify(column.name)} is not a field name (letters, digits and "_", unique)`;
    }
    let type: string;
    if (NUMBER_TYPES.has(column.type)) type = "number";
    else if (INTEGER_TYPES.has(column.type)) type = "integer";
    else if (column.type === "boolean") type = "boolean";
    else return `its signature column "${name}" is ${column.type}, not a number or boolean`;
    properties[name] = { type };
    if (column.required) required.push(name);
    features.push({ name, kind: type === "boolean" ? "boolean" : "numeric", field: name });
  }
  return { properties, required, features };
}

/** The graph output the JSON outputs are computed from. */
function chooseOutput(model: MlModel, graph: OnnxGraphInfo): GraphValue | null {
  const floats = graph.outputs.filter(isFloat);
  const named = (model.signature?.outputs ?? []).map((o) => o.name);
  return (
    floats.find((o) => named.includes(o.name)) ??
    (floats.length === 1 ? floats[0] : undefined) ??
    floats.find((o) => /prob/i.test(o.name)) ??
    null
  );
}

/** Kind, labels and outputs for the chosen output, or why none can be said. */
function kindOf(model: MlModel, output: GraphValue): Json | string {
  const classes = labels(model.metadata?.classes);
  const targets = labels(model.metadata?.targets);
  const columns = columnsOf(output);
  const multiclass = (names: string[]): Json => ({
    kind: "multiclass",
    classes: names,
    outputs: [
      { name: "label", kind: "label" },
      { name: "probabilities", kind: "probabilities" },
      { name: "confidence", kind: "confidence" },
    ],
  });
  if (classes) return multiclass(classes);
  if (targets) {
    if (!targets.every((t) => FIELD_NAME.test(t))) {
      return 'its metadata.targets are not all names (letters, digits and "_")';
    }
    return {
      kind: "regression",
      targets,
      outputs: targets.map((t) => ({ name: t, kind: "value", source: t })),
    };
  }
  if (columns === 1) {
    return { kind: "regression", outputs: [{ name: "value", kind: "value", source: "value" }] };
  }
  if (columns !== null && columns >= 2 && /prob/i.test(output.name)) {
    return multiclass(Array.from({ length: columns }, (_, i) => String(i)));
  }
  return `its output "${output.name}" may hold class scores or several values: say which with metadata.classes or metadata.targets when logging it`;
}

/**
 * The spec for an onnx-flavor MLflow model (see the module comment). Always a spec: when the
 * JSON API cannot be described, a tensor model whose description says why.
 */
export function specFromMlflow(model: MlModel, graph: OnnxGraphInfo, ctx: SpecContext): Json {
  const base = {
    modelgate: 2,
    id: specId(ctx.name),
    name: ctx.name,
    version: ctx.version,
    max_batch_size: GENERATED_MAX_BATCH,
  };
  const origin = `MLflow registered model ${ctx.name} version ${ctx.version}${model.runId ? ` (run ${model.runId})` : ""}, onnx flavor`;
  const tensorSpec = (why: string): Json => ({
    ...base,
    description: `${origin}. Served with tensors over the Open Inference Protocol only: ${why}. Add a modelgate.json to the model's artifacts to describe its inputs and outputs.`,
    kind: "tensor",
    runtime: { type: "onnx", file: ctx.dataFile },
  });
  const inputs = tabularInputs(model.signature?.inputs ?? null, graph);
  if (typeof inputs === "string") return tensorSpec(inputs);
  const output = chooseOutput(model, graph);
  if (!output) return tensorSpec("its graph has no float output to read scores or values from");
  const kind = kindOf(model, output);
  if (typeof kind === "string") return tensorSpec(kind);
  const input = graph.inputs[0]?.name ?? "";
  return {
    ...base,
    description: `${origin}; spec written from its signature.`,
    ...kind,
    runtime: { type: "onnx", file: ctx.dataFile, input, output: output.name },
    inputs: {
      type: "object",
      properties: inputs.properties,
      required: inputs.required,
      additionalProperties: false,
    },
    features: inputs.features,
  };
}
