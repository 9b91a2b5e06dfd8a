/**
 * Where model packages come from: a local folder, `builtin:NAME`, a Hugging Face Hub repository
 * (`hf://owner/repo[@revision]`, private or public), an MLflow registry model version
 * (`models:/name/version`, `models:/name@alias`) or an http(s) archive or folder; see
 * docs/sources.md. Remote packages land in the disk artifact cache
 * (`<dataDir>/artifacts/<source>/<revision>/`), verified, written atomically, shared by
 * concurrent callers, and served from there when the source cannot be asked.
 */
import { checkSourceOf, probeSourceOf, requirementsOf } from "./check.js";
import { fetchHttpPackage } from "./http/fetch.js";
import { fetchHfPackage } from "./huggingface/fetch.js";
import { limitsOf } from "./limits.js";
import { resolveLocalSource } from "./local.js";
import { fetchMlflowPackage } from "./mlflow/fetch.js";
import { toSource } from "./parse.js";
import type {
  FetchedPackage,
  FetchOptions,
  ProbeResult,
  Source,
  SourceCheck,
  SourceContext,
  SourceRequirements,
} from "./types.js";

export type * from "./types.js";
export { ACCEPTED_FORMS, formatSource, normaliseSource, parseSource } from "./parse.js";
export { sourceContextFromConfig } from "./context.js";
export { BUILTIN_MODELS_DIR } from "./local.js";
export { verifyComplete as verifyCachedPackage } from "./cache/store.js";
export { readRegularFile } from "./safe-file.js";
export { SourceAbortedError } from "./limits.js";

/**
 * Makes a registered model's package available on disk. Throws a ModelgateError naming the
 * problem: source_credentials_missing, source_unauthorized, source_not_found,
 * source_unreachable (with Retry-After), source_too_large (a limit, named with its setting),
 * source_file_refused (a link or device in a folder), model_invalid, invalid_request (a
 * malformed source); SourceAbortedError when `options.signal` fires.
 * @param source the stored source text (or a parsed Source)
 */
export async function fetchPackage(
  source: string | Source,
  modelId: string,
  ctx: SourceContext,
  options: FetchOptions = {},
): Promise<FetchedPackage> {
  const parsed = toSource(source);
  switch (parsed.kind) {
    case "builtin":
    case "local":
      return {
        dir: await resolveLocalSource(parsed, modelId, limitsOf(ctx)),
        revision: null,
        fromCache: false,
      };
    case "huggingface":
      return fetchHfPackage(parsed, modelId, ctx, options);
    case "http":
      return fetchHttpPackage(parsed, modelId, ctx, options);
    case "mlflow":
      return fetchMlflowPackage(parsed, modelId, ctx, options);
  }
}

/** What the source needs (e.g. HUGGINGFACE_API_KEY for a private repository), offline. */
export async function sourceRequirements(
  source: string | Source,
  modelId: string,
  ctx: SourceContext,
  options: Pick<FetchOptions, "lastRevision"> = {},
): Promise<SourceRequirements> {
  return requirementsOf(toSource(source), modelId, ctx, options);
}

/**
 * Asks the source, without downloading, whether the package can be fetched: for the Hub, the
 * token (whoami-v2), the repository and revision, and its visibility (recorded for later checks).
 */
export async function probeSource(
  source: string | Source,
  modelId: string,
  ctx: SourceContext,
  options: Pick<FetchOptions, "lastRevision"> = {},
): Promise<ProbeResult> {
  return probeSourceOf(toSource(source), modelId, ctx, options);
}

/** For /ready: can a model that is not loaded be expected to load? No network, no download. */
export async function checkSource(
  source: string | Source,
  modelId: string,
  ctx: SourceContext,
  options: Pick<FetchOptions, "lastRevision"> = {},
): Promise<SourceCheck> {
  return checkSourceOf(toSource(source), modelId, ctx, options);
}
