/**
 * One file from a remote source onto disk, atomically: the bytes go to a temporary name in the
 * destination's folder, are hashed as they arrive, fsynced, checked against the expected size and
 * hashes, and only then renamed to their final name. A cut connection resumes with a ranged
 * request made conditional by If-Range (the first answer's strong ETag or Last-Modified), so a
 * file that changed meanwhile starts over instead of being spliced; without a validator it
 * starts over. Whatever fails, the temporary file is removed, so a partial file is never served.
 *
 * Bounded: the file's size (MODEL_MAX_PACKAGE_MB, checked against what the source announces
 * before reading and against what arrives), silence between bytes (MODELGATE_SOURCE_TIMEOUT_MS)
 * and the whole download, retries included (MODELGATE_SOURCE_DOWNLOAD_TIMEOUT_S). A caller's
 * abort ends it at once and is never retried.
 */
import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fetchOf, retryPolicy } from "../context.js";
import {
  limitsOf,
  packageTooLarge,
  SourceAbortedError,
  SourceLimitError,
  sleepUnlessAborted,
  throwIfAborted,
} from "../limits.js";
import type { SourceContext } from "../types.js";
import type { DownloadedFile, DownloadRequest } from "./download-parts.js";
import {
  announcedTotal,
  attemptSignal,
  rangeStart,
  receive,
  start,
  validatorOf,
  verify,
} from "./download-parts.js";
import {
  backoffMs,
  describeFailure,
  IntegrityError,
  isRetryableStatus,
  parseRetryAfter,
  retryAfterSeconds,
  TransportError,
} from "./transport.js";

export type { DownloadedFile, DownloadRequest, ExpectedFile } from "./download-parts.js";

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

/** Downloads `req.url` to `req.dest` (see the module comment); throws typed errors only. */
export async function downloadToFile(
  ctx: SourceContext,
  req: DownloadRequest,
): Promise<DownloadedFile> {
  const policy = retryPolicy(ctx);
  const limits = limitsOf(ctx);
  const doFetch = fetchOf(ctx);
  const name = req.name ?? basename(req.dest);
  const maxBytes = req.maxBytes ?? limits.maxPackageBytes;
  const deadline = Date.now() + limits.downloadTimeoutMs;
  const overallReason = () =>
    `the download did not finish within ${limits.downloadTimeoutMs / 1000} s (MODELGATE_SOURCE_DOWNLOAD_TIMEOUT_S; raise it for a large model on a slow link)`;
  throwIfAborted(req.signal);
  if (req.expected.size !== null && req.expected.size > maxBytes) {
    throw packageTooLarge(name, req.expected.size, maxBytes);
  }
  const temp = join(
    dirname(req.dest),
    `.${basename(req.dest)}.part-${process.pid}-${randomBytes(4).toString("hex")}`,
  );
  const fh = await open(temp, "wx");
  let closed = false;
  let p = start(req.expected);
  let validator: string | null = null;
  let reason = "no attempt was made";
  let retryAfter: number | null = null;
  let made = 0;
  const restart = async () => {
    await fh.truncate(0);
    p = start(req.expected);
    validator = null;
  };
  try {
    for (let attempt = 1; attempt <= policy.attempts; attempt++) {
      if (attempt > 1) {
        const wait = retryAfter ?? backoffMs(attempt - 1, policy);
        if (Date.now() + wait >= deadline) {
          reason = `${reason}; ${overallReason()}`;
          break;
        }
        await sleepUnlessAborted(policy.sleep, wait, req.signal);
      }
      made = attempt;
      retryAfter = null;
      // Without a validator a resumed answer could be another file's tail: start over.
      if (p.bytes > 0 && validator === null) await restart();
      const attemptCtl = attemptSignal(ctx.timeoutMs, deadline, req.signal);
      const why = () => {
        const stop = attemptCtl.stopped();
        if (stop === "caller") throw new SourceAbortedError(req.signal?.reason);
        return stop;
      };
      try {
        const resume: Record<string, string> =
          p.bytes > 0 && validator !== null
            ? { Range: `bytes=${p.bytes}-`, "If-Range": validator }
            : {};
        let res: Response;
        try {
          res = await doFetch(req.url, {
            headers: { ...req.headers, ...resume },
            signal: attemptCtl.signal,
          });
        } catch (err) {
          const stop = why();
          if (stop === "deadline") {
            reason = overallReason();
            break;
          }
          reason =
            stop === "idle"
              ? `timed out after ${ctx.timeoutMs} ms (MODELGATE_SOURCE_TIMEOUT_MS)`
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
        // A resumed request answered with the whole file (If-Range: it changed), or with
        // another range, or with another version than the one begun: start over from zero.
        const current = validatorOf(res);
        if (
          p.bytes > 0 &&
          (res.status !== 206 || rangeStart(res) !== p.bytes || current !== validator)
        ) {
          await restart();
          if (res.status === 206) {
            await res.body?.cancel().catch(() => undefined);
            reason = "the source changed while it was being downloaded";
            continue;
          }
        }
        validator = current;
        const total = req.expected.size ?? announcedTotal(res);
        if (total !== null && total > maxBytes) {
          await res.body?.cancel().catch(() => undefined);
          throw packageTooLarge(name, total, maxBytes);
        }
        try {
          await receive(res, fh, p, req, { total, maxBytes, name }, () => attemptCtl.touch());
        } catch (err) {
          if (err instanceof IntegrityError || err instanceof SourceLimitError) throw err;
          const stop = why();
          if (stop === "deadline") {
            reason = `${overallReason()}; ${p.bytes} bytes had arrived`;
            break;
          }
          reason =
            stop === "idle"
              ? `stalled: no byte for ${ctx.timeoutMs} ms (MODELGATE_SOURCE_TIMEOUT_MS) after ${p.bytes} bytes`
              : `${describeFailure(err, ctx.timeoutMs)} after ${p.bytes} bytes`;
          continue;
        }
        why();
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
        attemptCtl.dispose();
      }
    }
    throw new TransportError(reason, retryAfterSeconds(retryAfter), made);
  } finally {
    if (!closed) await fh.close().catch(() => undefined);
    await rm(temp, { force: true });
  }
}
