/**
 * hf://owner/repo[@revision] → a verified package folder in the disk cache.
 *
 * The revision is resolved to a commit (recorded in refs/), then `modelgate.json` and the
 * runtime file it names are downloaded into `<dataDir>/artifacts/hf--owner--repo/<commit>/`,
 * each checked against the Hub's metadata at that commit: its size, and its sha256 (LFS files)
 * or git blob id (other files). When the Hub cannot be asked — unreachable, token missing or
 * rejected, offline — a verified copy of the pinned or last-resolved commit is served instead,
 * with the reason in `refreshError`.
 */
import { createHash } from "node:crypto";
import { lstat, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { ModelgateError } from "../../errors.js";
import { isModelgateError } from "../../errors.js";
import { hashFile, removeStaleParts } from "../cache/files.js";
import type { ManifestFile } from "../cache/store.js";
import {
  findCached,
  readMeta,
  readRef,
  revisionDir,
  writeComplete,
  writeMeta,
  writeRef,
} from "../cache/store.js";
import { hubBase } from "../context.js";
import { limitsOf, MAX_SPEC_BYTES, packageTooLarge } from "../limits.js";
import { downloadToFile, HttpStatusError } from "../net/download.js";
import { readPackageSpec, runtimeFiles, SPEC_FILE } from "../package-files.js";
import { singleFlight } from "../single-flight.js";
import type {
  FetchedPackage,
  FetchOptions,
  ProgressEvent,
  Source,
  SourceContext,
} from "../types.js";
import type { HubFile } from "./api.js";
import { filesInfo, resolveRevision } from "./api.js";
import type { HubCallSite } from "./errors.js";
import {
  credentialsMissing,
  hubError,
  looksLikeHfToken,
  malformedToken,
  offlineError,
} from "./errors.js";
import { COMMIT_SHA, formatHfSource } from "./repo.js";

export type HfSource = Extract<Source, { kind: "huggingface" }>;

export function callSite(source: HfSource, modelId: string, ctx: SourceContext): HubCallSite {
  return {
    modelId,
    repo: source.repo,
    revision: source.revision,
    tokenSent: Boolean(ctx.token),
    hubUrl: hubBase(ctx),
    timeoutMs: ctx.timeoutMs,
  };
}

/** The ref file a revision's last commit is recorded under. */
export function refName(source: HfSource): string {
  return source.revision ?? "HEAD";
}

export function pinnedCommit(source: HfSource): string | null {
  return source.revision && COMMIT_SHA.test(source.revision) ? source.revision : null;
}

/** Why the Hub cannot be asked at all with this configuration, or null. */
export function cannotAsk(source: HfSource, modelId: string, ctx: SourceContext) {
  if (ctx.offline) return offlineError(modelId, formatHfSource(source.repo, source.revision));
  if (ctx.token && !looksLikeHfToken(ctx.token)) {
    return malformedToken(modelId, source.repo, hubBase(ctx));
  }
  return null;
}

const REFRESH_BLOCKERS = new Set([
  "source_unreachable",
  "source_credentials_missing",
  "source_unauthorized",
]);

function tokenKey(ctx: SourceContext): string {
  return ctx.token ? createHash("sha256").update(ctx.token).digest("hex").slice(0, 12) : "anon";
}

function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/** One file into the commit folder, unless a verified copy is already there. */
async function ensureFile(
  ctx: SourceContext,
  dir: string,
  site: HubCallSite & { commit: string },
  info: HubFile,
  emit: (event: ProgressEvent) => void,
  signal: AbortSignal,
): Promise<ManifestFile> {
  const dest = join(dir, info.path);
  await mkdir(dirname(dest), { recursive: true });
  const expected = {
    size: info.size,
    sha256: info.lfsSha256,
    gitSha1: info.lfsSha256 ? null : info.oid,
  };
  // Left by an interrupted fetch: it was verified before its rename, but check again.
  const present = await lstat(dest).catch(() => undefined);
  if (present?.isFile() && present.size === info.size) {
    const hashes = await hashFile(dest);
    const ok = expected.sha256
      ? hashes.sha256 === expected.sha256
      : hashes.gitSha1 === expected.gitSha1;
    if (ok) return { path: info.path, size: info.size, ...hashes };
  }
  const url = `${hubBase(ctx)}/${site.repo}/resolve/${encodeURIComponent(site.commit)}/${encodePath(info.path)}`;
  try {
    const got = await downloadToFile(ctx, {
      url,
      headers: ctx.token ? { Authorization: `Bearer ${ctx.token}` } : {},
      dest,
      expected,
      onProgress: (bytes, total) => emit({ file: info.path, bytes, total }),
      signal,
    });
    return {
      path: info.path,
      size: got.size,
      sha256: got.sha256,
      gitSha1: got.gitSha1,
      etag: got.etag,
    };
  } catch (err) {
    return hubError(err, { ...site, file: info.path }, null);
  }
}

function missingFile(site: HubCallSite & { commit: string }, file: string): never {
  return hubError(new HttpStatusError(404, "EntryNotFound"), { ...site, file }, null);
}

/** Downloads the package at one commit; concurrent callers share it (see fetchHfPackage). */
async function downloadCommit(
  ctx: SourceContext,
  source: HfSource,
  site: HubCallSite & { commit: string },
  emit: (event: ProgressEvent) => void,
  signal: AbortSignal,
): Promise<string> {
  const dir = revisionDir(ctx, source, site.commit);
  await mkdir(dir, { recursive: true });
  await removeStaleParts(dir);
  const where = `${formatHfSource(source.repo, source.revision)} (commit ${site.commit})`;
  const { maxPackageBytes } = limitsOf(ctx);
  const specInfo = (await filesInfo(ctx, site, [SPEC_FILE], signal)).get(SPEC_FILE);
  if (!specInfo) missingFile(site, SPEC_FILE);
  // Sizes come from the Hub's metadata, checked before a byte is downloaded.
  if (specInfo.size > MAX_SPEC_BYTES) {
    hubError(packageTooLarge(SPEC_FILE, specInfo.size, MAX_SPEC_BYTES), site, null);
  }
  const files = [await ensureFile(ctx, dir, site, specInfo, emit, signal)];
  const spec = await readPackageSpec(dir, site.modelId, where);
  const needed = runtimeFiles(spec, site.modelId, where);
  if (needed.length > 0) {
    const infos = await filesInfo(ctx, site, needed, signal);
    let total = specInfo.size;
    for (const path of needed) total += infos.get(path)?.size ?? 0;
    if (total > maxPackageBytes) {
      hubError(packageTooLarge("the package's files together", total, maxPackageBytes), site, null);
    }
    for (const path of needed) {
      const info = infos.get(path);
      if (!info) missingFile(site, path);
      files.push(await ensureFile(ctx, dir, site, info, emit, signal));
    }
  }
  await writeComplete(dir, {
    format: 1,
    source: formatHfSource(source.repo, source.revision),
    revision: site.commit,
    files,
    completedAt: new Date().toISOString(),
  });
  return dir;
}

/** Resolves the revision and records what the Hub said; shared by concurrent callers. */
function resolveShared(
  ctx: SourceContext,
  source: HfSource,
  site: HubCallSite,
  callerSignal: AbortSignal | undefined,
) {
  const key = `hf-resolve\0${hubBase(ctx)}\0${ctx.dataDir}\0${source.repo}\0${refName(source)}\0${tokenKey(ctx)}`;
  const run = async (_emit: unknown, signal: AbortSignal) => {
    try {
      const resolved = await resolveRevision(ctx, site, signal);
      await writeMeta(ctx, source, resolved.private ? "private" : "public");
      return resolved;
    } catch (err) {
      // The Hub answers 401 to an anonymous request for a private repository.
      if (isModelgateError(err) && err.code === "source_credentials_missing") {
        await writeMeta(ctx, source, "private");
      }
      throw err;
    }
  };
  return singleFlight(key, run, undefined, callerSignal);
}

export async function fetchHfPackage(
  source: HfSource,
  modelId: string,
  ctx: SourceContext,
  options: FetchOptions = {},
): Promise<FetchedPackage> {
  const site = callSite(source, modelId, ctx);
  const pinned = pinnedCommit(source);

  async function serveCached(reason: ModelgateError): Promise<FetchedPackage> {
    const recorded = await readRef(ctx, source, refName(source));
    const hit = await findCached(ctx, source, [pinned, options.lastRevision, recorded]);
    if (!hit) throw reason;
    return { dir: hit.dir, revision: hit.revision, fromCache: true, refreshError: reason };
  }

  if (pinned) {
    // A commit never changes: a verified copy needs no Hub (nor a token).
    const hit = await findCached(ctx, source, [pinned]);
    if (hit) {
      const locked = await lockedOut(source, modelId, ctx);
      return {
        dir: hit.dir,
        revision: pinned,
        fromCache: true,
        ...(locked ? { refreshError: locked } : {}),
      };
    }
  }
  const blocked = cannotAsk(source, modelId, ctx);
  if (blocked) return serveCached(blocked);

  let commit: string;
  try {
    commit = (await resolveShared(ctx, source, site, options.signal)).commit;
  } catch (err) {
    if (isModelgateError(err) && REFRESH_BLOCKERS.has(err.code)) return serveCached(err);
    throw err;
  }
  // The ref records the last commit actually served, the fallback when the Hub cannot be asked.
  const served = async (pkg: FetchedPackage): Promise<FetchedPackage> => {
    if (!pinned) await writeRef(ctx, source, refName(source), commit);
    return pkg;
  };
  const hit = await findCached(ctx, source, [commit]);
  if (hit) return served({ dir: hit.dir, revision: commit, fromCache: true });
  const key = `hf-download\0${ctx.dataDir}\0${source.repo}\0${commit}`;
  let dir: string;
  try {
    dir = await singleFlight(
      key,
      (emit, signal) => downloadCommit(ctx, source, { ...site, commit }, emit, signal),
      options.onProgress,
      options.signal,
    );
  } catch (err) {
    // A new commit that cannot be downloaded now: keep serving the one we have.
    if (isModelgateError(err) && REFRESH_BLOCKERS.has(err.code)) return serveCached(err);
    throw err;
  }
  return served({ dir, revision: commit, fromCache: false });
}

/** For a private repository: what keeps the Hub from being asked (no or a malformed token). */
export async function lockedOut(
  source: HfSource,
  modelId: string,
  ctx: SourceContext,
): Promise<ModelgateError | null> {
  if (ctx.token && !looksLikeHfToken(ctx.token))
    return malformedToken(modelId, source.repo, hubBase(ctx));
  if (ctx.token) return null;
  const meta = await readMeta(ctx, source);
  return meta?.visibility === "private" ? credentialsMissing(modelId, source.repo) : null;
}
