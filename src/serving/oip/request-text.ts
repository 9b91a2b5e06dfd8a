/**
 * An inference request as clients usually write it, read from the body's bytes in one pass
 * into the InferRequest that parseInferRequest would make of JSON.parse's value.
 *
 * V8's JSON.parse spends 80-100 ns on every object and array it builds: a request of ten
 * one-element tensors holds 32 of them and cost 4.5 µs to parse (the seeds' predict body of the
 * same inputs, 0.8 µs), and parseInferRequest then walked it again. This reader builds only the
 * request. It takes an ASCII body holding the request object (`inputs`, `outputs`,
 * `parameters`, `id`), tensors (`name`, `datatype`, `shape`, flat `data`, `parameters`), strings
 * without escapes and every JSON number. Anything else — an escape, nested data, an unknown or
 * repeated key, any broken rule — and it returns null: the body then takes the general path
 * (JSON.parse, parseInferRequest), which accepts what it accepts and names what is wrong. So a
 * request read here is always the one the general path would have read, never one it refuses.
 * Its work is one pass over the bytes; what it builds is bounded by OIP_LIMITS. The tokens are
 * read by request-lexer.ts; this file is the protocol's grammar over them.
 */
import { elementTest, OIP_DATATYPES } from "./datatypes.js";
import type { ElementTest, OipDatatype } from "./datatypes.js";
import { UNSUPPORTED } from "./binary.js";
import { CheckedBody, NO_PARAMETERS, OIP_LIMITS } from "./request.js";
import type { InferRequest, Parameters, RequestedOutput, RequestTensor } from "./request.js";
import {
  at,
  begin,
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  COLON,
  copy,
  empty,
  end,
  key,
  more,
  nameRule,
  next,
  NOT_TAKEN,
  notTaken,
  number,
  once,
  oneOf,
  OPEN_ARRAY,
  OPEN_OBJECT,
  scalar,
  seek,
  skip,
  string,
  take,
  Words,
} from "./request-lexer.js";

const REQUEST_KEYS = new Words(["inputs", "outputs", "parameters", "id"]);
const TENSOR_KEYS = new Words(["name", "datatype", "shape", "data", "parameters"]);
const OUTPUT_KEYS = new Words(["name", "parameters"]);
const DATATYPES = new Words(OIP_DATATYPES);

/** `parameters`: at most OIP_LIMITS.parameters scalars under keys a plain object can hold. */
function parameters(): Parameters {
  take(OPEN_OBJECT);
  const read: Parameters = {};
  if (empty(CLOSE_OBJECT)) return read;
  let entries = 0;
  do {
    const name = string();
    if (name === "__proto__" || name === "constructor" || Object.hasOwn(read, name)) notTaken();
    // Refused by the general path, which says why.
    if (UNSUPPORTED.has(name)) notTaken();
    if (++entries > OIP_LIMITS.parameters) notTaken();
    take(COLON);
    read[name] = scalar();
  } while (more(CLOSE_OBJECT));
  return read;
}

/**
 * An input's `binary_data_size` (other than false): a body that is all JSON has no binary part,
 * and the general path says so.
 */
function noBinary(read: Parameters, name: string): void {
  if (read === NO_PARAMETERS) return;
  const value = read[name];
  if (value !== undefined && value !== false) notTaken();
}

/** `shape`: whole numbers ≥ 0, at most OIP_LIMITS.rank of them. */
function shape(): number[] {
  take(OPEN_ARRAY);
  const dims: number[] = [];
  if (empty(CLOSE_ARRAY)) return dims;
  do {
    next();
    const d = number();
    if (!Number.isInteger(d) || d < 0 || dims.length === OIP_LIMITS.rank) notTaken();
    dims.push(d);
  } while (more(CLOSE_ARRAY));
  return dims;
}

/**
 * Flat `data`'s elements, after its `[`: at most `room` of them (a nested list is not taken).
 * Made the size of the `expected` elements when the shape is known: a one-element tensor's
 * data is then one slot, not the 17 an empty array grows to on its first push. One element
 * (fields mode's tensors, a row each) is read into an array literal: packed, where an array
 * made by length has holes to check on every read.
 */
function elements(room: number, expected: number): unknown[] {
  if (empty(CLOSE_ARRAY)) return [];
  if (room === 0) notTaken();
  const first = scalar();
  if (!more(CLOSE_ARRAY)) return [first];
  const values: unknown[] = expected > 1 && expected <= room ? new Array<unknown>(expected) : [];
  if (values.length > 0) values[0] = first;
  else values.push(first);
  let n = 1;
  do {
    if (n === room) notTaken();
    const value = scalar();
    if (n < values.length) values[n] = value;
    else values.push(value);
    n++;
  } while (more(CLOSE_ARRAY));
  // Fewer than the shape holds (refused by the count check after): no holes are left.
  if (n < values.length) values.length = n;
  return values;
}

function product(dims: readonly number[]): number {
  let count = 1;
  for (let i = 0; i < dims.length; i++) count *= dims[i] as number;
  return count;
}

/**
 * A tensor's text up to its data's elements — `{"name":"x","shape":[1],"datatype":"FP32",
 * "data":[` — and the name, datatype and shape it was read as: kept for the tensor at the same
 * place in the next request, which a client writes alike (same names, types, shapes and member
 * order, new data). Only for a tensor whose data is its last member and that has no parameters.
 */
interface Head {
  text: string;
  name: string;
  datatype: OipDatatype;
  shape: readonly number[];
  /** The elements the shape holds. */
  count: number;
  /** The datatype's element test. */
  test: ElementTest;
}

/**
 * The last request's heads, by the tensor's place in `inputs`: at most OIP_LIMITS.inputs, each
 * a copy of at most HEAD_CHARS of a body the reader took.
 */
const heads: (Head | undefined)[] = [];

/** The longest head kept (a name is at most 256 characters): the heads hold at most 64 KiB. */
const HEAD_CHARS = 1024;

/**
 * The same characters as the string V8 keeps for property keys (a name used as a key is
 * interned): a remembered tensor name then compares by identity with a model's field names
 * (Map lookups, fields mode) and with the other names of a request, not character by character.
 */
function interned(name: string): string {
  for (const key in { [name]: 0 }) return key;
  return name;
}

/** The rules on a tensor read whole; the tensor. */
function checked(
  name: string,
  datatype: OipDatatype,
  shape: readonly number[],
  values: unknown[],
  params: Parameters,
  room: number,
  test: ElementTest,
): RequestTensor {
  nameRule(name);
  noBinary(params, "binary_data_size");
  const count = product(shape);
  if (count > room || values.length !== count) notTaken();
  for (let i = 0; i < count; i++) if (!test(values[i])) notTaken();
  return { name, datatype, shape, values, parameters: params };
}

function tensor(room: number, place: number): RequestTensor {
  if (next() !== OPEN_OBJECT) notTaken();
  const start = at();
  // Written as the tensor at this place last time: everything up to the data is as it read then.
  const head = heads[place];
  if (head !== undefined && skip(head.text)) {
    const values = elements(room, head.count);
    if (empty(CLOSE_OBJECT)) {
      return checked(head.name, head.datatype, head.shape, values, NO_PARAMETERS, room, head.test);
    }
    // More members after the data: read the tensor whole.
    seek(start);
  }
  take(OPEN_OBJECT);
  let name: string | undefined;
  let datatype: OipDatatype | undefined;
  let dims: number[] | undefined;
  let values: unknown[] | undefined;
  let params: Parameters = NO_PARAMETERS;
  let seen = 0;
  // Where the data's elements start, while data is the last member read.
  let dataAt: number;
  if (empty(CLOSE_OBJECT)) notTaken();
  do {
    const k = key(TENSOR_KEYS);
    seen = once(seen, k);
    dataAt = -1;
    if (k === 0) name = string();
    // The datatype's own constant, compared in place: no string is made.
    else if (k === 1) datatype = OIP_DATATYPES[oneOf(DATATYPES)];
    else if (k === 2) dims = shape();
    else if (k === 3) {
      take(OPEN_ARRAY);
      dataAt = at();
      values = elements(room, dims ? product(dims) : 0);
    } else params = parameters();
  } while (more(CLOSE_OBJECT));
  if (name === undefined || datatype === undefined || dims === undefined || values === undefined) {
    notTaken();
  }
  const test = elementTest(datatype);
  const read = checked(name, datatype, dims, values, params, room, test);
  if (dataAt !== -1 && params === NO_PARAMETERS && dataAt - start <= HEAD_CHARS) {
    const shared = Object.freeze(dims.slice());
    heads[place] = {
      text: copy(start, dataAt),
      name: interned(name),
      datatype,
      shape: shared,
      count: product(shared),
      test,
    };
  }
  return read;
}

function inputs(): RequestTensor[] {
  take(OPEN_ARRAY);
  const read: RequestTensor[] = [];
  if (empty(CLOSE_ARRAY)) notTaken();
  let room: number = OIP_LIMITS.elements;
  do {
    if (read.length === OIP_LIMITS.inputs) notTaken();
    const t = tensor(room, read.length);
    for (let i = 0; i < read.length; i++)
      if ((read[i] as RequestTensor).name === t.name) notTaken();
    room -= t.values.length;
    read.push(t);
  } while (more(CLOSE_ARRAY));
  return read;
}

function outputs(): RequestedOutput[] {
  take(OPEN_ARRAY);
  const read: RequestedOutput[] = [];
  if (empty(CLOSE_ARRAY)) return read;
  do {
    if (read.length === OIP_LIMITS.outputs) notTaken();
    take(OPEN_OBJECT);
    let name: string | undefined;
    let params: Parameters = NO_PARAMETERS;
    let seen = 0;
    if (empty(CLOSE_OBJECT)) notTaken();
    do {
      const k = key(OUTPUT_KEYS);
      seen = once(seen, k);
      if (k === 0) name = string();
      else params = parameters();
    } while (more(CLOSE_OBJECT));
    nameRule(name);
    for (const other of read) if (other.name === name) notTaken();
    read.push({ name, parameters: params });
  } while (more(CLOSE_ARRAY));
  return read;
}

function request(): InferRequest {
  take(OPEN_OBJECT);
  let id: string | undefined;
  let params: Parameters = NO_PARAMETERS;
  let tensors: RequestTensor[] | undefined;
  let wanted: RequestedOutput[] | null = null;
  let seen = 0;
  if (empty(CLOSE_OBJECT)) notTaken();
  do {
    const k = key(REQUEST_KEYS);
    seen = once(seen, k);
    if (k === 0) tensors = inputs();
    else if (k === 1) wanted = outputs();
    else if (k === 2) params = parameters();
    else {
      id = string();
      if (id.length > OIP_LIMITS.nameChars) notTaken();
    }
  } while (more(CLOSE_OBJECT));
  if (tensors === undefined || next() !== -1) notTaken();
  const read: InferRequest = { parameters: params, inputs: tensors, outputs: wanted };
  return id === undefined ? read : { id, ...read };
}

/**
 * The request a body holds, exactly as parseInferRequest(JSON.parse(text)) reads it; null for
 * a body this reader does not take (the general path then reads it, or says what is wrong).
 * `decoded` is the body's text; a body that is not all ASCII is not taken.
 */
export function readInferBody(body: Buffer, decoded: string, ascii: boolean): CheckedBody | null {
  if (!ascii || decoded.length !== body.length) return null;
  begin(body, decoded);
  try {
    return new CheckedBody(request());
  } catch (err) {
    if (err === NOT_TAKEN) return null;
    throw err;
  } finally {
    end();
  }
}
