import { join } from "node:path";
import { Tensor } from "onnxruntime-node";
import { ModelgateError } from "../../errors.js";
import { readRegularFile } from "../../sources/safe-file.js";
import {
  compileFeaturePipeline,
  compileRowMapper,
  modelKind,
  onnxRuntimeOf,
  readSpecFile,
} from "../../spec/index.js";
import type { ModelSpec } from "../../spec/index.js";
import { openSession } from "./native-session.js";
import type { OrtSession } from "./native-session.js";
import { checkSession, firstLine, sessionOptions } from "./session.js";
import type { OnnxSessionOptions } from "./session.js";
import { graphTensors } from "./tensors.js";
import type { GraphTensors } from "./tensors.js";

type Row = Readonly<Record<string, unknown>>;

/** What the Open Inference Protocol needs of a graph: its tensors, and runs on raw tensors. */
export type TensorRunner = Pick<OnnxModel, "graph" | "run">;

/** A loaded ONNX model package: one inference session, reused by every call. */
export interface OnnxModel {
  readonly spec: ModelSpec;
  /** The graph's inputs and outputs (names, element types, shapes). */
  readonly graph: GraphTensors;
  /** Already-validated rows → mapped outputs, in order, with one session run for the batch. */
  predict(rows: readonly Row[]): Promise<Record<string, unknown>[]>;
  /**
   * The number each row's outputs start from (one session run): binary, the positive class's
   * probability; multiclass, the predicted class's; regression, the first value.
   */
  probabilities(rows: readonly Row[]): Promise<Float64Array>;
  /**
   * Runs the graph on tensors as they are (the Open Inference Protocol): `fetches` are the
   * outputs wanted. A run onnxruntime refuses is the caller's inputs' fault (invalid_tensor).
   */
  run(feeds: Record<string, Tensor>, fetches: readonly string[]): Promise<Record<string, Tensor>>;
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

function tensorOnly(spec: ModelSpec): ModelgateError {
  return new ModelgateError(
    "invalid_request",
    `Model ${spec.id} is a "tensor" model (no feature spec in its modelgate.json): send its input tensors to POST /v2/models/${spec.id}/infer.`,
    {
      errors: [
        { field: "inputs", problem: "this model takes tensors only (Open Inference Protocol)" },
      ],
    },
  );
}

/**
 * Loads `<dir>/<spec.runtime.file>` into one onnxruntime session and checks it fits the spec
 * (input/output names, feature count, what the output holds for the model's kind) with a probe
 * run, so that a broken package fails here, at load, as model_invalid naming the file — never
 * later, as a 500 on a request. A "tensor" model is not probed: it has no feature spec to check.
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
  let session: OrtSession;
  try {
    session = openSession(bytes, sessionOptions(options));
  } catch (err) {
    throw new ModelgateError(
      "model_invalid",
      `${path}: onnxruntime cannot load it as an ONNX model (${firstLine(err)})`,
      { cause: err },
    );
  }
  const kind = modelKind(theSpec);
  const pipeline = compileFeaturePipeline(theSpec);
  const mapRow = compileRowMapper(theSpec);
  const input = runtime.input ?? "";
  const output = runtime.output ?? "";
  const positive = runtime.positive_class_index ?? 0;
  try {
    if (kind !== "tensor") {
      await checkSession(session, theSpec, { input, output, positive }, path, pipeline.width);
    }
  } catch (err) {
    session.release();
    throw err;
  }
  const graph = graphTensors(session);
  const width = pipeline.width;
  let closed = false;
  // close() can come from a cache eviction while requests are still running on the session:
  // release only once the last of them has finished.
  let running = 0;
  let released = false;
  const releaseWhenIdle = () => {
    if (closed && running === 0 && !released) {
      released = true;
      try {
        session.release();
      } catch {
        // Nothing can be done about a failed release of a session being dropped anyway.
      }
    }
  };
  function refuseClosed(): void {
    if (closed) {
      throw new ModelgateError(
        "model_unavailable",
        `model ${theSpec.id} was unloaded; retry the request`,
      );
    }
  }

  /** The output tensor's data for the rows, and its columns a row. */
  async function scores(
    rows: readonly Row[],
  ): Promise<{ data: ArrayLike<number>; columns: number }> {
    if (kind === "tensor") throw tensorOnly(theSpec);
    refuseClosed();
    const n = rows.length;
    if (n === 0) return { data: new Float64Array(0), columns: 0 };
    const feeds = { [input]: new Tensor("float32", pipeline.encode(rows), [n, width]) };
    running++;
    try {
      // Synchronous: the batcher calls this at the end of the turn that gathered the rows.
      const out = session.run(feeds, [output]);
      const tensor = out[output];
      if (!tensor) throw new TypeError(`no "${output}" in the session's results`);
      const data = tensor.data as Float32Array | Float64Array;
      return { data, columns: data.length / n };
    } catch (err) {
      // The probe run at load passed, so a failure now is modelgate's bug, not the package's.
      throw new ModelgateError("internal_error", undefined, { cause: err });
    } finally {
      running--;
      releaseWhenIdle();
    }
  }

  async function run(
    feeds: Record<string, Tensor>,
    fetches: readonly string[],
  ): Promise<Record<string, Tensor>> {
    refuseClosed();
    running++;
    try {
      return session.run(feeds, fetches);
    } catch (err) {
      // Names, types and fixed dimensions were checked against the graph before the run: what
      // is left (dimensions that must agree, values an operator refuses) is the inputs' fault.
      throw new ModelgateError(
        "invalid_tensor",
        `onnxruntime refused the input tensors of model ${theSpec.id}: ${firstLine(err)}`,
        { cause: err },
      );
    } finally {
      running--;
      releaseWhenIdle();
    }
  }

  return {
    spec: theSpec,
    graph,
    async probabilities(rows) {
      const { data, columns } = await scores(rows);
      const result = new Float64Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const base = i * columns;
        let p = data[base + (kind === "binary" ? positive : 0)] ?? Number.NaN;
        if (kind === "multiclass") {
          for (let c = 1; c < columns; c++) p = Math.max(p, data[base + c] ?? Number.NaN);
        }
        result[i] = p;
      }
      return result;
    },
    async predict(rows) {
      const { data, columns } = await scores(rows);
      return rows.map((row, i) => mapRow(row, data, i * columns));
    },
    run,
    async close() {
      closed = true;
      releaseWhenIdle();
    },
  };
}
