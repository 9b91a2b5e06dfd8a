import { loadOnnxModel } from "../runtimes/onnx/index.js";
import { fetchPackage } from "../sources/index.js";
import { compileInputValidator, readSpecFile } from "../spec/index.js";
import type { ModelRecord } from "../store/index.js";
import { createBatcher } from "./batcher.js";
import type { LoadedModel } from "./cache.js";

/** source → package on disk → validated spec → runtime session. */
export async function loadModel(record: ModelRecord): Promise<LoadedModel> {
  const pkg = await fetchPackage(record.source, record.id);
  const spec = await readSpecFile(pkg.dir);
  const runtime = await loadOnnxModel(pkg.dir, spec);
  const validate = compileInputValidator(spec);
  const maxBatch = record.maxBatchSize ?? spec.max_batch_size;
  // Concurrent requests share model runs; a run never exceeds the model's batch limit.
  const batcher = createBatcher((rows) => runtime.predict(rows), maxBatch);
  return {
    spec: { ...spec, max_batch_size: maxBatch },
    revision: pkg.revision,
    validate,
    predict: (rows) => batcher.submit(rows),
    close: () => runtime.close(),
  };
}
