/**
 * What a models:/ source needs and whether it is met, without downloading: `mlflowRequirements`
 * and `mlflowCheck` read only the configuration and the disk cache (what the tracking server
 * last said: whether it wants credentials), `probeMlflow` asks the server which version the
 * source names. Expected failures are values, never thrown.
 */
import { isModelgateError } from "../../errors.js";
import { findCached, readMeta, readRef, writeMeta } from "../cache/store.js";
import type {
  FetchOptions,
  ProbeResult,
  SourceCheck,
  SourceContext,
  SourceRequirement,
  SourceRequirements,
} from "../types.js";
import { credentialOf, resolveVersion, settingsProblem, trackingBase } from "./api.js";
import {
  credentialsMissing,
  credentialsMissingSentence,
  credentialVariables,
  TOKEN_VARIABLE,
  URI_VARIABLE,
} from "./errors.js";
import type { MlflowSource } from "./fetch.js";
import { CERT_PATH_VARIABLE, INSECURE_TLS_VARIABLE } from "./tls.js";
import { callSite, cannotAsk } from "./fetch.js";
import { formatMlflowSource, pinnedVersion, refName, versionRevision } from "./uri.js";

/** The verified copy that would be served if the tracking server could not be asked. */
export async function mlflowCachedRevision(
  source: MlflowSource,
  ctx: SourceContext,
  lastRevision?: string | null,
): Promise<string | null> {
  const pinned = pinnedVersion(source);
  const candidates = pinned
    ? [versionRevision(pinned)]
    : [lastRevision, await readRef(ctx, source, refName(source))];
  return (await findCached(ctx, source, candidates))?.revision ?? null;
}

const TLS_VARIABLES = new Set([CERT_PATH_VARIABLE, INSECURE_TLS_VARIABLE]);

export async function mlflowRequirements(
  source: MlflowSource,
  modelId: string,
  ctx: SourceContext,
  options: Pick<FetchOptions, "lastRevision"> = {},
): Promise<SourceRequirements> {
  const text = formatMlflowSource(source);
  const meta = await readMeta(ctx, source);
  const visibility = meta?.visibility ?? "unknown";
  const cachedRevision = await mlflowCachedRevision(source, ctx, options.lastRevision);
  const problem = settingsProblem(ctx.mlflow, modelId, text);
  const requirements: SourceRequirement[] = [
    {
      variable: URI_VARIABLE,
      reason: `model ${modelId} is stored in an MLflow registry (source ${text})`,
      met: problem?.variable !== URI_VARIABLE,
      problem: problem?.variable === URI_VARIABLE ? problem.error.detail : null,
    },
  ];
  if (problem && problem.variable !== URI_VARIABLE) {
    requirements.push({
      variable: problem.variable,
      reason: TLS_VARIABLES.has(problem.variable)
        ? `model ${modelId}'s MLflow tracking server is reached over TLS with this setting`
        : `model ${modelId}'s MLflow tracking server is read with basic auth`,
      met: false,
      problem: problem.error.detail,
    });
  } else if (visibility === "private") {
    const server = trackingBase(ctx.mlflow) ?? "its tracking server";
    const kind = credentialOf(ctx.mlflow).kind;
    requirements.push({
      variable: kind ? credentialVariables(kind) : TOKEN_VARIABLE,
      reason: `model ${modelId} is stored in the MLflow registry at ${server}, which requires credentials`,
      met: kind !== null,
      problem: kind ? null : credentialsMissingSentence(modelId, server),
    });
  }
  return { requirements, visibility, cachedRevision };
}

export async function mlflowCheck(
  source: MlflowSource,
  modelId: string,
  ctx: SourceContext,
  options: Pick<FetchOptions, "lastRevision"> = {},
): Promise<SourceCheck> {
  const { requirements, cachedRevision } = await mlflowRequirements(source, modelId, ctx, options);
  const unmet = requirements.find((r) => !r.met);
  const blocker =
    cannotAsk(source, modelId, ctx) ??
    (unmet ? credentialsMissing(callSite(source, modelId, ctx)) : null);
  const copy = cachedRevision ? `version ${cachedRevision.slice(1)}` : "";
  if (blocker && cachedRevision) {
    return {
      ok: true,
      fromCache: true,
      reason: `model ${modelId} is served from the disk cache (${copy}) and cannot be refreshed: ${unmet?.problem ?? blocker.detail}`,
      error: blocker,
    };
  }
  if (blocker) return { ok: false, fromCache: false, reason: blocker.detail, error: blocker };
  if (cachedRevision) {
    return {
      ok: true,
      fromCache: true,
      reason: `a verified copy (${copy}) is in the disk cache; loads on first request`,
      error: null,
    };
  }
  return {
    ok: true,
    fromCache: false,
    reason: `not downloaded yet: fetched from the MLflow registry at ${trackingBase(ctx.mlflow) ?? "?"} on first request`,
    error: null,
  };
}

export async function probeMlflow(
  source: MlflowSource,
  modelId: string,
  ctx: SourceContext,
  options: Pick<FetchOptions, "lastRevision"> = {},
): Promise<ProbeResult> {
  const site = callSite(source, modelId, ctx);
  const known = async () => {
    const visibility = (await readMeta(ctx, source))?.visibility;
    return visibility === undefined ? null : visibility === "private";
  };
  const cachedRevision = () => mlflowCachedRevision(source, ctx, options.lastRevision);
  const blocked = cannotAsk(source, modelId, ctx);
  const base = trackingBase(ctx.mlflow);
  if (blocked || !base) {
    const error = blocked ?? credentialsMissing(site);
    return { ok: false, error, private: await known(), cachedRevision: await cachedRevision() };
  }
  try {
    const resolved = await resolveVersion(ctx, base, site, source);
    if (!site.credential) await writeMeta(ctx, source, "public");
    const as = site.credential ? `; ${credentialVariables(site.credential)} accepted` : "";
    return {
      ok: true,
      revision: versionRevision(resolved.version),
      private: site.credential ? await known() : false,
      detail: `${site.source} resolves to version ${resolved.version} on the MLflow registry at ${base}${as}`,
    };
  } catch (err) {
    if (!isModelgateError(err)) throw err;
    if (err.code === "source_credentials_missing" && !site.credential) {
      await writeMeta(ctx, source, "private");
    }
    return {
      ok: false,
      error: err,
      private: await known(),
      cachedRevision: await cachedRevision(),
    };
  }
}
