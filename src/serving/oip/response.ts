/**
 * Writes an inference response's JSON text directly from the output tensors' typed arrays:
 * 64-bit integers keep every digit (a typed array's join prints a bigint exactly, where a JSON
 * number would round past 2^53), and no intermediate array of numbers is built.
 */
import { fromHalf } from "./datatypes.js";
import type { OipDatatype, TensorData } from "./datatypes.js";
import type { Parameters } from "./request.js";

export interface ResponseTensor {
  name: string;
  datatype: OipDatatype;
  shape: readonly number[];
  /** A tensor's data; for `json` outputs, one JSON value an element. */
  data: TensorData | readonly unknown[];
  /** Elements are JSON values written as they are (fields mode: strings, numbers, objects). */
  json?: boolean;
  parameters?: Parameters;
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

function dataText(t: ResponseTensor): string {
  const data = t.data;
  if (t.json === true || t.datatype === "BYTES") {
    const values = data as readonly unknown[];
    let text = values.length > 0 ? valueText(values[0]) : "";
    for (let i = 1; i < values.length; i++) text += `,${valueText(values[i])}`;
    return text;
  }
  switch (t.datatype) {
    case "BOOL":
      return Array.from(data as Uint8Array, (v) => (v ? "true" : "false")).join(",");
    case "FP16":
      return floats(Array.from(data as Uint16Array, fromHalf));
    case "FP32":
    case "FP64":
      return floats(data as Float32Array);
    default:
      // Integers (64-bit ones as bigints): join prints every digit.
      return (data as Int32Array).join(",");
  }
}

function tensorText(t: ResponseTensor): string {
  const parameters = t.parameters ? `,"parameters":${JSON.stringify(t.parameters)}` : "";
  return `{"name":${nameText(t.name)},"datatype":"${t.datatype}","shape":[${t.shape.join(",")}]${parameters},"data":[${dataText(t)}]}`;
}

/** The response body: `{"model_name", "model_version", "id", "parameters"?, "outputs"}`. */
export function inferResponseText(r: InferResponse): string {
  const parameters = r.parameters ? `,"parameters":${JSON.stringify(r.parameters)}` : "";
  let outputs = "";
  for (let i = 0; i < r.outputs.length; i++) {
    outputs += `${i > 0 ? "," : ""}${tensorText(r.outputs[i] as ResponseTensor)}`;
  }
  return `{"model_name":${nameText(r.modelName)},"model_version":${nameText(r.modelVersion)},"id":${stringText(r.id)}${parameters},"outputs":[${outputs}]}`;
}
