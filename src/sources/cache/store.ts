/**
 * The disk artifact cache: `<dataDir>/artifacts/<source-key>/<revision>/` holds one verified
 * package. A revision folder is served only when its marker (`.modelgate-complete.json`, the
 * manifest of every file with its size and hashes) exists: the marker is written last, after
 * every file was downloaded to a temporary name, verified, fsynced and renamed into place.
 *
 * Beside the revisions: `refs/<name>` records the commit a branch or tag last resolved to (the
 * copy served when the source cannot be asked), and `source.json` what the source said about
 * itself (a Hub repository's visibility), for checks that must not touch the network.
 */
import { createHash } from "node:crypto";
import { lstat, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Source, SourceContext } from "../types.js";
import { hashFile, writeFileAtomic } from "./files.js";

export const MARKER = ".modelgate-complete.json";

export interface ManifestFile {
  path: string;
  size: number;
  sha256: string;
  /** The Hub's git blob id, for files not stored with LFS. */
  gitSha1?: string | null;
  etag?: string | null;
}

export interface Manifest {
  format: 1;
  source: string;
  revision: string;
  files: ManifestFile[];
  completedAt: string;
}

export interface SourceMeta {
  visibility: "public" | "private";
  checkedAt: string;
}

/** The folder of one source in the cache: readable, collision-free, no user text as a path. */
export function sourceKey(source: Source, ctx?: Pick<SourceContext, "mlflow">): string {
  switch (source.kind) {
    case "huggingface":
      // Hub names are [\w.-] without "--", so "--" separates unambiguously.
      return `hf--${source.repo.replace("/", "--")}`;
    case "http": {
      const host = new URL(source.url).host.replace(/[^A-Za-z0-9.-]/g, "-");
      const digest = createHash("sha256").update(source.url).digest("hex").slice(0, 16);
      return `http--${host}--${digest}`;
    }
    case "mlflow": {
      // The same name on two tracking servers is two models: the server is part of the key.
      const server = (ctx?.mlflow?.trackingUri ?? "").replace(/\/+$/, "");
      const name = source.name.replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 64);
      const digest = createHash("sha256").update(`${server}\0${source.name}`).digest("hex");
      return `mlflow--${name}--${digest.slice(0, 16)}`;
    }
    case "builtin":
    case "local":
      throw new Error(`local sources are not cached (${source.kind})`);
  }
}

export function sourceDir(ctx: SourceContext, source: Source): string {
  return join(ctx.dataDir, "artifacts", sourceKey(source, ctx));
}

/**
 * A commit is its own name; `sha256:<hex>` becomes `sha256-<hex>` (no ":" in folder names); an
 * MLflow model version is `v<number>`.
 */
export function revisionDir(ctx: SourceContext, source: Source, revision: string): string {
  if (!/^(?:[0-9a-f]{40}|sha256:[0-9a-f]{64}|v[1-9][0-9]{0,9})$/.test(revision)) {
    throw new Error(`not a cacheable revision: ${revision}`);
  }
  return join(sourceDir(ctx, source), revision.replace(":", "-"));
}

function isManifest(value: unknown): value is Manifest {
  if (typeof value !== "object" || value === null) return false;
  const m = value as Partial<Manifest>;
  return (
    m.format === 1 &&
    typeof m.revision === "string" &&
    Array.isArray(m.files) &&
    m.files.every(
      (f: Partial<ManifestFile>) =>
        typeof f.path === "string" && typeof f.size === "number" && typeof f.sha256 === "string",
    )
  );
}

/**
 * The manifest of a complete revision folder, or null. Every file must still be a regular file
 * of its recorded size (hashes were checked before the marker was written; `verifyComplete`
 * re-hashes on demand).
 */
export async function readComplete(dir: string): Promise<Manifest | null> {
  const text = await readFile(join(dir, MARKER), "utf8").catch(() => null);
  if (text === null) return null;
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isManifest(manifest)) return null;
  for (const file of manifest.files) {
    const info = await lstat(join(dir, file.path)).catch(() => undefined);
    if (!info?.isFile() || info.size !== file.size) return null;
  }
  return manifest;
}

export async function writeComplete(dir: string, manifest: Manifest): Promise<void> {
  await writeFileAtomic(join(dir, MARKER), `${JSON.stringify(manifest, null, 2)}\n`);
}

function refPath(ctx: SourceContext, source: Source, name: string): string {
  return join(sourceDir(ctx, source), "refs", encodeURIComponent(name));
}

export async function readRef(
  ctx: SourceContext,
  source: Source,
  name: string,
): Promise<string | null> {
  const text = await readFile(refPath(ctx, source, name), "utf8").catch(() => null);
  return text?.trim() || null;
}

export async function writeRef(
  ctx: SourceContext,
  source: Source,
  name: string,
  revision: string,
): Promise<void> {
  if ((await readRef(ctx, source, name)) === revision) return;
  await mkdir(join(sourceDir(ctx, source), "refs"), { recursive: true });
  await writeFileAtomic(refPath(ctx, source, name), `${revision}\n`);
}

export async function readMeta(ctx: SourceContext, source: Source): Promise<SourceMeta | null> {
  const text = await readFile(join(sourceDir(ctx, source), "source.json"), "utf8").catch(
    () => null,
  );
  try {
    const meta = text === null ? null : (JSON.parse(text) as Partial<SourceMeta>);
    return meta?.visibility === "public" || meta?.visibility === "private"
      ? { visibility: meta.visibility, checkedAt: String(meta.checkedAt) }
      : null;
  } catch {
    return null;
  }
}

export async function writeMeta(
  ctx: SourceContext,
  source: Source,
  visibility: SourceMeta["visibility"],
): Promise<void> {
  const previous = await readMeta(ctx, source);
  if (previous?.visibility === visibility) return;
  await mkdir(sourceDir(ctx, source), { recursive: true });
  const meta: SourceMeta = { visibility, checkedAt: new Date().toISOString() };
  await writeFileAtomic(join(sourceDir(ctx, source), "source.json"), JSON.stringify(meta) + "\n");
}

export interface CachedRevision {
  revision: string;
  dir: string;
  manifest: Manifest;
}

/** The first candidate revision with a complete, verified folder in the cache. */
export async function findCached(
  ctx: SourceContext,
  source: Source,
  candidates: readonly (string | null | undefined)[],
): Promise<CachedRevision | null> {
  const seen = new Set<string>();
  for (const revision of candidates) {
    if (!revision || seen.has(revision)) continue;
    seen.add(revision);
    let dir: string;
    try {
      dir = revisionDir(ctx, source, revision);
    } catch {
      continue; // a recorded revision of another kind (a folder source re-registered): skip
    }
    const manifest = await readComplete(dir);
    if (manifest) return { revision, dir, manifest };
  }
  return null;
}

/**
 * Re-hashes every file of a complete folder against its manifest (for `doctor`, or after a
 * disk scare): the problems found, empty when the copy is intact.
 */
export async function verifyComplete(dir: string): Promise<string[]> {
  const manifest = await readComplete(dir);
  if (!manifest) return [`${dir} is not a complete package (no valid ${MARKER})`];
  const problems: string[] = [];
  for (const file of manifest.files) {
    const { sha256 } = await hashFile(join(dir, file.path));
    if (sha256 !== file.sha256) {
      problems.push(`${file.path}: sha256 is ${sha256}, the manifest says ${file.sha256}`);
    }
  }
  return problems;
}
