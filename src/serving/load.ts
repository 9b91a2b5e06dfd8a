import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { ModelgateError } from "../errors.js";
import type { ModelCacheObserver } from "../metrics/types.js";
import { loadOnnxModel } from "../runtimes/onnx/index.js";
import type { TensorRunner } from "../runtimes/onnx/index.js";
import { createRemoteModel } from "../runtimes/remote/index.js";
import { compileInputValidator, readSpecFile } from "../spec/index.js";
import type { ModelSpec } from "../spec/index.js";
import type { ModelRecord } from "../store/index.js";
import { createBatcher } from "./batcher.js";
import { createTensorBatcher } from "./tensor-batcher.js";
import type { LoadedModel, LoadModel } from "./cache.js";

/** A package made available on local disk by its source. */
export interface PackageOnDisk {
  dir: string;
  revision: string | null;
  /** Set when the source could not be refreshed and a verified cached copy is served. */
  refreshError?: ModelgateError | null;
}

export interface LoaderDeps {
  fetchPackage: (record: ModelRecord) => Promise<PackageOnDisk>;
  /** HUGGINGFACE_API_KEY, for remote runtimes that call a Hugging Face endpoint. */
  token?: string | undefined;
  /** Told what was loaded (to record the exact revision, and a spec registered without one). */
  onLoaded?: (
    record: ModelRecord,
    loaded: { spec: ModelSpec; revision: string | null },
  ) => Promise<void>;
  /** Queue wait, inference time and batch size of each model's runs (GET /metrics). */
  metrics?: Pick<ModelCacheObserver, "batches">;
}

interface Runtime {
  predict(rows: readonly Record<string, unknown>[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

async function openRuntime(dir: string, spec: ModelSpec, record: ModelRecord, deps: LoaderDeps) {
  if (spec.runtime.type === "remote") {
    const runtime: Runtime = createRemoteModel(spec, { modelId: record.id, token: deps.token });
    return { runtime, sizeBytes: 0, inferenceMethod: "api" as const, tensors: undefined };
  }
  const onnx = await loadOnnxModel(dir, spec);
  const runtime: Runtime = onnx;
  const sizeBytes = (await stat(join(dir, spec.runtime.file))).size;
  const tensors: TensorRunner = {
    graph: onnx.graph,
    run: (feeds, fetches) => onnx.run(feeds, fetches),
  };
  return { runtime, sizeBytes, inferenceMethod: "local" as const, tensors };
}

/** source → package on disk → validated spec → runtime (ONNX in-process, or an upstream). */
export function modelLoader(deps: LoaderDeps): LoadModel {
  return async function loadModel(record: ModelRecord): Promise<LoadedModel> {
    const pkg = await deps.fetchPackage(record);
    const spec = await readSpecFile(pkg.dir);
    const { runtime, sizeBytes, inferenceMethod, tensors } = await openRuntime(
      pkg.dir,
      spec,
      record,
      deps,
    );
    const validate = compileInputValidator(spec);
    const maxBatch = record.maxBatchSize ?? spec.max_batch_size;
    // Concurrent requests share model runs; a run never exceeds the model's batch limit.
    const batcher = createBatcher(
      (rows) => runtime.predict(rows),
      maxBatch,
      deps.metrics?.batches(record.id),
    );
    await deps.onLoaded?.(record, { spec, revision: pkg.revision });
    return {
      spec: { ...spec, max_batch_size: maxBatch },
      revision: pkg.revision,
      inferenceMethod,
      sizeBytes,
      refreshError: pkg.refreshError ?? null,
      validate,
      predict: (rows) => batcher.submit(rows),
      // Tensors sent as they are share runs too, when the graph batches on its first dimension.
      ...(tensors ? { tensors: createTensorBatcher(tensors, maxBatch) } : {}),
      close: () => runtime.close(),
    };
  };
}
