/**
 * The cheap checks: what a source needs and whether a model can be expected to load, from the
 * configuration and the disk cache alone (no network, no download) — for /ready, which is polled.
 * And the probe: one question to the source, for start-up, registration and `doctor`.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { isModelgateError, ModelgateError } from "../errors.js";
import { findCached, readRef } from "./cache/store.js";
import { hubBase } from "./context.js";
import { httpError, shownUrl } from "./http/errors.js";
import type { HttpSource } from "./http/fetch.js";
import {
  credentialsMissing,
  looksLikeHfToken,
  malformedToken,
  offlineError,
} from "./huggingface/errors.js";
import type { HfSource } from "./huggingface/fetch.js";
import { hfRequirements, probeHf } from "./huggingface/probe.js";
import { limitsOf } from "./limits.js";
import { mlflowCheck, mlflowRequirements, probeMlflow } from "./mlflow/probe.js";
import { resolveLocalSource } from "./local.js";
import { HttpStatusError } from "./net/download.js";
import { resilientFetch } from "./net/transport.js";
import { formatSource } from "./parse.js";
import { SPEC_FILE } from "./package-files.js";
import type {
  FetchOptions,
  ProbeResult,
  Source,
  SourceCheck,
  SourceContext,
  SourceRequirements,
} from "./types.js";

type LocalSource = Extract<Source, { kind: "builtin" | "local" }>;

async function localProblem(
  source: LocalSource,
  modelId: string,
  ctx: SourceContext,
): Promise<ModelgateError | null> {
  try {
    await resolveLocalSource(source, modelId, limitsOf(ctx));
    return null;
  } catch (err) {
    if (isModelgateError(err)) return err;
    throw err;
  }
}

async function httpCached(source: HttpSource, ctx: SourceContext, last?: string | null) {
  const pinned = source.sha256 ? `sha256:${source.sha256}` : null;
  const latest = pinned ? null : await readRef(ctx, source, "latest");
  return (await findCached(ctx, source, [pinned, last, latest]))?.revision ?? null;
}

async function hfCheck(
  source: HfSource,
  modelId: string,
  ctx: SourceContext,
  options: Pick<FetchOptions, "lastRevision">,
): Promise<SourceCheck> {
  const { requirements, cachedRevision } = await hfRequirements(source, modelId, ctx, options);
  const unmet = requirements.find((r) => !r.met);
  const blocker = unmet
    ? ctx.token && !looksLikeHfToken(ctx.token)
      ? malformedToken(modelId, source.repo, hubBase(ctx))
      : credentialsMissing(modelId, source.repo)
    : ctx.offline
      ? offlineError(modelId, formatSource(source))
      : null;
  if (blocker && cachedRevision) {
    return {
      ok: true,
      fromCache: true,
      reason: `model ${modelId} is served from the disk cache (commit ${cachedRevision}) and cannot be refreshed: ${unmet?.problem ?? blocker.detail}`,
      error: blocker,
    };
  }
  if (blocker) return { ok: false, fromCache: false, reason: blocker.detail, error: blocker };
  if (cachedRevision) {
    return {
      ok: true,
      fromCache: true,
      reason: `a verified copy (commit ${cachedRevision}) is in the disk cache; loads on first request`,
      error: null,
    };
  }
  return {
    ok: true,
    fromCache: false,
    reason: `not downloaded yet: fetched from ${hubBase(ctx)} on first request`,
    error: null,
  };
}

/**
 * Whether a registered model that is not loaded can be expected to load, without network or
 * download: the configuration its source needs, and the verified copies in the disk cache.
 */
export async function checkSourceOf(
  source: Source,
  modelId: string,
  ctx: SourceContext,
  options: Pick<FetchOptions, "lastRevision"> = {},
): Promise<SourceCheck> {
  switch (source.kind) {
    case "builtin":
    case "local": {
      const error = await localProblem(source, modelId, ctx);
      return error
        ? { ok: false, fromCache: false, reason: error.detail, error }
        : {
            ok: true,
            fromCache: false,
            reason: "not loaded yet: loads on first request",
            error: null,
          };
    }
    case "huggingface":
      return hfCheck(source, modelId, ctx, options);
    case "mlflow":
      return mlflowCheck(source, modelId, ctx, options);
    case "http": {
      const cached = await httpCached(source, ctx, options.lastRevision);
      if (ctx.offline && !cached) {
        const error = offlineError(modelId, formatSource(source));
        return { ok: false, fromCache: false, reason: error.detail, error };
      }
      return cached
        ? {
            ok: true,
            fromCache: true,
            reason: `a verified copy (${cached}) is in the disk cache; loads on first request`,
            error: null,
          }
        : {
            ok: true,
            fromCache: false,
            reason: `not downloaded yet: fetched from ${shownUrl(source.url)} on first request`,
            error: null,
          };
    }
  }
}

export async function requirementsOf(
  source: Source,
  modelId: string,
  ctx: SourceContext,
  options: Pick<FetchOptions, "lastRevision"> = {},
): Promise<SourceRequirements> {
  switch (source.kind) {
    case "huggingface":
      return hfRequirements(source, modelId, ctx, options);
    case "mlflow":
      return mlflowRequirements(source, modelId, ctx, options);
    case "http":
      return {
        requirements: [],
        visibility: "public",
        cachedRevision: await httpCached(source, ctx, options.lastRevision),
      };
    case "builtin":
    case "local":
      return { requirements: [], visibility: "public", cachedRevision: null };
  }
}

async function probeHttp(
  source: HttpSource,
  modelId: string,
  ctx: SourceContext,
): Promise<ProbeResult> {
  const url = source.layout === "archive" ? source.url : new URL(SPEC_FILE, source.url).href;
  const cachedRevision = await httpCached(source, ctx);
  try {
    const res = await resilientFetch(ctx)(url, { headers: { Range: "bytes=0-0" } });
    await res.body?.cancel().catch(() => undefined);
    if (!res.ok) throw new HttpStatusError(res.status, null);
    return { ok: true, revision: null, private: false, detail: `${shownUrl(url)} answers` };
  } catch (err) {
    return { ok: false, error: httpError(err, modelId, url), private: false, cachedRevision };
  }
}

/** Asks the source whether the package can be fetched (no download); never throws for that. */
export async function probeSourceOf(
  source: Source,
  modelId: string,
  ctx: SourceContext,
  options: Pick<FetchOptions, "lastRevision"> = {},
): Promise<ProbeResult> {
  switch (source.kind) {
    case "builtin":
    case "local": {
      const error = await localProblem(source, modelId, ctx);
      if (error) return { ok: false, error, private: null, cachedRevision: null };
      const dir = await resolveLocalSource(source, modelId, limitsOf(ctx));
      if (!(await stat(join(dir, SPEC_FILE)).catch(() => undefined))) {
        const missing = new ModelgateError(
          "source_not_found",
          `Model ${modelId}'s folder ${dir} has no ${SPEC_FILE}: a package is modelgate.json beside its model file.`,
        );
        return { ok: false, error: missing, private: null, cachedRevision: null };
      }
      return { ok: true, revision: null, private: null, detail: `${dir} holds ${SPEC_FILE}` };
    }
    case "huggingface":
      return probeHf(source, modelId, ctx, options);
    case "mlflow":
      return probeMlflow(source, modelId, ctx, options);
    case "http":
      if (ctx.offline) {
        const error = offlineError(modelId, formatSource(source));
        return { ok: false, error, private: false, cachedRevision: await httpCached(source, ctx) };
      }
      return probeHttp(source, modelId, ctx);
  }
}
