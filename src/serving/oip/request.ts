/**
 * Reads an Open Inference Protocol inference request (JSON) into typed tensors, checking every
 * part before any of it reaches a model: names, datatypes, shapes (rank and element count
 * bounded), and data whose length equals the product of the shape, each element of the
 * declared datatype. Every refusal is invalid_tensor (400) naming the input and the problem.
 * https://github.com/kserve/open-inference-protocol/blob/main/specification/protocol/inference_rest.md
 */
import { ModelgateError } from "../../errors.js";
import { allocate, isOipDatatype, OIP_DATATYPES, storeElement } from "./datatypes.js";
import type { OipDatatype, TensorData } from "./datatypes.js";

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
  shape: number[];
  data: TensorData;
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

/** `parameters`: scalars only, as the protocol defines them. */
function readParameters(value: unknown, where: string): Parameters {
  if (value === undefined) return {};
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
function readShape(value: unknown, where: string, room: number): [number[], number] {
  if (!Array.isArray(value)) {
    throw bad(`${where}.shape must be an array of dimensions, got ${describe(value)}.`);
  }
  if (value.length > OIP_LIMITS.rank) {
    throw bad(`${where}.shape has ${value.length} dimensions; at most ${OIP_LIMITS.rank}.`);
  }
  let count = 1;
  value.forEach((d: unknown, i) => {
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) {
      throw bad(
        `${where}.shape[${i}] must be a whole number ≥ 0 (a request's shape is exact, never -1), got ${describe(d)}.`,
      );
    }
    count *= d;
  });
  if (count > room) {
    throw bad(
      `${where}.shape [${value.join(", ")}] holds ${count} elements; a request may send at most ${OIP_LIMITS.elements} in all its inputs.`,
    );
  }
  return [value as number[], count];
}

/**
 * Flattens `data` (flat, or nested as the shape: both are the protocol's) into the datatype's
 * typed array, in row-major order. Stops at the first element past `count` or of the wrong
 * type, so its work is bounded by the shape, never by what was sent.
 */
function readData(
  value: unknown,
  where: string,
  datatype: OipDatatype,
  shape: readonly number[],
  count: number,
): TensorData {
  if (!Array.isArray(value)) {
    throw bad(`${where}.data must be an array of ${datatype} elements, got ${describe(value)}.`);
  }
  const out = allocate(datatype, count);
  const maxDepth = Math.max(shape.length, 1);
  let n = 0;
  const tooMany = () =>
    bad(
      `${where}: shape [${shape.join(", ")}] holds ${count} elements but data has more; data must hold exactly the product of the shape.`,
    );
  const walk = (list: readonly unknown[], depth: number): void => {
    for (const item of list) {
      if (Array.isArray(item)) {
        if (depth >= maxDepth) {
          throw bad(`${where}.data is nested deeper than its shape's ${shape.length} dimensions.`);
        }
        walk(item, depth + 1);
        continue;
      }
      if (n >= count) throw tooMany();
      const expected = storeElement(datatype, out, n, item);
      if (expected !== null) {
        throw bad(
          `${where}.data[${n}] must be ${expected} (datatype ${datatype}), got ${describe(item)}.`,
        );
      }
      n += 1;
    }
  };
  walk(value, 1);
  if (n !== count) {
    throw bad(
      `${where}: shape [${shape.join(", ")}] holds ${count} elements but data has ${n}; data must hold exactly the product of the shape.`,
    );
  }
  return out;
}

function refuseBinary(parameters: Parameters, key: string, where: string): void {
  if (parameters[key] !== undefined && parameters[key] !== false) {
    throw bad(
      `${where}.parameters.${key}: the binary tensor data extension is not supported; send tensors as JSON data.`,
    );
  }
}

function readInput(value: unknown, where: string, room: number): RequestTensor {
  if (!isObject(value)) throw bad(`${where} must be a tensor object, got ${describe(value)}.`);
  const name = readName(value.name, where);
  const at = `${where} (${quoted(name)})`;
  const datatype = value.datatype;
  if (!isOipDatatype(datatype)) {
    throw bad(
      `${at}.datatype must be one of ${OIP_DATATYPES.join(", ")}; got ${describe(datatype)}.`,
    );
  }
  const parameters = readParameters(value.parameters, at);
  refuseBinary(parameters, "binary_data_size", at);
  const [shape, count] = readShape(value.shape, at, room);
  const data = readData(value.data, at, datatype, shape, count);
  return { name, datatype, shape, data, parameters };
}

/** The request body, read and checked; throws invalid_tensor naming the first problem. */
export function parseInferRequest(body: unknown): InferRequest {
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
  const parameters = readParameters(body.parameters, "request");
  refuseBinary(parameters, "binary_data_output", "request");
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
  list.forEach((value, i) => {
    const tensor = readInput(value, `inputs[${i}]`, room);
    if (names.has(tensor.name)) throw bad(`inputs[${i}]: ${quoted(tensor.name)} is sent twice.`);
    names.add(tensor.name);
    room -= tensor.data.length;
    inputs.push(tensor);
  });
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
    const parameters = readParameters(item.parameters, where);
    refuseBinary(parameters, "binary_data", where);
    return { name, parameters };
  });
}
