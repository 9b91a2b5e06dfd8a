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
 * Its work is one pass over the bytes; what it builds is bounded by OIP_LIMITS.
 */
import { elementTest, OIP_DATATYPES } from "./datatypes.js";
import type { OipDatatype } from "./datatypes.js";
import { CheckedBody, NO_PARAMETERS, OIP_LIMITS } from "./request.js";
import type { InferRequest, Parameters, RequestedOutput, RequestTensor } from "./request.js";

const TAB = 9;
const LINE_FEED = 10;
const CARRIAGE_RETURN = 13;
const SPACE = 32;
const QUOTE = 34;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const ONE = 49;
const NINE = 57;
const COLON = 58;
const UPPER_E = 69;
const OPEN_ARRAY = 91;
const BACKSLASH = 92;
const CLOSE_ARRAY = 93;
const LOWER_E = 101;
const LOWER_F = 102;
const LOWER_T = 116;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;

/** Thrown inside the reader for a body it does not take; caught once, in readInferBody. */
const NOT_TAKEN: unknown = Object.freeze({ notTaken: true });

function notTaken(): never {
  throw NOT_TAKEN;
}

/** Words compared with the bytes in place: each one's character codes, made once. */
class Words {
  readonly codes: readonly Uint8Array[];
  /** Where the next search starts: after the word found last. */
  next = 0;
  constructor(words: readonly string[]) {
    this.codes = words.map((w) => Uint8Array.from(w, (c) => c.charCodeAt(0)));
  }
}

const REQUEST_KEYS = new Words(["inputs", "outputs", "parameters", "id"]);
const TENSOR_KEYS = new Words(["name", "datatype", "shape", "data", "parameters"]);
const OUTPUT_KEYS = new Words(["name", "parameters"]);
const DATATYPES = new Words(OIP_DATATYPES);

const NO_BYTES = Buffer.alloc(0);

// The body being read (one at a time: the reader is synchronous): its bytes, scanned; the same
// text, sliced for strings (an ASCII body's characters are its bytes); the position in both.
let bytes: Buffer = NO_BYTES;
let text = "";
let pos = 0;

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

/** Skips JSON's whitespace; the byte after it (-1 at the end). */
function next(): number {
  const b = bytes;
  const n = b.length;
  for (let i = pos; i < n; i++) {
    const c = b[i] as number;
    if (c > SPACE || (c !== SPACE && c !== LINE_FEED && c !== CARRIAGE_RETURN && c !== TAB)) {
      pos = i;
      return c;
    }
  }
  pos = n;
  return -1;
}

function take(code: number): void {
  if (next() !== code) notTaken();
  pos++;
}

/** After a member or an element: true for a comma (another follows), false for `close`. */
function more(close: number): boolean {
  const c = next();
  pos++;
  if (c === COMMA) return true;
  if (c !== close) notTaken();
  return false;
}

/** Whether the container just opened is empty (its `close` is taken if so). */
function empty(close: number): boolean {
  if (next() !== close) return false;
  pos++;
  return true;
}

/** A string with no escape in it: JSON.parse's value is then the text between the quotes. */
function string(): string {
  if (next() !== QUOTE) notTaken();
  const b = bytes;
  const start = pos + 1;
  let i = start;
  for (;;) {
    // Past the end, undefined: not taken, as a control character or an escape is not.
    const c = b[i];
    if (c === QUOTE) break;
    if (c === undefined || c < SPACE || c === BACKSLASH) notTaken();
    i++;
  }
  pos = i + 1;
  return text.slice(start, i);
}

/**
 * The index in `words` of the string at the reader, which is passed; compared in place, so no
 * string is made. Not taken if it is none of them.
 */
function oneOf(words: Words): number {
  if (next() !== QUOTE) notTaken();
  const b = bytes;
  const at = pos + 1;
  const { codes } = words;
  // From the word after the one found last: clients write their members in one order, and
  // their tensors alike.
  for (let n = 0, k = words.next; n < codes.length; n++, k = k + 1 < codes.length ? k + 1 : 0) {
    const word = codes[k] as Uint8Array;
    const length = word.length;
    if (b[at + length] !== QUOTE) continue;
    let j = 0;
    while (j < length && b[at + j] === word[j]) j++;
    if (j === length) {
      pos = at + length + 1;
      words.next = k + 1 < codes.length ? k + 1 : 0;
      return k;
    }
  }
  return notTaken();
}

/** The index in `keys` of the member's key, with the colon after it taken. */
function key(keys: Words): number {
  const k = oneOf(keys);
  take(COLON);
  return k;
}

/** `seen` with key `k` added: a key met twice (JSON.parse keeps the last) is not taken. */
function once(seen: number, k: number): number {
  if (seen & (1 << k)) notTaken();
  return seen | (1 << k);
}

/** A tensor's or an output's name: non-empty, at most OIP_LIMITS.nameChars. */
function nameRule(name: string | undefined): asserts name is string {
  if (name === undefined || name === "" || name.length > OIP_LIMITS.nameChars) notTaken();
}

/** A number in JSON's grammar, as JSON.parse reads it. */
function number(): number {
  const b = bytes;
  const start = pos;
  let i = start;
  let c = b[i];
  const negative = c === MINUS;
  if (negative) c = b[++i];
  if (c === ZERO) c = b[++i];
  else if (c !== undefined && c >= ONE && c <= NINE) {
    let d = b[++i];
    while (d !== undefined && isDigit(d)) d = b[++i];
    c = d;
  } else notTaken();
  let integer = true;
  if (c === DOT) {
    integer = false;
    c = b[++i];
    if (c === undefined || !isDigit(c)) notTaken();
    do c = b[++i];
    while (c !== undefined && isDigit(c));
  }
  if (c === LOWER_E || c === UPPER_E) {
    integer = false;
    c = b[++i];
    if (c === PLUS || c === MINUS) c = b[++i];
    if (c === undefined || !isDigit(c)) notTaken();
    do c = b[++i];
    while (c !== undefined && isDigit(c));
  }
  pos = i;
  // Up to 15 characters an integer is exact in a double: summed here, not parsed from a copy.
  if (integer && i - start <= 15) {
    let n = 0;
    for (let j = negative ? start + 1 : start; j < i; j++) n = n * 10 + (b[j] as number) - ZERO;
    return negative ? -n : n;
  }
  return Number(text.slice(start, i));
}

/** A string, a number, true or false: what a tensor's data and `parameters` hold. */
function scalar(): string | number | boolean {
  const c = next();
  if (c === QUOTE) return string();
  if (c === LOWER_T || c === LOWER_F) {
    const word = c === LOWER_T ? "true" : "false";
    if (!text.startsWith(word, pos)) notTaken();
    pos += word.length;
    return c === LOWER_T;
  }
  return number();
}

/** `parameters`: at most OIP_LIMITS.parameters scalars under keys a plain object can hold. */
function parameters(): Parameters {
  take(OPEN_OBJECT);
  const read: Parameters = {};
  if (empty(CLOSE_OBJECT)) return read;
  let entries = 0;
  do {
    const name = string();
    if (name === "__proto__" || name === "constructor" || Object.hasOwn(read, name)) notTaken();
    if (++entries > OIP_LIMITS.parameters) notTaken();
    take(COLON);
    read[name] = scalar();
  } while (more(CLOSE_OBJECT));
  return read;
}

/** The binary data extension's parameters, which the general path refuses. */
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
 * data is then one slot, not the 17 an empty array grows to on its first push.
 */
function elements(room: number, expected: number): unknown[] {
  const values: unknown[] = expected > 0 && expected <= room ? new Array<unknown>(expected) : [];
  let n = 0;
  if (!empty(CLOSE_ARRAY)) {
    do {
      if (n === room) notTaken();
      const value = scalar();
      if (n < values.length) values[n] = value;
      else values.push(value);
      n++;
    } while (more(CLOSE_ARRAY));
  }
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
}

/**
 * The last request's heads, by the tensor's place in `inputs`: at most OIP_LIMITS.inputs, each
 * a copy of at most HEAD_CHARS of a body the reader took.
 */
const heads: (Head | undefined)[] = [];

/** The longest head kept (a name is at most 256 characters): the heads hold at most 64 KiB. */
const HEAD_CHARS = 1024;

/** The rules on a tensor read whole; the tensor. */
function checked(
  name: string,
  datatype: OipDatatype,
  shape: readonly number[],
  values: unknown[],
  params: Parameters,
  room: number,
): RequestTensor {
  nameRule(name);
  noBinary(params, "binary_data_size");
  const count = product(shape);
  if (count > room || values.length !== count) notTaken();
  const test = elementTest(datatype);
  for (let i = 0; i < count; i++) if (!test(values[i])) notTaken();
  return { name, datatype, shape, values, parameters: params };
}

function tensor(room: number, place: number): RequestTensor {
  if (next() !== OPEN_OBJECT) notTaken();
  const start = pos;
  // Written as the tensor at this place last time: everything up to the data is as it read then.
  const head = heads[place];
  // (A copy compared whole is compared by V8 as memory: twice as fast here as startsWith.)
  if (head !== undefined && text.slice(start, start + head.text.length) === head.text) {
    pos = start + head.text.length;
    const values = elements(room, head.count);
    if (next() === CLOSE_OBJECT) {
      pos++;
      return checked(head.name, head.datatype, head.shape, values, NO_PARAMETERS, room);
    }
    // More members after the data: read the tensor whole.
    pos = start;
  }
  pos++;
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
      dataAt = pos;
      values = elements(room, dims ? product(dims) : 0);
    } else params = parameters();
  } while (more(CLOSE_OBJECT));
  if (name === undefined || datatype === undefined || dims === undefined || values === undefined) {
    notTaken();
  }
  const read = checked(name, datatype, dims, values, params, room);
  if (dataAt !== -1 && params === NO_PARAMETERS && dataAt - start <= HEAD_CHARS) {
    const shared = Object.freeze(dims.slice());
    heads[place] = {
      // A copy of its own (a slice would keep the whole body's text alive with it).
      text: bytes.toString("latin1", start, dataAt),
      name,
      datatype,
      shape: shared,
      count: product(shared),
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
    noBinary(params, "binary_data");
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
  noBinary(params, "binary_data_output");
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
  bytes = body;
  text = decoded;
  pos = 0;
  try {
    return new CheckedBody(request());
  } catch (err) {
    if (err === NOT_TAKEN) return null;
    throw err;
  } finally {
    bytes = NO_BYTES;
    text = "";
  }
}
