import { loadOnnxModel } from "../runtimes/onnx/index.js";
import { fetchPackage } from "../sources/index.js";
import { compileInputValidator, readSpecFile } from "../spec/index.js";
import type { ModelRecord } from "../store/index.js";
import type { LoadedModel } from "./cache.js";

/** source → package on disk → validated spec → runtime session. */
export async function loadModel(record: ModelRecord): Promise<LoadedModel> {
  const pkg = await fetchPackage(record.source, record.id);
  const spec = await readSpecFile(pkg.dir);
  const runtime = await loadOnnxModel(pkg.dir, spec);
  const validate = compileInputValidator(spec);
  return {
    spec: { ...spec, max_batch_size: record.maxBatchSize ?? spec.max_batch_size },
    revision: pkg.revision,
    validate,
    predict: (rows) => runtime.predict(rows),
    close: () => runtime.close(),
  };
}
