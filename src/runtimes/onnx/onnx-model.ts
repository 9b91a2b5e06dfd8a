import { join } from "node:path";
import { InferenceSession, Tensor } from "onnxruntime-node";
import { ModelgateError } from "../../errors.js";
import { readRegularFile } from "../../sources/safe-file.js";
import {
  compileFeaturePipeline,
  compileOutputMapper,
  onnxRuntimeOf,
  readSpecFile,
} from "../../spec/index.js";
import type { ModelSpec } from "../../spec/index.js";
import { checkSession, firstLine, sessionOptions } from "./session.js";
import type { OnnxSessionOptions } from "./session.js";

type Row = Readonly<Record<string, unknown>>;

/** A loaded ONNX model package: one inference session, reused by every call. */
export interface OnnxModel {
  readonly spec: ModelSpec;
  /** Already-validated rows → mapped outputs, in order, with one session run for the batch. */
  predict(rows: readonly Row[]): Promise<Record<string, unknown>[]>;
  /** The positive-class probability of each row (one session run). */
  probabilities(rows: readonly Row[]): Promise<Float64Array>;
  /** Releases the native session; later calls fail with model_unavailable. */
  close(): Promise<void>;
}

async function readModelFile(path: string): Promise<Uint8Array> {
  try {
    // Only a regular file, read to its size at open: never a link, /dev/zero or a FIFO.
    return await readRegularFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "file not found" : `cannot be read (${code ?? String(err)})`;
    throw new ModelgateError("model_invalid", `${path}: ${why}`, { cause: err });
  }
}

/**
 * Loads `<dir>/<spec.runtime.file>` into one onnxruntime session and checks it fits the spec
 * (input/output names, feature count, class count) with a probe run, so that a broken package
 * fails here, at load, as model_invalid naming the file — never later, as a 500 on a request.
 *
 * Classifier outputs must be a plain [N, C] float tensor: export tree ensembles without ZipMap
 * (skl2onnx: options={"zipmap": False}); a ZipMap output (a sequence of maps) is refused.
 */
export async function loadOnnxModel(
  dir: string,
  spec?: ModelSpec,
  options: OnnxSessionOptions = {},
): Promise<OnnxModel> {
  const theSpec = spec ?? (await readSpecFile(dir));
  const runtime = onnxRuntimeOf(theSpec, join(dir, "modelgate.json"));
  const path = join(dir, runtime.file);
  const bytes = await readModelFile(path);
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(bytes, sessionOptions(options));
  } catch (err) {
    throw new ModelgateError(
      "model_invalid",
      `${path}: onnxruntime cannot load it as an ONNX model (${firstLine(err)})`,
      { cause: err },
    );
  }
  const pipeline = compileFeaturePipeline(theSpec);
  const mapOutputs = compileOutputMapper(theSpec);
  try {
    await checkSession(session, runtime, path, pipeline.width);
  } catch (err) {
    await session.release();
    throw err;
  }

  const { input, output, positive_class_index: positive } = runtime;
  const width = pipeline.width;
  let closed = false;
  // close() can come from a cache eviction while requests are still running on the session:
  // release only once the last of them has finished.
  let running = 0;
  let release: Promise<void> | undefined;
  const releaseWhenIdle = () => {
    if (closed && running === 0 && !release) {
      // Nothing can be done about a failed release of a session being dropped anyway.
      release = session.release().catch(() => undefined);
    }
    return release ?? Promise.resolve();
  };

  async function probabilities(rows: readonly Row[]): Promise<Float64Array> {
    if (closed) {
      throw new ModelgateError(
        "model_unavailable",
        `model ${theSpec.id} was unloaded; retry the request`,
      );
    }
    const n = rows.length;
    const result = new Float64Array(n);
    if (n === 0) return result;
    const feeds = { [input]: new Tensor("float32", pipeline.encode(rows), [n, width]) };
    let scores: Tensor;
    running++;
    try {
      const out = await session.run(feeds, [output]);
      const tensor = out[output];
      if (!tensor) throw new TypeError(`no "${output}" in the session's results`);
      scores = tensor;
    } catch (err) {
      // The probe run at load passed, so a failure now is modelgate's bug, not the package's.
      throw new ModelgateError("internal_error", undefined, { cause: err });
    } finally {
      running--;
      void releaseWhenIdle();
    }
    const data = scores.data as Float32Array | Float64Array;
    const classes = data.length / n;
    for (let i = 0; i < n; i++) result[i] = data[i * classes + positive] ?? Number.NaN;
    return result;
  }

  return {
    spec: theSpec,
    probabilities,
    async predict(rows) {
      const p = await probabilities(rows);
      return rows.map((row, i) => mapOutputs(row, p[i] ?? Number.NaN));
    },
    async close() {
      closed = true;
      await releaseWhenIdle();
    },
  };
}
