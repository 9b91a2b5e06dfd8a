/**
 * Reads an Open Inference Protocol inference request (JSON) into typed tensors, checking every
 * part before any of it reaches a model: names, datatypes, shapes (rank and element count
 * bounded), and data whose length equals the product of the shape, each element of the
 * declared datatype. Every refusal is invalid_tensor (400) naming the input and the problem.
 * https://github.com/kserve/open-inference-protocol/blob/main/specification/protocol/inference_rest.md
 */
import { ModelgateError } from "../../errors.js";
import { elementTest, expectedElement, isOipDatatype, OIP_DATATYPES } from "./datatypes.js";
import type { OipDatatype } from "./datatypes.js";
import { BinaryBody, decodeElements, takeBinary, UNSUPPORTED } from "./binary.js";
import type { BinaryCursor } from "./binary.js";

export const OIP_LIMITS = {
  /** Input tensors in one request. */
  inputs: 64,
  /** Outputs one request may ask for. */
  outputs: 64,
  /** Dimensions of one tensor. */
  rank: 8,
  /** Elements in all the input tensors of one request together. */
  elements: 1_048_576,
  /** Characters of a tensor name or a request id. */
  nameChars: 256,
  /** Entries of one `parameters` object. */
  parameters: 64,
} as const;

export type Parameters = Record<string, string | number | boolean>;

export interface RequestTensor {
  name: string;
  datatype: OipDatatype;
  /** Read only: a tensor read as the last request's shares its shape (src/serving/oip/request-text.ts). */
  shape: readonly number[];
  /**
   * The elements, flat in row-major order, each checked to be a JSON value of the datatype
   * (booleans for BOOL, strings for BYTES, numbers in range otherwise). A feature-spec model
   * reads them as they are; `toTensorData` makes the typed array a graph takes. Read from the
   * binary extension, a PLAIN datatype's elements are that typed array (the same numbers).
   */
  values: ArrayLike<unknown>;
  parameters: Parameters;
}

export interface RequestedOutput {
  name: string;
  parameters: Parameters;
}

export interface InferRequest {
  id?: string;
  parameters: Parameters;
  inputs: RequestTensor[];
  /** null: every output the model produces. */
  outputs: RequestedOutput[] | null;
}

function bad(detail: string): ModelgateError {
  return new ModelgateError("invalid_tensor", detail);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  }
  return typeof value === "object" ? "an object" : String(value);
}

function quoted(name: string): string {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);
}

type Where = () => string;

/** What an absent `parameters` reads as: one shared, frozen object, not a new one a tensor. */
export const NO_PARAMETERS: Parameters = Object.freeze({});

/** `parameters`: scalars only, as the protocol defines them. */

function readParameters(value: unknown, at: Where): Parameters {
  if (value === undefined) return NO_PARAMETERS;
  const where = at();
  if (!isObject(value)) throw bad(`${where}.parameters must be an object, got ${describe(value)}.`);
  const entries = Object.entries(value);
  if (entries.length > OIP_LIMITS.parameters) {
    throw bad(
      `${where}.parameters has ${entries.length} entries; at most ${OIP_LIMITS.parameters}.`,
    );
  }
  for (const [key, v] of entries) {
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
      throw bad(
        `${where}.parameters.${key} must be a string, a number or a boolean, got ${describe(v)}.`,
      );
    }
    const unsupported = UNSUPPORTED.get(key);
    if (unsupported !== undefined) throw bad(`${where}.parameters.${key}: ${unsupported}`);
  }
  return value as Parameters;
}

function readName(value: unknown, where: string): string {
  if (typeof value !== "string" || value === "") {
    throw bad(`${where}.name must be a non-empty string, got ${describe(value)}.`);
  }
  if (value.length > OIP_LIMITS.nameChars) {
    throw bad(`${where}.name is ${value.length} characters long; at most ${OIP_LIMITS.nameChars}.`);
  }
  return value;
}

/** The shape, and the product of its dimensions bounded by what the request has left. */
function readShape(value: unknown, at: Where, room: number): [number[], number] {
  const where = at;
  if (!Array.isArray(value)) {
    throw bad(`${where()}.shape must be an array of dimensions, got ${describe(value)}.`);
  }
  if (value.length > OIP_LIMITS.rank) {
    throw bad(`${where()}.shape has ${value.length} dimensions; at most ${OIP_LIMITS.rank}.`);
  }
  let count = 1;
  for (let i = 0; i < value.length; i++) {
    const d: unknown = value[i];
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) {
      throw bad(
        `${where()}.shape[${i}] must be a whole number ≥ 0 (a request's shape is exact, never -1), got ${describe(d)}.`,
      );
    }
    count *= d;
  }
  if (count > room) {
    throw bad(
      `${where()}.shape [${value.join(", ")}] holds ${count} elements; a request may send at most ${OIP_LIMITS.elements} in all its inputs.`,
    );
  }
  return [value as number[], count];
}

/**
 * Checks `data` (flat, or nested as the shape: both are the protocol's) and returns its elements
 * flat, in row-major order: flat data as it is, nested data copied. Stops at the first element
 * past `count` or of the wrong type, so its work is bounded by the shape, never by what was sent.
 */
function wrongElement(at: Where, datatype: OipDatatype, n: number, item: unknown) {
  return bad(
    `${at()}.data[${n}] must be ${expectedElement(datatype)} (datatype ${datatype}), got ${describe(item)}.`,
  );
}

function lengthMismatch(at: Where, shape: readonly number[], count: number, n: number | "more") {
  return bad(
    `${at()}: shape [${shape.join(", ")}] holds ${count} elements but data has ${n}; data must hold exactly the product of the shape.`,
  );
}

interface Flattening {
  at: Where;
  datatype: OipDatatype;
  shape: readonly number[];
  count: number;
  maxDepth: number;
  test: (value: unknown) => boolean;
  out: unknown[];
}

function flatten(list: readonly unknown[], depth: number, f: Flattening): void {
  for (const item of list) {
    if (Array.isArray(item)) {
      if (depth >= f.maxDepth) {
        throw bad(`${f.at()}.data is nested deeper than its shape's ${f.shape.length} dimensions.`);
      }
      flatten(item, depth + 1, f);
      continue;
    }
    if (f.out.length >= f.count) throw lengthMismatch(f.at, f.shape, f.count, "more");
    if (!f.test(item)) throw wrongElement(f.at, f.datatype, f.out.length, item);
    f.out.push(item);
  }
}

function isFlat(list: readonly unknown[]): boolean {
  for (const item of list) if (Array.isArray(item)) return false;
  return true;
}

/**
 * Checks `data` (flat, or nested as the shape: both are the protocol's) and returns its elements
 * flat, in row-major order: flat data as it is, nested data copied. Stops at the first element
 * past `count` or of the wrong type, so its work is bounded by the shape, never by what was sent.
 */
function readData(
  value: unknown,
  at: Where,
  datatype: OipDatatype,
  shape: readonly number[],
  count: number,
): readonly unknown[] {
  if (!Array.isArray(value)) {
    throw bad(`${at()}.data must be an array of ${datatype} elements, got ${describe(value)}.`);
  }
  const test = elementTest(datatype);
  // The common case: flat data of the right length, used as it is.
  if (value.length === count && isFlat(value)) {
    for (let i = 0; i < count; i++)
      if (!test(value[i])) throw wrongElement(at, datatype, i, value[i]);
    return value;
  }
  const f: Flattening = {
    at,
    datatype,
    shape,
    count,
    maxDepth: Math.max(shape.length, 1),
    test,
    out: [],
  };
  flatten(value, 1, f);
  if (f.out.length !== count) throw lengthMismatch(at, shape, count, f.out.length);
  return f.out;
}

function readInput(
  value: unknown,
  index: number,
  room: number,
  binary: BinaryCursor | null,
): RequestTensor {
  const where = `inputs[${index}]`;
  if (!isObject(value)) throw bad(`${where} must be a tensor object, got ${describe(value)}.`);
  const name = readName(value.name, where);
  // Built only for a refusal: the valid path makes no strings.
  const at = () => `inputs[${index}] (${quoted(name)})`;
  const datatype = value.datatype;
  if (!isOipDatatype(datatype)) {
    throw bad(
      `${at()}.datatype must be one of ${OIP_DATATYPES.join(", ")}; got ${describe(datatype)}.`,
    );
  }
  const parameters = readParameters(value.parameters, at);
  const bytes = takeBinary(parameters, binary, value.data, at);
  const [shape, count] = readShape(value.shape, at, room);
  const values =
    bytes === null
      ? readData(value.data, at, datatype, shape, count)
      : decodeElements(datatype, bytes, count, at);
  return { name, datatype, shape, values, parameters };
}

const REQUEST: Where = () => "request";

/** The rows a request predicts: its first tensor's first dimension (1 for a scalar). */
export function requestRows(request: InferRequest): number {
  const shape = request.inputs[0]?.shape;
  return shape && shape.length > 0 ? (shape[0] ?? 1) : 1;
}

/**
 * A body the route's own parser read and checked already (readInferBody): every rule below
 * held, and parseInferRequest returns its request as it is.
 */
export class CheckedBody {
  constructor(readonly request: InferRequest) {}
}

/**
 * The request body, read and checked; throws invalid_tensor naming the first problem. A body
 * the route's parser already read (a CheckedBody) is returned as it is.
 */
export function parseInferRequest(read: unknown): InferRequest {
  if (read instanceof CheckedBody) return read.request;
  const binary = read instanceof BinaryBody ? { data: read.data, taken: 0 } : null;
  const body = read instanceof BinaryBody ? read.json : read;
  if (!isObject(body)) {
    throw bad(`The request body must be an inference request object, got ${describe(body)}.`);
  }
  let id: string | undefined;
  if (body.id !== undefined) {
    if (typeof body.id !== "string" || body.id.length > OIP_LIMITS.nameChars) {
      throw bad(`id must be a string of at most ${OIP_LIMITS.nameChars} characters.`);
    }
    id = body.id;
  }
  const request = REQUEST;
  const parameters = readParameters(body.parameters, request);
  const list = body.inputs;
  if (!Array.isArray(list) || list.length === 0) {
    throw bad(`inputs must be a non-empty array of tensors, got ${describe(list)}.`);
  }
  if (list.length > OIP_LIMITS.inputs) {
    throw bad(
      `inputs has ${list.length} tensors; a request may send at most ${OIP_LIMITS.inputs}.`,
    );
  }
  const inputs: RequestTensor[] = [];
  const names = new Set<string>();
  let room: number = OIP_LIMITS.elements;
  for (let i = 0; i < list.length; i++) {
    const tensor = readInput(list[i], i, room, binary);
    if (names.has(tensor.name)) throw bad(`inputs[${i}]: ${quoted(tensor.name)} is sent twice.`);
    names.add(tensor.name);
    room -= tensor.values.length;
    inputs.push(tensor);
  }
  if (binary !== null && binary.taken !== binary.data.length) {
    throw bad(
      `The body's binary part has ${binary.data.length} bytes, but the inputs' binary_data_size take ${binary.taken}: send exactly the inputs' bytes after the JSON.`,
    );
  }
  return {
    ...(id !== undefined ? { id } : {}),
    parameters,
    inputs,
    outputs: readOutputs(body.outputs),
  };
}

function readOutputs(value: unknown): RequestedOutput[] | null {
  if (value === undefined) return null;
  if (!Array.isArray(value)) throw bad(`outputs must be an array, got ${describe(value)}.`);
  if (value.length > OIP_LIMITS.outputs) {
    throw bad(`outputs asks for ${value.length} tensors; at most ${OIP_LIMITS.outputs}.`);
  }
  const seen = new Set<string>();
  return value.map((item: unknown, i) => {
    const where = `outputs[${i}]`;
    if (!isObject(item))
      throw bad(`${where} must be an object with a name, got ${describe(item)}.`);
    const name = readName(item.name, where);
    if (seen.has(name)) throw bad(`${where}: ${quoted(name)} is asked for twice.`);
    seen.add(name);
    const parameters = readParameters(item.parameters, () => where);
    return { name, parameters };
  });
}
