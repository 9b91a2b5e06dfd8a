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

/** The datatypes a field of each type is sent as. */
function accepts(prop: InputProperty, datatype: OipDatatype): boolean {
  switch (prop.type) {
    case "string":
      return datatype === "BYTES";
    case "boolean":
      return datatype === "BOOL";
    default:
      // Every other datatype is a number type (INT*, UINT*, FP*).
      return datatype !== "BYTES" && datatype !== "BOOL";
  }
}

function expectedDatatype(prop: InputProperty): string {
  if (prop.type === "string") return "BYTES";
  if (prop.type === "boolean") return "BOOL";
  return "a number type (INT*, UINT*, FP*)";
}

/** How a refusal names a tensor (built only when one is refused). */
function inputOf(t: RequestTensor, modelId: string): string {
  return `input "${t.name}" of model ${modelId}`;
}

/** How many rows a field's tensor holds: [N] or [N, 1] for one value a row, [N, L] for a vector. */
function rowsOf(t: RequestTensor, prop: InputProperty, modelId: string): number {
  // Dimensions read only where the shape has them: a load past an array's end is V8's slow path.
  const rank = t.shape.length;
  const n = rank > 0 ? (t.shape[0] as number) : -1;
  const width = rank === 2 ? (t.shape[1] as number) : -1;
  if (prop.type === "array") {
    const length = prop.maxItems ?? 0;
    if (rank !== 2 || width !== length) {
      throw bad(
        `${inputOf(t, modelId)} is a vector of ${length}: send shape [N, ${length}], got [${t.shape.join(", ")}].`,
      );
    }
    return n;
  }
  if (rank === 0 || rank > 2 || (rank === 2 && width !== 1)) {
    throw bad(
      `${inputOf(t, modelId)} takes one value a row: send shape [N] or [N, 1], got [${t.shape.join(", ")}].`,
    );
  }
  return n;
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

/** One output of the predictions as a tensor of N elements (`shape`, shared by all). */
function outputTensor(
  name: string,
  values: readonly unknown[],
  shape: readonly number[],
): ResponseTensor {
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

/** The names of the outputs an upstream model's predictions carry: the spec's, then their own. */
function upstreamOutputs(declared: readonly string[], predictions: readonly Row[]): string[] {
  const all = [...declared];
  for (const p of predictions) {
    for (const key of Object.keys(p)) if (!all.includes(key)) all.push(key);
  }
  return all;
}

/** A declared field: its name as the spec's own key (a string V8 keeps interned), its rules. */
interface Field {
  name: string;
  prop: InputProperty;
}

/**
 * What a model's spec says of its fields and outputs, made once a loaded model (fieldsPlan):
 * each field's property by name (a Map: a tensor's name is looked up, never used as a key of
 * the spec's object), the row template, the outputs' names; and the three steps of an
 * inference with fields: which fields the inputs name, the rows they stand for, the outputs.
 */
export class FieldsPlan {
  readonly fields: ReadonlyMap<string, Field>;
  /**
   * Every declared field, in the spec's order, undefined until a tensor sets it: rows copied
   * from it share one shape, so filling them stores into fields they have (no shape change a
   * field) and the validator and feature pipeline read rows of one shape. A field no tensor
   * names stays undefined, which every reader takes as absent (a required one is still "is
   * required").
   */
  readonly template: Row;
  readonly outputs: readonly string[];

  constructor(private readonly loaded: LoadedModel) {
    const props = loaded.spec.inputs.properties;
    const template: Row = {};
    for (const name of Object.keys(props)) template[name] = undefined;
    this.fields = new Map(Object.entries(props).map(([name, prop]) => [name, { name, prop }]));
    this.template = template;
    this.outputs = loaded.spec.outputs.map((o) => o.name);
  }

  /** The field each input names, in the request's order; null when one names none. */
  named(request: InferRequest): Field[] | null {
    const inputs = request.inputs;
    const named = new Array<Field>(inputs.length);
    for (let i = 0; i < inputs.length; i++) {
      const field = this.fields.get((inputs[i] as RequestTensor).name);
      if (field === undefined) return null;
      named[i] = field;
    }
    return named;
  }

  /** The refusal of inputs sent as fields (content_type "pd") when one names no field. */
  unknownField(request: InferRequest, modelId: string): ModelgateError {
    const t = request.inputs.find((input) => !this.fields.has(input.name));
    return bad(
      `Model ${modelId} has no input field "${t?.name ?? ""}"; its fields are: ${[...this.fields.keys()].join(", ")}.`,
    );
  }

  /**
   * The input rows the tensors stand for (`named`: the field each names, from named()),
   * checked as the predict route checks its inputs: every problem with a tensor or a value is
   * named (400).
   */
  rows(request: InferRequest, named: readonly Field[], modelId: string): Row[] {
    const rows = this.toRows(request, named, modelId);
    validate(rows, this.loaded);
    return rows;
  }

  private toRows(request: InferRequest, named: readonly Field[], modelId: string): Row[] {
    const inputs = request.inputs;
    let n: number | undefined;
    for (let i = 0; i < inputs.length; i++) {
      const t = inputs[i] as RequestTensor;
      const prop = (named[i] as Field).prop;
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
    }
    const count = n ?? 0;
    const max = this.loaded.spec.max_batch_size;
    if (count > max) {
      throw new ModelgateError(
        "batch_too_large",
        `The tensors hold ${count} rows; model ${modelId} accepts at most ${max} per request: split them.`,
      );
    }
    if (count === 0) throw bad("The tensors hold no rows: send at least one.");
    const rows = new Array<Row>(count);
    for (let r = 0; r < count; r++) rows[r] = { ...this.template };
    for (let i = 0; i < inputs.length; i++) {
      const t = inputs[i] as RequestTensor;
      // Stored under the spec's own string, not the request's copy of it: a key V8 has interned
      // is found in its caches at once, where a copy is looked up in its string table first.
      const { name, prop } = named[i] as Field;
      if (prop.type !== "array") {
        for (let r = 0; r < count; r++) (rows[r] as Row)[name] = t.values[r];
        continue;
      }
      const width = prop.maxItems ?? 0;
      for (let r = 0; r < count; r++) {
        const vector = new Array<unknown>(width);
        for (let c = 0; c < width; c++) vector[c] = t.values[r * width + c];
        (rows[r] as Row)[name] = vector;
      }
    }
    return rows;
  }

  /**
   * The predictions for rows()' rows as tensors of N elements: the spec's outputs in order, or
   * the ones the request names (an output it names that the model has not is a 400).
   */
  answer(request: InferRequest, predictions: readonly Row[], modelId: string): ResponseTensor[] {
    // An upstream model's objects may add keys of their own.
    const names =
      this.loaded.spec.runtime.type === "remote"
        ? upstreamOutputs(this.outputs, predictions)
        : this.outputs;
    const asked = request.outputs;
    const count = asked === null ? names.length : asked.length;
    const outputs = new Array<ResponseTensor>(count);
    const shape: readonly number[] = Object.freeze([predictions.length]);
    for (let o = 0; o < count; o++) {
      const name = asked === null ? (names[o] as string) : (asked[o] as RequestedOutput).name;
      if (asked !== null && !names.includes(name)) {
        throw bad(
          `Model ${modelId} has no output "${name}"; its outputs are: ${names.join(", ")}.`,
        );
      }
      const values = new Array<unknown>(predictions.length);
      for (let r = 0; r < predictions.length; r++) values[r] = predictions[r]?.[name] ?? null;
      outputs[o] = outputTensor(name, values, shape);
    }
    return outputs;
  }
}

const plans = new WeakMap<LoadedModel, FieldsPlan>();

/** The model's FieldsPlan, made on its first inference with fields. */
export function fieldsPlan(loaded: LoadedModel): FieldsPlan {
  let plan = plans.get(loaded);
  if (!plan) {
    plan = new FieldsPlan(loaded);
    plans.set(loaded, plan);
  }
  return plan;
}
