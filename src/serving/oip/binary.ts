/**
 * The binary tensor data extension (Triton's, which KServe and tritonclient speak): a request
 * body is a JSON header of `Inference-Header-Content-Length` bytes followed by the raw data of
 * the inputs that say `"parameters": {"binary_data_size": N}`, in their order; outputs asked
 * for with `binary_data` (or the request's `binary_data_output`) come back the same way.
 * Elements are little-endian; BOOL is one byte; BYTES elements are each a 4-byte little-endian
 * length and that many bytes. tritonclient.http sends and asks for binary data by default.
 * https://github.com/triton-inference-server/server/blob/main/docs/protocol/extension_binary_data.md
 */
import { endianness } from "node:os";
import { ModelgateError } from "../../errors.js";
import { fromHalf, PLAIN, toHalf } from "./datatypes.js";
import type { OipDatatype, TensorData } from "./datatypes.js";
import type { Parameters } from "./request.js";

/** The header naming the JSON part's length, in requests and responses (and as Node keys it). */
export const HEADER_NAME = "Inference-Header-Content-Length";
export const HEADER_LENGTH = HEADER_NAME.toLowerCase();

/**
 * Triton's extensions whose parameters change what an answer means: ignoring them would answer
 * something other than what the client asked for, so they are refused, naming what to do.
 */
export const UNSUPPORTED: ReadonlyMap<string, string> = new Map([
  [
    "classification",
    "the classification extension is not supported; ask for the output itself (its scores), or serve a multi-class spec, whose top_k output ranks the labels.",
  ],
  [
    "shared_memory_region",
    "the shared-memory extension is not supported; send the tensor's data in the body (JSON, or binary with binary_data_size).",
  ],
]);

/** A body with a binary part: its JSON header, parsed, and the bytes after it. */
export class BinaryBody {
  constructor(
    readonly json: unknown,
    readonly data: Buffer,
  ) {}
}

/** Bytes an element of a fixed-size datatype takes; 0 for BYTES (each says its length). */
export function elementBytes(datatype: OipDatatype): number {
  switch (datatype) {
    case "BOOL":
    case "UINT8":
    case "INT8":
      return 1;
    case "UINT16":
    case "INT16":
    case "FP16":
      return 2;
    case "UINT32":
    case "INT32":
    case "FP32":
      return 4;
    case "UINT64":
    case "INT64":
    case "FP64":
      return 8;
    case "BYTES":
      return 0;
  }
}

function bad(detail: string): ModelgateError {
  return new ModelgateError("invalid_tensor", detail);
}

/**
 * The binary part of a request (the binary tensor data extension), taken by the inputs that
 * say `binary_data_size`, in their order; null for a body that is all JSON.
 */
export interface BinaryCursor {
  data: Buffer;
  taken: number;
}

/** `binary_data_size`: a whole number of bytes, taken from what is left of the binary part. */
export function takeBinary(
  parameters: Parameters,
  binary: BinaryCursor | null,
  data: unknown,
  at: () => string,
): Buffer | null {
  const size = parameters.binary_data_size;
  // false is "not binary" (the fast reader and this path take it alike).
  if (size === undefined || size === false) return null;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
    throw bad(
      `${at()}.parameters.binary_data_size must be a whole number of bytes, got ${JSON.stringify(size)}.`,
    );
  }
  if (binary === null) {
    throw bad(
      `${at()}.parameters.binary_data_size says its data is binary, but the body is all JSON: send the JSON's length in the ${HEADER_NAME} header and the tensors' bytes after it.`,
    );
  }
  if (data !== undefined) {
    throw bad(`${at()} has both data and binary_data_size: send one of them.`);
  }
  const left = binary.data.length - binary.taken;
  if (size > left) {
    throw bad(
      `${at()}.parameters.binary_data_size is ${size} bytes, but only ${left} of the body's binary part are left.`,
    );
  }
  const bytes = binary.data.subarray(binary.taken, binary.taken + size);
  binary.taken += size;
  return bytes;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** BYTES elements, each a 4-byte length and its bytes (UTF-8: they become strings). */
function readStrings(bytes: Buffer, count: number, at: () => string): string[] {
  const out = new Array<string>(count);
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 4 > bytes.length) {
      throw bad(
        `${at()}: its binary data holds ${i} BYTES elements, not the ${count} its shape says.`,
      );
    }
    const length = bytes.readUInt32LE(p);
    p += 4;
    if (p + length > bytes.length) {
      throw bad(
        `${at()}: BYTES element ${i} says ${length} bytes, more than its binary data has left.`,
      );
    }
    try {
      out[i] = UTF8.decode(bytes.subarray(p, p + length));
    } catch {
      throw bad(`${at()}: BYTES element ${i} is not UTF-8 text; this server takes text elements.`);
    }
    p += length;
  }
  if (p !== bytes.length) {
    throw bad(`${at()}: ${bytes.length - p} bytes are left after its ${count} BYTES elements.`);
  }
  return out;
}

/** NaN and ±Infinity, which JSON cannot carry, are refused in binary too: one tensor, one rule. */
function finite(values: ArrayLike<number>, at: () => string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw bad(
        `${at()}: element ${i} is ${values[i]}; send finite numbers (as JSON would have to).`,
      );
    }
  }
}

function safeInteger(value: bigint, i: number, at: () => string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw bad(
      `${at()}: element ${i} is ${value}, past ±2^53 − 1, which this server carries exactly; send smaller integers.`,
    );
  }
  return Number(value);
}

/** A fixed-size datatype's elements: every TensorData but BYTES' strings. */
type Typed = Exclude<TensorData, string[]>;

/** Each fixed-size datatype's typed array: the extension's bytes are its elements (on LE). */
const TYPED: Record<Exclude<OipDatatype, "BYTES">, (b: ArrayBufferLike, n: number) => Typed> = {
  BOOL: (b, n) => new Uint8Array(b, 0, n),
  UINT8: (b, n) => new Uint8Array(b, 0, n),
  INT8: (b, n) => new Int8Array(b, 0, n),
  UINT16: (b, n) => new Uint16Array(b, 0, n),
  INT16: (b, n) => new Int16Array(b, 0, n),
  FP16: (b, n) => new Uint16Array(b, 0, n),
  UINT32: (b, n) => new Uint32Array(b, 0, n),
  INT32: (b, n) => new Int32Array(b, 0, n),
  FP32: (b, n) => new Float32Array(b, 0, n),
  FP64: (b, n) => new Float64Array(b, 0, n),
  UINT64: (b, n) => new BigUint64Array(b, 0, n),
  INT64: (b, n) => new BigInt64Array(b, 0, n),
};

/** The extension is little-endian, as typed arrays are on every platform Node ships for but s390x. */
const LITTLE_ENDIAN = endianness() === "LE";

/** `bytes` as `count` elements of a fixed-size datatype (copied: aligned, in this machine's order). */
function typedView(datatype: Exclude<OipDatatype, "BYTES">, bytes: Buffer, count: number): Typed {
  const copy = Buffer.from(new Uint8Array(bytes).buffer);
  return TYPED[datatype](littleEndian(copy, elementBytes(datatype)).buffer, count);
}

/**
 * A tensor's elements from its binary data, as the JSON path reads them (numbers, booleans,
 * strings): `bytes` must hold exactly `count` elements of `datatype`.
 */
export function decodeElements(
  datatype: OipDatatype,
  bytes: Buffer,
  count: number,
  at: () => string,
): ArrayLike<unknown> {
  if (datatype === "BYTES") return readStrings(bytes, count, at);
  const size = elementBytes(datatype);
  if (bytes.length !== count * size) {
    throw bad(
      `${at()}: binary_data_size is ${bytes.length} bytes; ${count} ${datatype} elements take ${count * size}.`,
    );
  }
  const view = typedView(datatype, bytes, count);
  if (datatype === "FP32" || datatype === "FP64") finite(view as Float32Array, at);
  // Its numbers as they are: a graph takes this very array (toTensorData), no JS array between.
  if (PLAIN.has(datatype)) return view as ArrayLike<number>;
  const out = new Array<unknown>(count);
  if (datatype === "BOOL") {
    for (let i = 0; i < count; i++) out[i] = view[i] !== 0;
  } else if (datatype === "FP16") {
    for (let i = 0; i < count; i++) out[i] = fromHalf(view[i] as number);
    finite(out as number[], at);
  } else {
    for (let i = 0; i < count; i++) out[i] = safeInteger(view[i] as bigint, i, at);
  }
  return out;
}

/** Elements (a typed array, or JSON values of the datatype) as the extension's bytes. */
export function encodeElements(datatype: OipDatatype, data: ArrayLike<unknown>): Buffer {
  const n = data.length;
  if (datatype === "BYTES") {
    const parts: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const v = data[i];
      const text = Buffer.from(typeof v === "string" ? v : (JSON.stringify(v) ?? "null"));
      const length = Buffer.allocUnsafe(4);
      length.writeUInt32LE(text.length);
      parts.push(length, text);
    }
    return Buffer.concat(parts);
  }
  const size = elementBytes(datatype);
  const bytes = new Uint8Array(n * size);
  const typed = TYPED[datatype](bytes.buffer, n);
  if (datatype === "BOOL") {
    for (let i = 0; i < n; i++) typed[i] = data[i] === true || data[i] === 1 ? 1 : 0;
  } else if (datatype === "FP16" && !(data instanceof Uint16Array)) {
    // JSON values are numbers; a typed array of FP16 holds half bits already.
    for (let i = 0; i < n; i++) typed[i] = toHalf(Number(data[i]));
  } else if (datatype === "INT64" || datatype === "UINT64") {
    const big = typed as BigInt64Array | BigUint64Array;
    for (let i = 0; i < n; i++) big[i] = BigInt(data[i] as number | bigint);
  } else {
    const numbers = typed as Float64Array;
    for (let i = 0; i < n; i++) numbers[i] = Number(data[i]);
  }
  return littleEndian(Buffer.from(bytes.buffer), size);
}

/** Typed-array bytes in the extension's order (swapped in place on a big-endian machine). */
function littleEndian(bytes: Buffer, size: number): Buffer {
  if (LITTLE_ENDIAN || size === 1) return bytes;
  if (size === 2) return bytes.swap16();
  return size === 4 ? bytes.swap32() : bytes.swap64();
}
