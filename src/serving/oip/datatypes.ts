/**
 * The Open Inference Protocol's tensor datatypes and onnxruntime's element types, both ways,
 * with the checked conversion of JSON values into each type's typed array. FP16 travels as
 * numbers in JSON and as IEEE half bits (Uint16Array) in onnxruntime.
 */
import type { Tensor } from "onnxruntime-node";

export const OIP_DATATYPES = [
  "BOOL",
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
  "BYTES",
] as const;

export type OipDatatype = (typeof OIP_DATATYPES)[number];

const ORT_BY_OIP: Record<OipDatatype, Tensor.Type> = {
  BOOL: "bool",
  UINT8: "uint8",
  UINT16: "uint16",
  UINT32: "uint32",
  UINT64: "uint64",
  INT8: "int8",
  INT16: "int16",
  INT32: "int32",
  INT64: "int64",
  FP16: "float16",
  FP32: "float32",
  FP64: "float64",
  BYTES: "string",
};

const OIP_BY_ORT = new Map<string, OipDatatype>(
  Object.entries(ORT_BY_OIP).map(([oip, ort]) => [ort, oip as OipDatatype]),
);

const DATATYPES: ReadonlySet<string> = new Set(OIP_DATATYPES);

export function isOipDatatype(value: unknown): value is OipDatatype {
  return typeof value === "string" && DATATYPES.has(value);
}

export function ortType(datatype: OipDatatype): Tensor.Type {
  return ORT_BY_OIP[datatype];
}

/** The protocol's name for an onnxruntime element type; null for one it has none for (int4). */
export function oipDatatype(type: Tensor.Type): OipDatatype | null {
  return OIP_BY_ORT.get(type) ?? null;
}

/** The data of one tensor as onnxruntime takes it. */
export type TensorData =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array
  | string[];

/** Integer ranges; 64-bit ones end at what a JSON number carries exactly (2^53). */
const INT_RANGE: Partial<Record<OipDatatype, [number, number]>> = {
  UINT8: [0, 255],
  UINT16: [0, 65_535],
  UINT32: [0, 4_294_967_295],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
  INT8: [-128, 127],
  INT16: [-32_768, 32_767],
  INT32: [-2_147_483_648, 2_147_483_647],
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** Datatypes whose typed array holds exactly the JSON numbers (no bools, halves or bigints). */
export const PLAIN: ReadonlySet<OipDatatype> = new Set([
  "UINT8",
  "INT8",
  "UINT16",
  "INT16",
  "UINT32",
  "INT32",
  "FP32",
  "FP64",
]);

/** An empty typed array of `count` elements for the datatype. */
export function allocate(datatype: OipDatatype, count: number): TensorData {
  switch (datatype) {
    case "BOOL":
    case "UINT8":
      return new Uint8Array(count);
    case "INT8":
      return new Int8Array(count);
    case "UINT16":
    case "FP16":
      return new Uint16Array(count);
    case "INT16":
      return new Int16Array(count);
    case "UINT32":
      return new Uint32Array(count);
    case "INT32":
      return new Int32Array(count);
    case "INT64":
      return new BigInt64Array(count);
    case "UINT64":
      return new BigUint64Array(count);
    case "FP32":
      return new Float32Array(count);
    case "FP64":
      return new Float64Array(count);
    case "BYTES":
      return new Array<string>(count).fill("");
  }
}

/** IEEE 754 half bits of `value`, rounded to nearest even (overflow → ±Infinity). */
export function toHalf(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0] ?? 0;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && (half & 1) === 1)) half += 1;
    return sign | half;
  }
  // A carry out of the mantissa moves into the exponent (up to 0x7c00, Infinity), as it should.
  let half = (e << 10) | (mant >> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half += 1;
  return sign | half;
}

/** The number IEEE 754 half bits stand for. */
export function fromHalf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** What an element of `datatype` must be, in words: "an integer from 0 to 255". */
export function expectedElement(datatype: OipDatatype): string {
  if (datatype === "BYTES") return "a string";
  if (datatype === "BOOL") return "true or false";
  const range = INT_RANGE[datatype];
  if (range) return `an integer from ${range[0]} to ${range[1]}`;
  return datatype === "FP32" ? "a number within FP32's range (±3.4e38)" : "a number";
}

const FP32_MAX = 3.4028234663852886e38;

/** Whether a JSON value is an element of one datatype. */
export type ElementTest = (value: unknown) => boolean;

function makeTest(datatype: OipDatatype): ElementTest {
  if (datatype === "BYTES") return (v) => typeof v === "string";
  if (datatype === "BOOL") return (v) => typeof v === "boolean";
  const range = INT_RANGE[datatype];
  if (range) {
    const [lo, hi] = range;
    return (v) => typeof v === "number" && Number.isInteger(v) && v >= lo && v <= hi;
  }
  if (datatype === "FP32") return (v) => typeof v === "number" && Math.abs(v) <= FP32_MAX;
  return (v) => typeof v === "number";
}

const TESTS = new Map(OIP_DATATYPES.map((d) => [d, makeTest(d)]));

/** The test a JSON value must pass to be an element of `datatype` (built once a datatype). */
export function elementTest(datatype: OipDatatype): ElementTest {
  return TESTS.get(datatype) ?? makeTest(datatype);
}

/**
 * The typed array onnxruntime takes for already-checked JSON elements (elementTest passed for
 * each): booleans as 0/1, 64-bit integers as bigints, FP16 as half bits. Elements that are
 * already that typed array (binary data, src/serving/oip/binary.ts) are taken as they are.
 */
export function toTensorData(datatype: OipDatatype, values: ArrayLike<unknown>): TensorData {
  const n = values.length;
  if (datatype === "BYTES") return values as string[];
  const out = allocate(datatype, n);
  if (ArrayBuffer.isView(values) && values.constructor === out.constructor && PLAIN.has(datatype)) {
    return values as TensorData;
  }
  if (datatype === "BOOL") {
    const bools = out as Uint8Array;
    for (let i = 0; i < n; i++) bools[i] = values[i] === true ? 1 : 0;
  } else if (datatype === "INT64" || datatype === "UINT64") {
    const big = out as BigInt64Array | BigUint64Array;
    for (let i = 0; i < n; i++) big[i] = BigInt(values[i] as number);
  } else if (datatype === "FP16") {
    const half = out as Uint16Array;
    for (let i = 0; i < n; i++) half[i] = toHalf(values[i] as number);
  } else {
    (out as Float64Array).set(values as ArrayLike<number>);
  }
  return out;
}
