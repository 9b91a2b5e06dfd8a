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

function dataText(t: ResponseTensor): string {
  const data = t.data;
  if (t.json === true || t.datatype === "BYTES") {
    return (data as readonly unknown[]).map((v) => JSON.stringify(v) ?? "null").join(",");
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
  return `{"name":${JSON.stringify(t.name)},"datatype":"${t.datatype}","shape":[${t.shape.join(",")}]${parameters},"data":[${dataText(t)}]}`;
}

/** The response body: `{"model_name", "model_version", "id", "parameters"?, "outputs"}`. */
export function inferResponseText(r: InferResponse): string {
  const parameters = r.parameters ? `,"parameters":${JSON.stringify(r.parameters)}` : "";
  return `{"model_name":${JSON.stringify(r.modelName)},"model_version":${JSON.stringify(r.modelVersion)},"id":${JSON.stringify(r.id)}${parameters},"outputs":[${r.outputs.map(tensorText).join(",")}]}`;
}
