/**
 * What a model source may make modelgate take: disk and memory (the package size, an archive's
 * decompressed size and ratio, its entries and metadata), and time (a download's deadline).
 * Each limit is checked where the resource is taken — before a buffer is allocated, while bytes
 * arrive — and a refusal names the limit and the setting that changes it.
 */
import { ModelgateError } from "../errors.js";
import type { SourceContext } from "./types.js";

export interface SourceLimits {
  /** MODEL_MAX_PACKAGE_MB: the package's files together (and an archive's whole content). */
  maxPackageBytes: number;
  /** MODEL_MAX_ARCHIVE_RATIO: decompressed ÷ compressed bytes of a .tar.gz. */
  maxArchiveRatio: number;
  /** MODELGATE_SOURCE_DOWNLOAD_TIMEOUT_S: one file's download, retries and waits included. */
  downloadTimeoutMs: number;
}

export const DEFAULT_LIMITS: SourceLimits = {
  maxPackageBytes: 2048 * 1024 * 1024,
  maxArchiveRatio: 100,
  downloadTimeoutMs: 1800 * 1000,
};

/** Fixed limits of the archive format: a package needs two files and short names. */
export const ARCHIVE_MAX_ENTRIES = 10_000;
/** A pax header or GNU long name larger than this is not a name: nothing legitimate needs it. */
export const ARCHIVE_MAX_METADATA_BYTES = 64 * 1024;
/** The ratio is judged only past this much output: tiny archives compress oddly. */
export const RATIO_GRACE_BYTES = 1024 * 1024;
/** modelgate.json is data, small by nature. */
export const MAX_SPEC_BYTES = 1024 * 1024;

export function limitsOf(ctx: SourceContext): SourceLimits {
  return { ...DEFAULT_LIMITS, ...ctx.limits };
}

export function mib(bytes: number): string {
  const value = bytes / (1024 * 1024);
  return `${Number.isInteger(value) ? value : value.toFixed(1)} MiB`;
}

/**
 * A source exceeded a limit. Thrown deep (the tar reader, the downloader) without knowing the
 * model; the fetchers turn it into `source_too_large` naming the model and the source.
 */
export class SourceLimitError extends Error {
  constructor(
    /** What went over, as the end of a sentence: "model.onnx is 3.5 GiB, over …". */
    message: string,
  ) {
    super(message);
    this.name = "SourceLimitError";
  }
}

export function packageTooLarge(
  what: string,
  bytes: number | null,
  limit: number,
): SourceLimitError {
  const size = bytes === null ? "more than that" : mib(bytes);
  return new SourceLimitError(
    `${what} is ${size}, over the ${mib(limit)} a package may take (MODEL_MAX_PACKAGE_MB; raise it if the model really is that large)`,
  );
}

export function tooLargeError(
  err: SourceLimitError,
  modelId: string,
  where: string,
): ModelgateError {
  return new ModelgateError(
    "source_too_large",
    `Model ${modelId} cannot be served: its source ${where} was refused: ${err.message}. Nothing of it was kept on disk.`,
    { cause: err },
  );
}

/** The caller gave up (its AbortSignal fired): not a source failure, never retried. */
export class SourceAbortedError extends Error {
  constructor(reason?: unknown) {
    super(
      reason instanceof Error
        ? `aborted by the caller: ${reason.message}`
        : "aborted by the caller",
    );
    this.name = "AbortError";
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new SourceAbortedError(signal.reason);
}

/** Waits `ms` through `sleep`, but ends at once (throwing) when the caller aborts. */
export async function sleepUnlessAborted(
  sleep: (ms: number) => Promise<void>,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  throwIfAborted(signal);
  if (!signal) return sleep(ms);
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new SourceAbortedError(signal.reason));
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([sleep(ms), aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
