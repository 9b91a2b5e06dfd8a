/**
 * A model with a feature spec, called with its named JSON fields as tensors (one a field, the
 * batch as the first dimension, like the columns of MLServer's "pd" content type): the tensors
 * become input rows, which go through the same validation, feature pipeline, batcher and output
 * mapping as POST /api/v1/models/{id}/predict; each spec output comes back as a tensor.
 */
import { describeProblems, MAX_LISTED_PROBLEMS, ModelgateError } from "../../errors.js";
import type { FieldProblem } from "../../errors.js";
import type { InputProperty } from "../../spec/index.js";
import type { LoadedModel } from "../cache.js";
import type { OipDatatype } from "./datatypes.js";
import type { InferRequest, Parameters, RequestedOutput, RequestTensor } from "./request.js";
import type { ResponseTensor } from "./response.js";

type Row = Record<string, unknown>;

function bad(detail: string, errors?: FieldProblem[], omitted = 0): ModelgateError {
  return new ModelgateError("invalid_tensor", detail, {
    ...(errors ? { errors } : {}),
    errorsOmitted: omitted,
  });
}

const NUMERIC: ReadonlySet<OipDatatype> = new Set([
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "FP16",
  "FP32",
  "FP64",
]);

/** The datatypes a field of each type is sent as. */
function accepts(prop: InputProperty, datatype: OipDatatype): boolean {
  switch (prop.type) {
    case "string":
      return datatype === "BYTES";
    case "boolean":
      return datatype === "BOOL";
    default:
      return NUMERIC.has(datatype);
  }
}

function expectedDatatype(prop: InputProperty): string {
  if (prop.type === "string") return "BYTES";
  if (prop.type === "boolean") return "BOOL";
  return "a number type (INT*, UINT*, FP*)";
}

/** How many rows a field's tensor holds: [N] or [N, 1] for one value a row, [N, L] for a vector. */
function rowsOf(t: RequestTensor, prop: InputProperty, modelId: string): number {
  const [n, width] = t.shape;
  const at = `input "${t.name}" of model ${modelId}`;
  if (prop.type === "array") {
    const length = prop.maxItems ?? 0;
    if (t.shape.length !== 2 || width !== length || n === undefined) {
      throw bad(
        `${at} is a vector of ${length}: send shape [N, ${length}], got [${t.shape.join(", ")}].`,
      );
    }
    return n;
  }
  if (n === undefined || t.shape.length > 2 || (t.shape.length === 2 && width !== 1)) {
    throw bad(
      `${at} takes one value a row: send shape [N] or [N, 1], got [${t.shape.join(", ")}].`,
    );
  }
  return n;
}

/**
 * What a model's spec says of its fields and outputs, made once a loaded model: each field's
 * property by name (a Map: a tensor's name is looked up, never used as a key of the spec's
 * object), the row template, the outputs' names.
 */
interface FieldsPlan {
  fields: ReadonlyMap<string, InputProperty>;
  /**
   * Every declared field, in the spec's order, undefined until a tensor sets it: rows copied
   * from it share one shape, so filling them stores into fields they have (no shape change a
   * field) and the validator and feature pipeline read rows of one shape. A field no tensor
   * names stays undefined, which every reader takes as absent (a required one is still "is
   * required").
   */
  template: Row;
  outputs: readonly string[];
}

const plans = new WeakMap<LoadedModel, FieldsPlan>();

function planOf(loaded: LoadedModel): FieldsPlan {
  let plan = plans.get(loaded);
  if (!plan) {
    const props = loaded.spec.inputs.properties;
    const template: Row = {};
    for (const name of Object.keys(props)) template[name] = undefined;
    plan = {
      fields: new Map(Object.entries(props)),
      template,
      outputs: loaded.spec.outputs.map((o) => o.name),
    };
    plans.set(loaded, plan);
  }
  return plan;
}

/** The input rows the tensors stand for; every problem with a field is named. */
function toRows(request: InferRequest, loaded: LoadedModel, modelId: string): Row[] {
  const { fields, template } = planOf(loaded);
  const inputs = request.inputs;
  const props = new Array<InputProperty>(inputs.length);
  let n: number | undefined;
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i] as RequestTensor;
    const prop = fields.get(t.name);
    if (!prop) {
      throw bad(
        `Model ${modelId} has no input field "${t.name}"; its fields are: ${[...fields.keys()].join(", ")}.`,
      );
    }
    if (!accepts(prop, t.datatype)) {
      throw bad(
        `input "${t.name}" of model ${modelId} is a ${prop.type} field: send it as ${expectedDatatype(prop)}, not ${t.datatype}.`,
      );
    }
    const rows = rowsOf(t, prop, modelId);
    if (n !== undefined && rows !== n) {
      throw bad(
        `input "${t.name}" has ${rows} rows but "${inputs[0]?.name ?? ""}" has ${n}: every field's tensor holds the same rows.`,
      );
    }
    n = rows;
    props[i] = prop;
  }
  const count = n ?? 0;
  const max = loaded.spec.max_batch_size;
  if (count > max) {
    throw new ModelgateError(
      "batch_too_large",
      `The tensors hold ${count} rows; model ${modelId} accepts at most ${max} per request: split them.`,
    );
  }
  if (count === 0) throw bad("The tensors hold no rows: send at least one.");
  const rows = new Array<Row>(count);
  for (let r = 0; r < count; r++) rows[r] = { ...template };
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i] as RequestTensor;
    const prop = props[i] as InputProperty;
    if (prop.type !== "array") {
      for (let r = 0; r < count; r++) (rows[r] as Row)[t.name] = t.values[r];
      continue;
    }
    const width = prop.maxItems ?? 0;
    for (let r = 0; r < count; r++) {
      const vector = new Array<unknown>(width);
      for (let c = 0; c < width; c++) vector[c] = t.values[r * width + c];
      (rows[r] as Row)[t.name] = vector;
    }
  }
  return rows;
}

/** Validation like the predict route's, with problems named by field and row. */
function validate(rows: readonly Row[], loaded: LoadedModel): void {
  const budget = { room: MAX_LISTED_PROBLEMS, omitted: 0 };
  const problems: FieldProblem[] = [];
  for (let i = 0; i < rows.length; i++) {
    for (const p of loaded.validate(rows[i], "", budget)) {
      problems.push({ field: `${p.field} (row ${i})`, problem: p.problem });
    }
  }
  if (problems.length === 0 && budget.omitted === 0) return;
  throw bad(
    `Invalid inputs: ${describeProblems(problems, budget.omitted)}.`,
    problems,
    budget.omitted,
  );
}

/** The datatype every value fits, or null: numbers (finite), strings or booleans alike. */
function commonDatatype(values: readonly unknown[]): "FP64" | "BYTES" | "BOOL" | null {
  const first = values[0];
  const kind = typeof first;
  if (kind !== "number" && kind !== "string" && kind !== "boolean") return null;
  for (const v of values) {
    if (typeof v !== kind || (kind === "number" && !Number.isFinite(v))) return null;
  }
  return kind === "number" ? "FP64" : kind === "string" ? "BYTES" : "BOOL";
}

const JSON_CONTENT: Parameters = Object.freeze({ content_type: "json" });

/** One output of the predictions as a tensor of N elements. */
function outputTensor(name: string, values: readonly unknown[]): ResponseTensor {
  const shape = [values.length];
  const datatype = values.length > 0 ? commonDatatype(values) : "FP64";
  if (datatype !== null) return { name, datatype, shape, data: values, json: true };
  // Lists and objects (factors, probabilities by label, top-k): one JSON text an element.
  return {
    name,
    datatype: "BYTES",
    shape,
    data: values.map((v) => JSON.stringify(v) ?? "null"),
    json: true,
    parameters: JSON_CONTENT,
  };
}

/** Whether the model can take its fields as tensors, and every input names one of them. */
export function namesFields(request: InferRequest, loaded: LoadedModel): boolean {
  const { fields } = planOf(loaded);
  for (const t of request.inputs) if (!fields.has(t.name)) return false;
  return true;
}

/**
 * The input rows the request's fields stand for, checked as the predict route checks its
 * inputs: every problem with a tensor or a value is named (400).
 */
export function fieldRows(request: InferRequest, loaded: LoadedModel, modelId: string): Row[] {
  const rows = toRows(request, loaded, modelId);
  validate(rows, loaded);
  return rows;
}

/** The names of the outputs an upstream model's predictions carry: the spec's, then their own. */
function upstreamOutputs(declared: readonly string[], predictions: readonly Row[]): string[] {
  const all = [...declared];
  for (const p of predictions) {
    for (const key of Object.keys(p)) if (!all.includes(key)) all.push(key);
  }
  return all;
}

/**
 * The predictions for fieldRows' rows as tensors of N elements: the spec's outputs in order, or
 * the ones the request names (an output it names that the model has not is a 400).
 */
export function fieldOutputs(
  request: InferRequest,
  loaded: LoadedModel,
  modelId: string,
  predictions: readonly Row[],
): ResponseTensor[] {
  const declared = planOf(loaded).outputs;
  // An upstream model's objects may add keys of their own.
  const names =
    loaded.spec.runtime.type === "remote" ? upstreamOutputs(declared, predictions) : declared;
  const asked = request.outputs;
  const count = asked === null ? names.length : asked.length;
  const outputs = new Array<ResponseTensor>(count);
  for (let o = 0; o < count; o++) {
    const name = asked === null ? (names[o] as string) : (asked[o] as RequestedOutput).name;
    if (asked !== null && !names.includes(name)) {
      throw bad(`Model ${modelId} has no output "${name}"; its outputs are: ${names.join(", ")}.`);
    }
    const values = new Array<unknown>(predictions.length);
    for (let r = 0; r < predictions.length; r++) values[r] = predictions[r]?.[name] ?? null;
    outputs[o] = outputTensor(name, values);
  }
  return outputs;
}
