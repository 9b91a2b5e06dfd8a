/**
 * One file from a remote source onto disk, atomically: the bytes go to a temporary name in the
 * destination's folder, are hashed as they arrive, fsynced, checked against the expected size and
 * hashes, and only then renamed to their final name. A cut connection resumes with a ranged
 * request; whatever fails, the temporary file is removed, so a partial file is never served.
 */
import type { Hash } from "node:crypto";
import { createHash, randomBytes } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fetchOf, retryPolicy } from "../context.js";
import type { SourceContext } from "../types.js";
import {
  backoffMs,
  describeFailure,
  IntegrityError,
  isRetryableStatus,
  parseRetryAfter,
  retryAfterSeconds,
  TransportError,
} from "./transport.js";

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

/** The source answered a status that retrying will not change (401, 403, 404, ...). */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    /** The Hub's X-Error-Code (RepoNotFound, RevisionNotFound, EntryNotFound), if any. */
    readonly errorCode: string | null,
  ) {
    super(`HTTP ${status}${errorCode ? ` (${errorCode})` : ""}`);
    this.name = "HttpStatusError";
  }
}

export interface DownloadRequest {
  url: string;
  /** Sent to the URL; fetch drops Authorization when a redirect leaves its origin. */
  headers?: Record<string, string>;
  dest: string;
  expected: ExpectedFile;
  onProgress?: (bytes: number, total: number | null) => void;
}

interface Progress {
  bytes: number;
  sha256: Hash;
  git: Hash | null;
}

function start(expected: ExpectedFile): Progress {
  const git =
    expected.gitSha1 && expected.size !== null
      ? createHash("sha1").update(`blob ${expected.size}\0`)
      : null;
  return { bytes: 0, sha256: createHash("sha256"), git };
}

/** The total size an answer announces (Content-Range for a 206, else Content-Length). */
function announcedTotal(res: Response): number | null {
  const range = res.headers.get("content-range");
  const text =
    res.status === 206 ? range?.split("/")[1] : (res.headers.get("content-length") ?? undefined);
  const n = text === undefined ? NaN : Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

function rangeStart(res: Response): number | null {
  const m = /^bytes (\d+)-/.exec(res.headers.get("content-range") ?? "");
  return m?.[1] === undefined ? null : Number(m[1]);
}

function verify(p: Progress, expected: ExpectedFile, total: number | null): DownloadedFile {
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
async function receive(
  res: Response,
  fh: FileHandle,
  p: Progress,
  req: DownloadRequest,
  total: number | null,
  touch: () => void,
): Promise<void> {
  if (!res.body) return;
  for await (const chunk of res.body) {
    touch();
    await fh.write(chunk, 0, chunk.length, p.bytes);
    p.sha256.update(chunk);
    p.git?.update(chunk);
    p.bytes += chunk.length;
    if (total !== null && p.bytes > total) {
      throw new IntegrityError(`the source sent more than the ${total} bytes it announced`, "size");
    }
    req.onProgress?.(p.bytes, total);
  }
}

/** Downloads `req.url` to `req.dest` (see the module comment); throws typed errors only. */
export async function downloadToFile(
  ctx: SourceContext,
  req: DownloadRequest,
): Promise<DownloadedFile> {
  const policy = retryPolicy(ctx);
  const doFetch = fetchOf(ctx);
  const temp = join(
    dirname(req.dest),
    `.${basename(req.dest)}.part-${process.pid}-${randomBytes(4).toString("hex")}`,
  );
  const fh = await open(temp, "wx");
  let closed = false;
  let p = start(req.expected);
  let reason = "no attempt was made";
  let retryAfter: number | null = null;
  let made = 0;
  const restart = async () => {
    await fh.truncate(0);
    p = start(req.expected);
  };
  try {
    for (let attempt = 1; attempt <= policy.attempts; attempt++) {
      made = attempt;
      if (attempt > 1) await policy.sleep(retryAfter ?? backoffMs(attempt - 1, policy));
      retryAfter = null;
      const controller = new AbortController();
      let timer = setTimeout(() => controller.abort(), ctx.timeoutMs);
      const touch = () => {
        clearTimeout(timer);
        timer = setTimeout(() => controller.abort(), ctx.timeoutMs);
      };
      try {
        const headers = { ...req.headers, ...(p.bytes > 0 ? { Range: `bytes=${p.bytes}-` } : {}) };
        let res: Response;
        try {
          res = await doFetch(req.url, { headers, signal: controller.signal });
        } catch (err) {
          reason = controller.signal.aborted
            ? `timed out after ${ctx.timeoutMs} ms`
            : describeFailure(err, ctx.timeoutMs);
          continue;
        }
        if (isRetryableStatus(res.status)) {
          await res.body?.cancel().catch(() => undefined);
          reason = `HTTP ${res.status}`;
          retryAfter = parseRetryAfter(res.headers.get("retry-after"));
          if (retryAfter !== null && retryAfter > policy.maxDelayMs) break;
          continue;
        }
        if (!res.ok) {
          await res.body?.cancel().catch(() => undefined);
          throw new HttpStatusError(res.status, res.headers.get("x-error-code"));
        }
        // A resumed request answered with the whole file, or from elsewhere: start over.
        if (p.bytes > 0 && (res.status !== 206 || rangeStart(res) !== p.bytes)) await restart();
        const total = req.expected.size ?? announcedTotal(res);
        try {
          await receive(res, fh, p, req, total, touch);
        } catch (err) {
          if (err instanceof IntegrityError) throw err;
          reason = controller.signal.aborted
            ? `stalled for ${ctx.timeoutMs} ms`
            : `${describeFailure(err, ctx.timeoutMs)} after ${p.bytes} bytes`;
          continue;
        }
        if (total !== null && p.bytes < total) {
          reason = `connection closed after ${p.bytes} of ${total} bytes`;
          continue;
        }
        let done: DownloadedFile;
        try {
          done = verify(p, req.expected, total);
        } catch (err) {
          // A corrupted transfer (a proxy, a flaky CDN) may not repeat: try again from zero.
          if (!(err instanceof IntegrityError) || attempt === policy.attempts) throw err;
          reason = err.message;
          await restart();
          continue;
        }
        await fh.sync();
        await fh.close();
        closed = true;
        await rename(temp, req.dest);
        return { ...done, etag: res.headers.get("x-linked-etag") ?? res.headers.get("etag") };
      } finally {
        clearTimeout(timer);
      }
    }
    throw new TransportError(reason, retryAfterSeconds(retryAfter), made);
  } finally {
    if (!closed) await fh.close().catch(() => undefined);
    await rm(temp, { force: true });
  }
}
