/**
 * Where a model version's artifacts are and how they are read:
 * - proxied (`mlflow-artifacts:/<path>`, or an http(s) URL of the tracking server's
 *   `/api/2.0/mlflow-artifacts/artifacts/<path>`): listed and downloaded through the tracking
 *   server, with its credential;
 * - direct http(s) (any other http(s) URL: a static server or bucket website): files fetched
 *   under it by name, without a listing, and with the tracking credential only when it is the
 *   tracking server's own origin.
 * Other stores (s3://, gs://, wasbs://, dbfs:, file:) are not read: the tracking server serves
 * them when started with --serve-artifacts (MLflow's default since 2.0).
 * Every path is checked: a segment that is empty, "." or ".." is refused before any request.
 */
import type { SourceContext } from "../types.js";
import { callApi } from "./api.js";
import type { MlflowSite } from "./errors.js";
import { notMlflow } from "./errors.js";

const ARTIFACTS_API = "/api/2.0/mlflow-artifacts/artifacts";
/** Entries one artifact folder's listing may hold. */
export const MAX_LISTING = 10_000;

export type ArtifactLocation =
  | {
      kind: "proxied";
      /** The tracking server's base URL the API is under. */
      base: string;
      /** The folder's path in the artifact store, "/"-separated segments, not encoded. */
      root: string[];
      withCredential: boolean;
    }
  | { kind: "direct"; url: string; withCredential: boolean };

/** One artifact's name (a folder's listing entry), never a path that climbs. */
export function safeSegments(path: string): string[] | null {
  const parts = path
    .split("/")
    .filter((p, i, all) => !(p === "" && (i === 0 || i === all.length - 1)));
  const decoded: string[] = [];
  for (const part of parts) {
    let text: string;
    try {
      text = decodeURIComponent(part);
    } catch {
      return null;
    }
    // eslint-disable-next-line no-control-regex
    if (text === "" || text === "." || text === ".." || /[/\\\x00-\x1f]/.test(text)) return null;
    decoded.push(text);
  }
  return decoded;
}

function encodeSegments(parts: readonly string[]): string {
  return parts.map(encodeURIComponent).join("/");
}

/**
 * Where the artifacts of `uri` are read from, or the problem as the end of a sentence.
 * @param trackingBase the tracking server's base URL (no trailing slash)
 */
export function artifactLocation(uri: string, trackingBase: string): ArtifactLocation | string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `its artifact location "${uri}" is not a URI`;
  }
  const tracking = new URL(trackingBase);
  if (url.username || url.password) return "its artifact location carries credentials";
  if (url.protocol === "mlflow-artifacts:") {
    // mlflow-artifacts://host:port/path names a server; only the tracking server is asked.
    if (url.host !== "" && url.host !== tracking.host) {
      return `its artifacts are proxied by another server (${url.host}) than ${tracking.host}; modelgate reads artifacts through MLFLOW_TRACKING_URI's server only`;
    }
    const root = safeSegments(url.pathname);
    if (!root) return `its artifact path "${url.pathname}" climbs out of the artifact store`;
    return { kind: "proxied", base: trackingBase, root, withCredential: true };
  }
  if (url.protocol === "http:" || url.protocol === "https:") {
    const sameOrigin = url.origin === tracking.origin;
    const at = url.pathname.indexOf(ARTIFACTS_API);
    if (at !== -1) {
      const root = safeSegments(url.pathname.slice(at + ARTIFACTS_API.length));
      if (!root) return `its artifact path "${url.pathname}" climbs out of the artifact store`;
      const base = `${url.origin}${url.pathname.slice(0, at)}`;
      return { kind: "proxied", base, root, withCredential: sameOrigin };
    }
    if (!safeSegments(url.pathname))
      return `its artifact URL's path "${url.pathname}" is not a plain folder`;
    url.search = "";
    url.hash = "";
    if (!url.pathname.endsWith("/")) url.pathname += "/";
    return { kind: "direct", url: url.href, withCredential: sameOrigin };
  }
  const scheme = url.protocol.replace(/:$/, "");
  if (scheme === "models" || scheme === "runs") {
    return `the tracking server answered a ${scheme}:/ reference instead of where the artifacts are stored (its get-download-uri should resolve it; an MLflow 2.x or 3.x server with --serve-artifacts does)`;
  }
  return `its artifacts are stored at a ${scheme}: location, which modelgate does not read directly: start the tracking server with --serve-artifacts (MLflow's default since 2.0) so they are served as mlflow-artifacts:/, or store them behind an http(s) URL`;
}

/** The URL of one file under the location (`path`'s segments already checked). */
export function artifactUrl(loc: ArtifactLocation, path: readonly string[]): string {
  if (loc.kind === "proxied") {
    return `${loc.base}${ARTIFACTS_API}/${encodeSegments([...loc.root, ...path])}`;
  }
  return new URL(encodeSegments(path), loc.url).href;
}

/** Files (not folders) of one artifact folder, with the size the store reports. */
export async function listArtifacts(
  ctx: SourceContext,
  site: MlflowSite,
  loc: Extract<ArtifactLocation, { kind: "proxied" }>,
  folder: readonly string[],
  signal?: AbortSignal,
): Promise<Map<string, number | null>> {
  const query = new URLSearchParams({ path: [...loc.root, ...folder].join("/") });
  const json = await callApi(ctx, site, `${loc.base}${ARTIFACTS_API}?${query}`, {}, signal);
  const entries: unknown[] = Array.isArray(json.files) ? json.files : [];
  if (json.files !== undefined && !Array.isArray(json.files)) {
    throw notMlflow(site, "an artifact listing that is not a list");
  }
  if (entries.length > MAX_LISTING) {
    throw notMlflow(site, `an artifact folder of over ${MAX_LISTING} entries`);
  }
  const files = new Map<string, number | null>();
  for (const entry of entries) {
    const e = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
    if (typeof e.path !== "string" || e.is_dir === true) continue;
    // MLflow lists base names; older servers the path from the store's root.
    const name = e.path.split("/").pop() ?? "";
    if (!safeSegments(name) || name === "") continue;
    const size = Number(e.file_size);
    files.set(name, Number.isSafeInteger(size) && size >= 0 ? size : null);
  }
  return files;
}
