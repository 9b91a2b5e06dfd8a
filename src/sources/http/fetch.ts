/**
 * http(s) packages → a verified folder in the disk cache, keyed by the sha256 of what was
 * downloaded (`sha256:<hex>` is the revision: the archive's hash, or for a folder URL the hash
 * of its files' list of names, sizes and hashes). An archive may be pinned with `#sha256=`:
 * a cached copy of the pin is served without asking the server, and any other bytes are refused.
 * When the server cannot be reached, the last verified copy is served with `refreshError`.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { ModelgateError } from "../../errors.js";
import { removeStaleParts } from "../cache/files.js";
import type { Manifest, ManifestFile } from "../cache/store.js";
import {
  findCached,
  readComplete,
  readRef,
  revisionDir,
  sourceDir,
  writeComplete,
  writeRef,
} from "../cache/store.js";
import { offlineError } from "../huggingface/errors.js";
import { limitsOf, packageTooLarge } from "../limits.js";
import { downloadToFile } from "../net/download.js";
import { readPackageSpec, runtimeFiles, SPEC_FILE } from "../package-files.js";
import { formatSource } from "../parse.js";
import { singleFlight } from "../single-flight.js";
import type {
  FetchedPackage,
  FetchOptions,
  ProgressEvent,
  Source,
  SourceContext,
} from "../types.js";
import { extractPackage } from "./archive.js";
import { httpError, shownUrl } from "./errors.js";

export type HttpSource = Extract<Source, { kind: "http" }>;

const LATEST = "latest";
const unpinned = { size: null, sha256: null, gitSha1: null };

function tempName(prefix: string): string {
  return `.${prefix}-${process.pid}-${randomBytes(4).toString("hex")}`;
}

/** Moves a finished staging folder to its revision's place (or drops it if already there). */
async function publish(staging: string, final: string): Promise<void> {
  try {
    await rename(staging, final);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EEXIST" && code !== "ENOTEMPTY") throw err;
    if (!(await readComplete(final))) {
      await rm(final, { recursive: true, force: true });
      await rename(staging, final);
    }
  }
}

type Fetched = { dir: string; revision: string; fromCache: boolean };

/** The source's cache folder, created, without the parts an interrupted fetch left. */
async function readySourceDir(ctx: SourceContext, source: HttpSource): Promise<string> {
  const base = sourceDir(ctx, source);
  await mkdir(base, { recursive: true });
  await removeStaleParts(base);
  return base;
}

async function fetchArchive(
  source: HttpSource,
  modelId: string,
  ctx: SourceContext,
  emit: (event: ProgressEvent) => void,
  signal: AbortSignal,
): Promise<Fetched> {
  const base = await readySourceDir(ctx, source);
  const archive = join(base, tempName("archive"));
  const staging = join(base, tempName("staging"));
  try {
    const got = await downloadToFile(ctx, {
      url: source.url,
      dest: archive,
      name: "the archive",
      expected: { ...unpinned, sha256: source.sha256 },
      onProgress: (bytes, total) => emit({ file: shownUrl(source.url), bytes, total }),
      signal,
    });
    const revision = `sha256:${got.sha256}`;
    const hit = await findCached(ctx, source, [revision]);
    if (hit) return { dir: hit.dir, revision, fromCache: true };
    await mkdir(staging);
    const where = shownUrl(source.url);
    const files = await extractPackage(archive, staging, modelId, where, limitsOf(ctx));
    await finish(ctx, source, staging, revision, files);
    return { dir: revisionDir(ctx, source, revision), revision, fromCache: false };
  } finally {
    await rm(archive, { force: true });
    await rm(staging, { recursive: true, force: true });
  }
}

async function fetchFolder(
  source: HttpSource,
  modelId: string,
  ctx: SourceContext,
  emit: (event: ProgressEvent) => void,
  signal: AbortSignal,
): Promise<Fetched> {
  const base = await readySourceDir(ctx, source);
  const staging = join(base, tempName("staging"));
  const { maxPackageBytes } = limitsOf(ctx);
  await mkdir(staging);
  try {
    const files: ManifestFile[] = [];
    // The package's files share one budget: each may take what the others left.
    let used = 0;
    const get = async (path: string) => {
      if (used >= maxPackageBytes) {
        throw packageTooLarge("the package's files together", null, maxPackageBytes);
      }
      const got = await downloadToFile(ctx, {
        url: new URL(path, source.url).href,
        dest: join(staging, path),
        name: path,
        expected: unpinned,
        onProgress: (bytes, total) => emit({ file: path, bytes, total }),
        maxBytes: maxPackageBytes - used,
        signal,
      });
      used += got.size;
      files.push({ path, size: got.size, sha256: got.sha256, etag: got.etag });
    };
    await get(SPEC_FILE);
    const spec = await readPackageSpec(staging, modelId, shownUrl(source.url));
    for (const path of runtimeFiles(spec, modelId, shownUrl(source.url))) {
      await mkdir(join(staging, path, ".."), { recursive: true });
      await get(path);
    }
    const listing = files.map((f) => `${f.path} ${f.size} ${f.sha256}\n`).join("");
    const revision = `sha256:${createHash("sha256").update(listing).digest("hex")}`;
    const hit = await findCached(ctx, source, [revision]);
    if (hit) return { dir: hit.dir, revision, fromCache: true };
    await finish(ctx, source, staging, revision, files);
    return { dir: revisionDir(ctx, source, revision), revision, fromCache: false };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Marker last, then the staging folder becomes the revision's folder. */
async function finish(
  ctx: SourceContext,
  source: HttpSource,
  staging: string,
  revision: string,
  files: ManifestFile[],
): Promise<void> {
  const manifest: Manifest = {
    format: 1,
    source: formatSource(source),
    revision,
    files,
    completedAt: new Date().toISOString(),
  };
  await writeComplete(staging, manifest);
  await publish(staging, revisionDir(ctx, source, revision));
}

export async function fetchHttpPackage(
  source: HttpSource,
  modelId: string,
  ctx: SourceContext,
  options: FetchOptions = {},
): Promise<FetchedPackage> {
  const pinned = source.sha256 ? `sha256:${source.sha256}` : null;
  if (pinned) {
    const hit = await findCached(ctx, source, [pinned]);
    if (hit) return { dir: hit.dir, revision: pinned, fromCache: true };
  }
  async function serveCached(reason: ModelgateError): Promise<FetchedPackage> {
    const latest = await readRef(ctx, source, LATEST);
    const hit = await findCached(ctx, source, [pinned, options.lastRevision, latest]);
    // A pinned archive is never replaced by another revision.
    if (!hit || (pinned && hit.revision !== pinned)) throw reason;
    return { dir: hit.dir, revision: hit.revision, fromCache: true, refreshError: reason };
  }
  if (ctx.offline) return serveCached(offlineError(modelId, formatSource(source)));
  const key = `http\0${ctx.dataDir}\0${formatSource(source)}`;
  try {
    const got = await singleFlight(
      key,
      async (emit, signal) => {
        const run = source.layout === "archive" ? fetchArchive : fetchFolder;
        const result = await run(source, modelId, ctx, emit, signal);
        await writeRef(ctx, source, LATEST, result.revision);
        return result;
      },
      options.onProgress,
      options.signal,
    );
    return got;
  } catch (err) {
    const mapped = httpError(err, modelId, source.url);
    if (mapped.code === "source_unreachable") return serveCached(mapped);
    throw mapped;
  }
}
