/**
 * The pieces of one download (./download.ts): what is expected, how an answer's body is written
 * and hashed within the size limit, what makes a resume conditional, and each attempt's signal.
 */
import type { Hash } from "node:crypto";
import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { packageTooLarge } from "../limits.js";
import { IntegrityError } from "./transport.js";

/** What the source says the file is; null where it does not say. */
export interface ExpectedFile {
  size: number | null;
  sha256: string | null;
  /** The git blob id (sha1 of "blob <size>\0" + content): the Hub's oid for non-LFS files. */
  gitSha1: string | null;
}

export interface DownloadedFile {
  size: number;
  sha256: string;
  gitSha1: string | null;
  etag: string | null;
}

export interface DownloadRequest {
  url: string;
  /** Sent to the URL; fetch drops Authorization when a redirect leaves its origin. */
  headers?: Record<string, string>;
  dest: string;
  expected: ExpectedFile;
  onProgress?: (bytes: number, total: number | null) => void;
  /** How the file is named in messages (default: the destination's name). */
  name?: string;
  /** Largest size accepted (default: MODEL_MAX_PACKAGE_MB). */
  maxBytes?: number;
  /** The caller giving up: not a timeout, never retried. */
  signal?: AbortSignal;
}

export interface Progress {
  bytes: number;
  sha256: Hash;
  git: Hash | null;
}

export function start(expected: ExpectedFile): Progress {
  const git =
    expected.gitSha1 && expected.size !== null
      ? createHash("sha1").update(`blob ${expected.size}\0`)
      : null;
  return { bytes: 0, sha256: createHash("sha256"), git };
}

/** The total size an answer announces (Content-Range for a 206, else Content-Length). */
export function announcedTotal(res: Response): number | null {
  const range = res.headers.get("content-range");
  const text =
    res.status === 206 ? range?.split("/")[1] : (res.headers.get("content-length") ?? undefined);
  const n = text === undefined ? NaN : Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

export function rangeStart(res: Response): number | null {
  const m = /^bytes (\d+)-/.exec(res.headers.get("content-range") ?? "");
  return m?.[1] === undefined ? null : Number(m[1]);
}

/**
 * What makes a resumed request conditional (If-Range): a strong ETag, else Last-Modified; a
 * weak ETag may not be used there (RFC 9110 §13.1.5). null: the answer cannot be resumed safely.
 */
export function validatorOf(res: Response): string | null {
  const etag = res.headers.get("etag");
  if (etag && !etag.startsWith("W/")) return etag;
  return res.headers.get("last-modified");
}

export function verify(p: Progress, expected: ExpectedFile, total: number | null): DownloadedFile {
  const size = expected.size ?? total;
  if (size !== null && p.bytes !== size) {
    throw new IntegrityError(`received ${p.bytes} bytes where ${size} were announced`, "size");
  }
  const sha256 = p.sha256.digest("hex");
  if (expected.sha256 && sha256 !== expected.sha256) {
    throw new IntegrityError(`its sha256 is ${sha256}, the source says ${expected.sha256}`, "hash");
  }
  const gitSha1 = p.git?.digest("hex") ?? null;
  if (expected.gitSha1 && gitSha1 !== expected.gitSha1) {
    throw new IntegrityError(
      `its git blob id is ${gitSha1}, the source says ${expected.gitSha1}`,
      "hash",
    );
  }
  return { size: p.bytes, sha256, gitSha1, etag: null };
}

/** Streams one answer's body into the file at the current offset, hashing as it goes. */
export async function receive(
  res: Response,
  fh: FileHandle,
  p: Progress,
  req: DownloadRequest,
  limit: { total: number | null; maxBytes: number; name: string },
  touch: () => void,
): Promise<void> {
  if (!res.body) return;
  for await (const chunk of res.body) {
    touch();
    if (p.bytes + chunk.length > limit.maxBytes) {
      throw packageTooLarge(limit.name, null, limit.maxBytes);
    }
    await fh.write(chunk, 0, chunk.length, p.bytes);
    p.sha256.update(chunk);
    p.git?.update(chunk);
    p.bytes += chunk.length;
    if (limit.total !== null && p.bytes > limit.total) {
      throw new IntegrityError(
        `the source sent more than the ${limit.total} bytes it announced`,
        "size",
      );
    }
    req.onProgress?.(p.bytes, limit.total);
  }
}

export type Stop = "idle" | "deadline" | "caller";

/** One attempt's AbortController: silence, the whole download's deadline, or the caller. */
export function attemptSignal(idleMs: number, deadline: number, caller: AbortSignal | undefined) {
  const controller = new AbortController();
  const stop = (why: Stop) => () => controller.abort(why);
  let idle = setTimeout(stop("idle"), idleMs);
  const overall = setTimeout(stop("deadline"), Math.max(0, deadline - Date.now()));
  const onCaller = stop("caller");
  caller?.addEventListener("abort", onCaller, { once: true });
  return {
    signal: controller.signal,
    /** Why it was aborted, or null. */
    stopped: (): Stop | null =>
      controller.signal.aborted ? (controller.signal.reason as Stop) : null,
    touch() {
      clearTimeout(idle);
      idle = setTimeout(stop("idle"), idleMs);
    },
    dispose() {
      clearTimeout(idle);
      clearTimeout(overall);
      caller?.removeEventListener("abort", onCaller);
    },
  };
}
