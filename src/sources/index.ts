import { ModelgateError } from "../errors.js";
import { formatLocalSource, parseLocalSource, resolveLocalSource } from "./local.js";

export { BUILTIN_MODELS_DIR } from "./local.js";

/** A model package made available on local disk, ready for a runtime to open. */
export interface FetchedPackage {
  dir: string;
  /** What exactly is served (a commit for remote sources); null for a plain folder. */
  revision: string | null;
}

/**
 * Normalises a source given by a person (CLI, admin API) into the form stored with the model;
 * throws `invalid_request` naming the accepted forms when it cannot be read.
 */
export function normaliseSource(text: string, cwd: string): string {
  const local = parseLocalSource(text.trim(), cwd);
  if (!local) {
    throw new ModelgateError(
      "invalid_request",
      `The source "${text}" is not supported: give a folder path, file:///abs/path or builtin:NAME.`,
      { errors: [{ field: "source", problem: "unsupported source" }] },
    );
  }
  return formatLocalSource(local);
}

/** Makes the package of a registered model available on disk. */
export async function fetchPackage(source: string, modelId: string): Promise<FetchedPackage> {
  const local = parseLocalSource(source, "/");
  if (!local) {
    throw new ModelgateError(
      "model_unavailable",
      `Model ${modelId} cannot be served: its source "${source}" is of a kind this version cannot read.`,
    );
  }
  return { dir: await resolveLocalSource(local, modelId), revision: null };
}

/**
 * What stands between a registered model and being served, checked without loading it:
 * null when nothing does, else the sentence /ready shows.
 */
export async function checkSource(source: string, modelId: string): Promise<ModelgateError | null> {
  try {
    await fetchPackage(source, modelId);
    return null;
  } catch (err) {
    return err instanceof ModelgateError
      ? err
      : new ModelgateError("model_unavailable", `Model ${modelId}: ${String(err)}`, { cause: err });
  }
}
