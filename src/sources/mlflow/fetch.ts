/**
 * models:/name/version, models:/name/latest and models:/name@alias → a verified package folder
 * in the disk cache (`<dataDir>/artifacts/mlflow--<name>--<server digest>/v<version>/`).
 *
 * The version is resolved through the tracking server (an alias or "latest" every time the model
 * is loaded, so an alias that moved is picked up when cache_duration runs out), recorded in refs/,
 * and downloaded once (./package.ts). A version number names fixed artifacts: a cached copy is
 * served without asking MLflow. When MLflow cannot be asked — unreachable, credential missing or
 * rejected, offline — the last verified copy is served, with the reason in `refreshError`.
 */
import { createHash } from "node:crypto";
import type { ModelgateError } from "../../errors.js";
import { isModelgateError } from "../../errors.js";
import { findCached, readMeta, readRef, writeMeta, writeRef } from "../cache/store.js";
import { offlineError } from "../huggingface/errors.js";
import { singleFlight } from "../single-flight.js";
import type { FetchedPackage, FetchOptions, Source, SourceContext } from "../types.js";
import type { ModelVersion } from "./api.js";
import { credentialOf, resolveVersion, settingsProblem, trackingBase } from "./api.js";
import type { MlflowSite } from "./errors.js";
import { credentialsMissing } from "./errors.js";
import { downloadVersion } from "./package.js";
import { formatMlflowSource, pinnedVersion, refName, versionRevision } from "./uri.js";

export type MlflowSource = Extract<Source, { kind: "mlflow" }>;

export function callSite(source: MlflowSource, modelId: string, ctx: SourceContext): MlflowSite {
  return {
    modelId,
    source: formatMlflowSource(source),
    name: source.name,
    server: trackingBase(ctx.mlflow) ?? "(MLFLOW_TRACKING_URI not set)",
    credential: credentialOf(ctx.mlflow).kind,
    timeoutMs: ctx.timeoutMs,
  };
}

/** Why the tracking server cannot be asked at all with this configuration, or null. */
export function cannotAsk(source: MlflowSource, modelId: string, ctx: SourceContext) {
  const text = formatMlflowSource(source);
  if (ctx.offline) return offlineError(modelId, text);
  return settingsProblem(ctx.mlflow, modelId, text)?.error ?? null;
}

/** What keeps MLflow from being asked: a setting, or credentials it is known to require. */
export async function lockedOut(
  source: MlflowSource,
  modelId: string,
  ctx: SourceContext,
): Promise<ModelgateError | null> {
  const problem = settingsProblem(ctx.mlflow, modelId, formatMlflowSource(source));
  if (problem) return problem.error;
  if (credentialOf(ctx.mlflow).kind) return null;
  const meta = await readMeta(ctx, source);
  return meta?.visibility === "private" ? credentialsMissing(callSite(source, modelId, ctx)) : null;
}

const REFRESH_BLOCKERS = new Set([
  "source_unreachable",
  "source_credentials_missing",
  "source_unauthorized",
]);

function credentialKey(ctx: SourceContext): string {
  const { headers } = credentialOf(ctx.mlflow);
  const value = headers.Authorization;
  return value ? createHash("sha256").update(value).digest("hex").slice(0, 12) : "anon";
}

/** Resolves the version and records whether the server wants credentials; shared by callers. */
function resolveShared(
  ctx: SourceContext,
  source: MlflowSource,
  base: string,
  site: MlflowSite,
  callerSignal: AbortSignal | undefined,
): Promise<ModelVersion> {
  const key = `mlflow-resolve\0${base}\0${ctx.dataDir}\0${source.name}\0${refName(source)}\0${credentialKey(ctx)}`;
  const run = async (_emit: unknown, signal: AbortSignal) => {
    try {
      const version = await resolveVersion(ctx, base, site, source, signal);
      // Answered without a credential: the registry is open (with one, nothing is learnt).
      if (!site.credential) await writeMeta(ctx, source, "public");
      return version;
    } catch (err) {
      if (isModelgateError(err) && err.code === "source_credentials_missing" && !site.credential) {
        await writeMeta(ctx, source, "private");
      }
      throw err;
    }
  };
  return singleFlight(key, run, undefined, callerSignal);
}

export async function fetchMlflowPackage(
  source: MlflowSource,
  modelId: string,
  ctx: SourceContext,
  options: FetchOptions = {},
): Promise<FetchedPackage> {
  const site = callSite(source, modelId, ctx);
  const pinned = pinnedVersion(source);
  const pinnedRevision = pinned ? versionRevision(pinned) : null;

  async function serveCached(reason: ModelgateError): Promise<FetchedPackage> {
    // A pinned version is never replaced by another; an alias falls back to its last version.
    const candidates = pinnedRevision
      ? [pinnedRevision]
      : [options.lastRevision, await readRef(ctx, source, refName(source))];
    const hit = await findCached(ctx, source, candidates);
    if (!hit) throw reason;
    return { dir: hit.dir, revision: hit.revision, fromCache: true, refreshError: reason };
  }

  if (pinnedRevision) {
    // A version's artifacts do not change: a verified copy needs no tracking server.
    const hit = await findCached(ctx, source, [pinnedRevision]);
    if (hit) {
      const locked = await lockedOut(source, modelId, ctx);
      return {
        dir: hit.dir,
        revision: pinnedRevision,
        fromCache: true,
        ...(locked ? { refreshError: locked } : {}),
      };
    }
  }
  const blocked = cannotAsk(source, modelId, ctx);
  const base = trackingBase(ctx.mlflow);
  if (blocked || !base) return serveCached(blocked ?? credentialsMissing(site));

  let resolved: ModelVersion;
  try {
    resolved = await resolveShared(ctx, source, base, site, options.signal);
  } catch (err) {
    if (isModelgateError(err) && REFRESH_BLOCKERS.has(err.code)) return serveCached(err);
    throw err;
  }
  const revision = versionRevision(resolved.version);
  // The ref records the version last served: the fallback when MLflow cannot be asked.
  const served = async (pkg: FetchedPackage): Promise<FetchedPackage> => {
    if (!pinnedRevision) await writeRef(ctx, source, refName(source), revision);
    return pkg;
  };
  const hit = await findCached(ctx, source, [revision]);
  if (hit) return served({ dir: hit.dir, revision, fromCache: true });
  const key = `mlflow-download\0${ctx.dataDir}\0${base}\0${source.name}\0${revision}`;
  let dir: string;
  try {
    dir = await singleFlight(
      key,
      (emit, signal) =>
        downloadVersion(
          ctx,
          source,
          base,
          { ...site, version: resolved.version },
          revision,
          emit,
          signal,
        ),
      options.onProgress,
      options.signal,
    );
  } catch (err) {
    // A new version that cannot be downloaded now: keep serving the one we have.
    if (isModelgateError(err) && REFRESH_BLOCKERS.has(err.code)) return serveCached(err);
    throw err;
  }
  return served({ dir, revision, fromCache: false });
}
