import { Tensor } from "onnxruntime-node";
import type { InferenceSession } from "onnxruntime-node";
import type { OrtSession } from "./native-session.js";
import { ModelgateError } from "../../errors.js";
import { modelKind } from "../../spec/index.js";
import type { ModelSpec } from "../../spec/index.js";

export interface OnnxSessionOptions {
  /**
   * Threads for one run. 1 by default: on the busy 2-core machine we measured, a second thread
   * made model 21 about 2× slower for 1 row and for 64-row batches in most runs, and parallel
   * requests already use the cores (docs/model-package.md has the figures).
   */
  intraOpNumThreads?: number;
}

export function sessionOptions(options: OnnxSessionOptions): InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: options.intraOpNumThreads ?? 1,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
    // onnxruntime's warnings go straight to stderr, bypassing our logger; keep only errors.
    logSeverityLevel: 3,
  };
}

/** The first line of an error message, short enough for a `detail`. */
export function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = (text.split("\n").find((l) => l.trim() !== "") ?? text).trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

function invalid(path: string, problem: string, cause?: unknown): ModelgateError {
  return new ModelgateError("model_invalid", `${path}: ${problem}`, cause ? { cause } : {});
}

/** What the probe run's output must look like for one row, by the model's kind. */
function checkProbeShape(
  dims: readonly number[],
  spec: Pick<ModelSpec, "kind" | "classes" | "targets">,
  positive: number,
): string | null {
  const [rows, columns] = dims;
  const kind = modelKind(spec);
  if (kind === "regression") {
    const k = spec.targets?.length ?? 1;
    const fits = rows === 1 && (dims.length === 2 ? columns === k : dims.length === 1 && k === 1);
    if (fits) return null;
    return k === 1
      ? "expected [1] or [1, 1]: one value a row (or declare `targets` for [N, K])"
      : `expected [1, ${k}]: one value per target (${k} in \`targets\`)`;
  }
  if (dims.length !== 2 || rows !== 1 || columns === undefined) {
    return "expected [1, C] class scores for one row";
  }
  if (kind === "multiclass") {
    const c = spec.classes?.length ?? 0;
    return columns === c ? null : `expected [1, ${c}]: one score per class (${c} in \`classes\`)`;
  }
  return columns > positive ? null : `expected [1, C] with C > positive_class_index (${positive})`;
}

/**
 * Checks that the session is the model the spec describes: the named input and output exist,
 * the input is float32 [N, F] with F = the spec's feature count, and a probe run on one row
 * yields what the kind maps: [1, C] class scores (C > positive_class_index for binary, C = the
 * number of classes for multiclass), or [1] / [1, K] values (regression).
 */
export async function checkSession(
  session: OrtSession,
  spec: Pick<ModelSpec, "kind" | "classes" | "targets">,
  runtime: { input: string; output: string; positive: number },
  path: string,
  width: number,
): Promise<void> {
  const { input, output, positive } = runtime;
  if (!session.inputNames.includes(input)) {
    throw invalid(
      path,
      `has no input "${input}" (runtime.input); its inputs are: ${session.inputNames.join(", ")}`,
    );
  }
  if (!session.outputNames.includes(output)) {
    throw invalid(
      path,
      `has no output "${output}" (runtime.output); its outputs are: ${session.outputNames.join(", ")}`,
    );
  }
  const inMeta = session.inputMetadata.find((m) => m.name === input);
  if (inMeta?.isTensor) {
    if (inMeta.type !== "float32") {
      throw invalid(
        path,
        `input "${input}" takes ${inMeta.type}; modelgate feeds a float32 [N, F] tensor`,
      );
    }
    const columns = inMeta.shape[1];
    if (inMeta.shape.length !== 2) {
      throw invalid(
        path,
        `input "${input}" has shape [${inMeta.shape.join(", ")}]; modelgate feeds [N, F]`,
      );
    }
    if (typeof columns === "number" && columns !== width) {
      throw invalid(
        path,
        `the model takes ${columns} features per row but modelgate.json lists ${width} (features)`,
      );
    }
  }
  const outMeta = session.outputMetadata.find((m) => m.name === output);
  if (outMeta && !outMeta.isTensor) {
    throw invalid(
      path,
      `output "${output}" is not a tensor (a ZipMap?); export the classifier without ZipMap`,
    );
  }
  let result: InferenceSession.OnnxValueMapType;
  try {
    const probe = new Tensor("float32", new Float32Array(width), [1, width]);
    result = session.run({ [input]: probe }, [output]);
  } catch (err) {
    throw invalid(
      path,
      `a probe run with ${width} features (as modelgate.json lists) failed: ${firstLine(err)}`,
      err,
    );
  }
  const scores = result[output];
  if (!scores || (scores.type !== "float32" && scores.type !== "float64")) {
    const what = modelKind(spec) === "regression" ? "float values" : "float class scores";
    throw invalid(path, `output "${output}" must be ${what}, got ${scores?.type ?? "nothing"}`);
  }
  const problem = checkProbeShape(scores.dims, spec, positive);
  if (problem) {
    throw invalid(
      path,
      `output "${output}" has shape [${scores.dims.join(", ")}] for one row; ${problem}`,
    );
  }
}
