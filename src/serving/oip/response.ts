/**
 * Writes an inference response's JSON text directly from the output tensors' typed arrays:
 * 64-bit integers keep every digit (a typed array's join prints a bigint exactly, where a JSON
 * number would round past 2^53), and no intermediate array of numbers is built.
 */
import { fromHalf } from "./datatypes.js";
import type { OipDatatype, TensorData } from "./datatypes.js";
import type { Parameters } from "./request.js";
import { encodeElements } from "./binary.js";

export interface ResponseTensor {
  name: string;
  datatype: OipDatatype;
  shape: readonly number[];
  /** A tensor's data; for `json` outputs, one JSON value an element. */
  data: TensorData | readonly unknown[];
  /** Elements are JSON values written as they are (fields mode: strings, numbers, objects). */
  json?: boolean;
  parameters?: Parameters;
  /** Sent in the body's binary part (the binary tensor data extension), not as JSON data. */
  binary?: boolean;
}

export interface InferResponse {
  modelName: string;
  modelVersion: string;
  id: string;
  parameters?: Parameters;
  outputs: readonly ResponseTensor[];
}

/** Floats JSON can carry; NaN and ±Infinity (which JSON has no token for) become null. */
function floats(data: ArrayLike<number> & { join(sep: string): string }): string {
  const text = data.join(",");
  if (!text.includes("N") && !text.includes("I")) return text;
  return Array.from(data, (x) => (Number.isFinite(x) ? String(x) : "null")).join(",");
}

/** What JSON.stringify writes otherwise than as it is (and every surrogate, paired or not). */
// eslint-disable-next-line no-control-regex -- control characters are what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string as JSON: quoted as it is when nothing in it needs escaping (names, labels, ids). */
function stringText(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/**
 * Names written in every response (models, versions, outputs) as JSON, quoted once each: at
 * most NAMES_KEPT of them, the memo starting over when full. A name is at most 256 characters.
 */
const quotedNames = new Map<string, string>();
const NAMES_KEPT = 1024;

function nameText(name: string): string {
  let text = quotedNames.get(name);
  if (text === undefined) {
    if (quotedNames.size >= NAMES_KEPT) quotedNames.clear();
    text = stringText(name);
    quotedNames.set(name, text);
  }
  return text;
}

/** One JSON value, as JSON.stringify writes it (NaN and ±Infinity as null). */
function valueText(v: unknown): string {
  if (typeof v === "string") return stringText(v);
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  return JSON.stringify(v) ?? "null";
}

/** Appends a tensor's data elements, comma-separated, to `text`. */
function appendData(text: string, t: ResponseTensor): string {
  const data = t.data;
  if (t.json === true || t.datatype === "BYTES") {
    const values = data as readonly unknown[];
    for (let i = 0; i < values.length; i++) {
      text += i > 0 ? "," + valueText(values[i]) : valueText(values[i]);
    }
    return text;
  }
  switch (t.datatype) {
    case "BOOL":
      return text + Array.from(data as Uint8Array, (v) => (v ? "true" : "false")).join(",");
    case "FP16":
      return text + floats(Array.from(data as Uint16Array, fromHalf));
    case "FP32":
    case "FP64":
      return text + floats(data as Float32Array);
    default:
      // Integers (64-bit ones as bigints): join prints every digit.
      return text + (data as Int32Array).join(",");
  }
}

/** A shape's dimensions, comma-separated (one dimension, most often: no join). */
function shapeText(shape: readonly number[]): string {
  if (shape.length === 1) return String(shape[0]);
  return shape.join(",");
}

/**
 * A `parameters` object as JSON; a frozen one (the same object in every response, such as
 * fields mode's `{"content_type": "json"}`) is written once and its text kept.
 */
const frozenText = new WeakMap<Parameters, string>();

function parametersText(p: Parameters): string {
  if (!Object.isFrozen(p)) return JSON.stringify(p);
  let text = frozenText.get(p);
  if (text === undefined) {
    text = JSON.stringify(p);
    frozenText.set(p, text);
  }
  return text;
}

/**
 * The response body: `{"model_name", "model_version", "id", "parameters"?, "outputs"}`, built
 * in one string from start to end (no text a tensor to join afterwards). A tensor marked
 * `binary` is written with its `binary_data_size` and no data; its bytes are pushed to
 * `binaryParts`, which the body then carries after this text, in the outputs' order.
 */
export function inferResponseText(r: InferResponse, binaryParts?: Buffer[]): string {
  let text = '{"model_name":' + nameText(r.modelName);
  text += ',"model_version":' + nameText(r.modelVersion);
  text += ',"id":' + stringText(r.id);
  if (r.parameters) text += ',"parameters":' + parametersText(r.parameters);
  text += ',"outputs":[';
  for (let i = 0; i < r.outputs.length; i++) {
    const t = r.outputs[i] as ResponseTensor;
    text += i > 0 ? ',{"name":' : '{"name":';
    text += nameText(t.name);
    text += ',"datatype":"' + t.datatype;
    text += '","shape":[' + shapeText(t.shape);
    if (t.binary === true && binaryParts) {
      const bytes = encodeElements(t.datatype, t.data as ArrayLike<unknown>);
      binaryParts.push(bytes);
      const parameters = { ...t.parameters, binary_data_size: bytes.length };
      text += '],"parameters":' + JSON.stringify(parameters) + "}";
      continue;
    }
    text += t.parameters
      ? '],"parameters":' + parametersText(t.parameters) + ',"data":['
      : '],"data":[';
    text = appendData(text, t);
    text += "]}";
  }
  return text + "]}";
}
