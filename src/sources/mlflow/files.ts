/**
 * The files of one model version, downloaded into its cache folder: each by name, checked as a
 * safe relative path, against the size the artifact listing reports (before a byte is
 * downloaded) and against one budget for the whole package (MODEL_MAX_PACKAGE_MB), written
 * atomically by the sources' downloader, and recorded for the manifest with its sha256.
 */
import { mkdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ModelgateError } from "../../errors.js";
import type { ManifestFile } from "../cache/store.js";
import { hashFile } from "../cache/files.js";
import { limitsOf, packageTooLarge } from "../limits.js";
import { downloadToFile, HttpStatusError } from "../net/download.js";
import type { ProgressEvent, SourceContext } from "../types.js";
import { credentialOf } from "./api.js";
import type { ArtifactLocation } from "./artifacts.js";
import { artifactUrl, listArtifacts, safeSegments } from "./artifacts.js";
import type { MlflowSite } from "./errors.js";
import { mlflowError, statusError } from "./errors.js";
import { withTrackingTls } from "./tls.js";

export interface GetOptions {
  /** Absent is not an error: null is returned. */
  optional?: boolean;
  /** Largest size this file may have (besides the package's budget). */
  maxBytes?: number;
}

export interface VersionFiles {
  /** Downloads `path` (relative to the model's folder) unless absent and optional. */
  get(path: string, options?: GetOptions): Promise<ManifestFile | null>;
  /** Records a file written locally (the generated modelgate.json, a rewritten model). */
  add(path: string): Promise<void>;
  /** Forgets a file (removed, or about to be rewritten). */
  drop(path: string): void;
  /** What the package's files may still take (MODEL_MAX_PACKAGE_MB less what was fetched). */
  remaining(): number;
  readonly manifest: ManifestFile[];
}

/** A path the model's own files name that is not a plain path inside its folder. */
export function climbingPath(site: MlflowSite, path: string, namedBy: string): ModelgateError {
  return new ModelgateError(
    "model_invalid",
    `Model ${site.modelId} cannot be served: ${namedBy} of registered model ${site.name} version ${site.version ?? "?"} names the file "${path}", which is not a plain path inside the model's folder (no "..", no absolute path).`,
  );
}

export function versionFiles(
  ctx: SourceContext,
  site: MlflowSite,
  loc: ArtifactLocation,
  dir: string,
  emit: (event: ProgressEvent) => void,
  signal: AbortSignal,
): VersionFiles {
  const budget = limitsOf(ctx).maxPackageBytes;
  const listings = new Map<string, Promise<Map<string, number | null>>>();
  const manifest: ManifestFile[] = [];
  let used = 0;

  function listing(folder: string[]) {
    if (loc.kind !== "proxied") return null;
    const key = folder.join("/");
    let list = listings.get(key);
    if (!list) {
      list = listArtifacts(ctx, site, loc, folder, signal);
      listings.set(key, list);
    }
    return list;
  }

  async function get(path: string, options: GetOptions = {}): Promise<ManifestFile | null> {
    const segments = safeSegments(path);
    const name = segments?.at(-1);
    if (!segments || !name) throw climbingPath(site, path, "the package");
    const fileSite = { ...site, file: path };
    const max = Math.min(options.maxBytes ?? budget, budget - used);
    let size: number | null = null;
    try {
      const listed = await listing(segments.slice(0, -1));
      if (listed) {
        if (!listed.has(name)) {
          if (options.optional) return null;
          throw statusError(404, null, fileSite);
        }
        size = listed.get(name) ?? null;
        // Sizes the store reports are checked before a byte is downloaded.
        if (size !== null && used + size > budget) {
          throw packageTooLarge("the package's files together", used + size, budget);
        }
      }
      const dest = join(dir, ...segments);
      await mkdir(dirname(dest), { recursive: true });
      const got = await downloadToFile(withTrackingTls(ctx), {
        url: artifactUrl(loc, segments),
        headers: loc.withCredential ? credentialOf(ctx.mlflow).headers : {},
        dest,
        name: path,
        expected: { size, sha256: null, gitSha1: null },
        maxBytes: max,
        onProgress: (bytes, total) => emit({ file: path, bytes, total }),
        signal,
      });
      used += got.size;
      const file = { path, size: got.size, sha256: got.sha256, etag: got.etag };
      manifest.push(file);
      return file;
    } catch (err) {
      // Without a listing, an optional file is looked for by name: 404 means absent.
      const absent = err instanceof HttpStatusError && err.status === 404;
      if (absent && options.optional && loc.kind === "direct") return null;
      return mlflowError(err, fileSite);
    }
  }

  return {
    get,
    async add(path) {
      const { sha256 } = await hashFile(join(dir, path));
      const size = (await stat(join(dir, path))).size;
      used += size;
      manifest.push({ path, size, sha256 });
    },
    drop(path) {
      const at = manifest.findIndex((f) => f.path === path);
      const [gone] = at === -1 ? [] : manifest.splice(at, 1);
      if (gone) used -= gone.size;
    },
    remaining: () => budget - used,
    manifest,
  };
}
