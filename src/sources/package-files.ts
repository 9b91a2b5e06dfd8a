/**
 * Which files of a remote package are fetched: `modelgate.json`, then the runtime file it names.
 * Nothing else in a repository is downloaded — no pickles, no Python, no README — and a spec
 * naming a code or pickle file as its model is refused: no code is ever loaded from a source.
 */
import { join } from "node:path";
import { isModelgateError, ModelgateError } from "../errors.js";
import type { ModelSpec } from "../spec/index.js";
import { parseSpec, SPEC_FILE } from "../spec/index.js";
import { MAX_SPEC_BYTES } from "./limits.js";
import { readRegularFile } from "./safe-file.js";

export { SPEC_FILE };

const CODE_OR_PICKLE =
  /\.(?:py|pyc|pyo|pkl|pickle|pt|pth|joblib|bin|so|dll|dylib|sh|js|mjs|cjs|exe)$/i;

/** A file modelgate never loads as a model: code or a pickle. */
export function isCodeOrPickle(path: string): boolean {
  return CODE_OR_PICKLE.test(path);
}

/** Package-relative, no "..", no absolute path, no odd characters (as the spec parser says). */
const SAFE_PATH = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

function invalid(modelId: string, where: string, problem: string, cause?: unknown): ModelgateError {
  return new ModelgateError(
    "model_invalid",
    `Model ${modelId} cannot be served: its package at ${where} is invalid: ${problem}.`,
    cause === undefined ? {} : { cause },
  );
}

/** The files besides modelgate.json that the runtime opens. */
export function runtimeFiles(spec: ModelSpec, modelId: string, where: string): string[] {
  const runtime = spec.runtime;
  switch (runtime.type) {
    case "onnx":
      if (!SAFE_PATH.test(runtime.file)) {
        throw invalid(modelId, where, `runtime.file "${runtime.file}" is not a package path`);
      }
      if (CODE_OR_PICKLE.test(runtime.file)) {
        throw invalid(
          modelId,
          where,
          `runtime.file "${runtime.file}" is a code or pickle file; modelgate loads only ONNX data`,
        );
      }
      return [runtime.file];
    case "remote":
      return [];
  }
}

/** Reads and validates the downloaded modelgate.json; any problem is `model_invalid`, named. */
export async function readPackageSpec(
  dir: string,
  modelId: string,
  where: string,
): Promise<ModelSpec> {
  const text = (await readRegularFile(join(dir, SPEC_FILE), MAX_SPEC_BYTES, SPEC_FILE)).toString(
    "utf8",
  );
  return parsePackageSpec(text, modelId, where);
}

/** Validates modelgate.json's text; any problem is `model_invalid`, named. */
export function parsePackageSpec(text: string, modelId: string, where: string): ModelSpec {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw invalid(modelId, where, `${SPEC_FILE} is not valid JSON (${why})`, err);
  }
  try {
    return parseSpec(json, SPEC_FILE);
  } catch (err) {
    if (isModelgateError(err)) throw invalid(modelId, where, err.detail, err);
    throw err;
  }
}
