/**
 * MLflow's `MLmodel` file (YAML): which flavors a model was logged with, the onnx flavor's data
 * file, the signature (its inputs and outputs, each a JSON list inside the YAML) and the
 * user-given `metadata`. Read as data only: YAML tags are never resolved to anything but
 * strings and numbers, and nothing a flavor names (a loader module, code, a pickle) is loaded.
 */

/** One signature column (column-based) or tensor (tensor-based), as MLflow writes it. */
export interface SignatureEntry {
  /** MLflow's type: double, float, long, integer, boolean, string, binary, datetime, array,
   *  object, ... or "tensor". */
  type: string;
  name: string | null;
  /** Column-based: whether the column must be present (MLflow's default: true). */
  required: boolean;
  /** Tensor-based: numpy dtype and shape (-1 for a dynamic dimension). */
  tensor: { dtype: string; shape: number[] } | null;
}

export interface Signature {
  inputs: SignatureEntry[] | null;
  outputs: SignatureEntry[] | null;
}

export interface MlModel {
  /** Every flavor the model was logged with (onnx, python_function, sklearn, ...). */
  flavors: string[];
  /** The onnx flavor's model file, relative to the model's folder; null without that flavor. */
  onnxData: string | null;
  signature: Signature | null;
  /** MLmodel's `metadata` (mlflow.*.log_model(metadata=...)); null when absent. */
  metadata: Record<string, unknown> | null;
  runId: string | null;
  /** The saved input example's file (saved_input_example_info.artifact_path), if any. */
  inputExample: string | null;
}

/** MLmodel cannot be read: the problem, as the end of a sentence. */
export class MlModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MlModelError";
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readEntries(value: unknown, what: string): SignatureEntry[] | null {
  if (value === null || value === undefined) return null;
  let list: unknown = value;
  if (typeof value === "string") {
    try {
      list = JSON.parse(value);
    } catch {
      throw new MlModelError(`signature.${what} is not the JSON list MLflow writes`);
    }
  }
  if (!Array.isArray(list)) throw new MlModelError(`signature.${what} is not a list`);
  return list.map((item, i): SignatureEntry => {
    if (!isObject(item)) throw new MlModelError(`signature.${what}[${i}] is not an object`);
    const type = isObject(item.type) ? String(item.type.type) : String(item.type);
    const spec = item["tensor-spec"];
    const tensor =
      type === "tensor" && isObject(spec)
        ? {
            dtype: String(spec.dtype),
            shape: Array.isArray(spec.shape) ? spec.shape.map((d) => Number(d)) : [],
          }
        : null;
    if (type === "tensor" && !tensor) {
      throw new MlModelError(`signature.${what}[${i}] is a tensor without a tensor-spec`);
    }
    return {
      type,
      name: typeof item.name === "string" ? item.name : null,
      required: item.required !== false,
      tensor,
    };
  });
}

/**
 * Reads MLmodel's text; MlModelError names what is wrong with it. The YAML parser is loaded on
 * first use: a server with no MLflow model never holds it (~8 MB of resident memory).
 */
export async function parseMlModel(text: string): Promise<MlModel> {
  const { parse, YAMLError } = await import("yaml");
  let doc: unknown;
  try {
    // Aliases are bounded (a "billion laughs" file stops early); tags stay plain data.
    // Warnings (an unknown tag such as !!python/object) are not printed: the value stays a string.
    doc = parse(text, {
      maxAliasCount: 100,
      uniqueKeys: true,
      prettyErrors: false,
      logLevel: "error",
    });
  } catch (err) {
    const why = err instanceof YAMLError ? err.message.split("\n")[0] : String(err);
    throw new MlModelError(`it is not valid YAML (${why})`);
  }
  if (!isObject(doc)) throw new MlModelError("it is not a YAML mapping");
  if (!isObject(doc.flavors) || Object.keys(doc.flavors).length === 0) {
    throw new MlModelError("it lists no flavors");
  }
  const onnx = doc.flavors.onnx;
  const data = isObject(onnx) ? onnx.data : undefined;
  if (onnx !== undefined && typeof data !== "string") {
    throw new MlModelError("its onnx flavor names no data file (flavors.onnx.data)");
  }
  const sig = doc.signature;
  const signature = isObject(sig)
    ? { inputs: readEntries(sig.inputs, "inputs"), outputs: readEntries(sig.outputs, "outputs") }
    : null;
  return {
    flavors: Object.keys(doc.flavors),
    onnxData: typeof data === "string" ? data : null,
    signature,
    metadata: isObject(doc.metadata) ? doc.metadata : null,
    runId: typeof doc.run_id === "string" ? doc.run_id : null,
    inputExample:
      isObject(doc.saved_input_example_info) &&
      typeof doc.saved_input_example_info.artifact_path === "string"
        ? doc.saved_input_example_info.artifact_path
        : null,
  };
}

/** How to get an ONNX model out of the flavors a model has, as one sentence. */
export function exportAdvice(flavors: readonly string[]): string {
  const has = (f: string) => flavors.includes(f);
  const how = has("sklearn")
    ? "convert it with skl2onnx (`to_onnx(model, X[:1], options={id(model): {'zipmap': False}})`)"
    : has("xgboost") || has("lightgbm")
      ? "convert it with onnxmltools (`convert_xgboost` / `convert_lightgbm`, then `to_onnx` without ZipMap)"
      : has("pytorch")
        ? "export it with `torch.onnx.export`"
        : has("tensorflow") || has("keras")
          ? "convert it with tf2onnx"
          : "export it to ONNX with your framework's converter";
  return `${how}, log it with \`mlflow.onnx.log_model(onnx_model, ..., signature=...)\`, register that version and point the source (or its alias) at it`;
}
