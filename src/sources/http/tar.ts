/**
 * A small streaming reader of (ustar / pax / GNU) tar archives, for package archives only: it
 * yields regular files and folders and refuses everything else — symlinks, hard links, devices,
 * absolute paths, ".." — for the whole archive, so nothing can be written outside the package
 * folder. Content is streamed to the caller, never held whole in memory. Sizes come from
 * headers an attacker writes: each is checked against the limits before anything is allocated
 * or streamed (SourceLimitError), and the number of entries is capped.
 */
import {
  ARCHIVE_MAX_ENTRIES,
  ARCHIVE_MAX_METADATA_BYTES,
  packageTooLarge,
  SourceLimitError,
} from "../limits.js";

export class TarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TarError";
  }
}

export interface TarEntry {
  /** Normalised, package-relative: no "./" prefix, no trailing "/". */
  path: string;
  type: "file" | "directory";
  size: number;
}

/** Receives an entry's content, then `end`; return null from the handler to skip the entry. */
export interface ContentSink {
  write(chunk: Buffer): Promise<void>;
  end(): Promise<void>;
}

type Chunks = ((chunk: Buffer) => Promise<void>) | null;

const BLOCK = 512;

export interface TarLimits {
  /** Largest regular file (the package size limit). */
  maxEntryBytes: number;
  maxEntries?: number;
  /** Largest pax header or GNU long name. */
  maxMetadataBytes?: number;
}

class ByteReader {
  private buffer = Buffer.alloc(0);
  private done = false;
  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  private async more(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.source.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    this.buffer = Buffer.concat([this.buffer, Buffer.from(next.value)]);
    return true;
  }

  /** Exactly n bytes, or null at a clean end of input (nothing buffered). */
  async take(n: number): Promise<Buffer | null> {
    while (this.buffer.length < n) {
      if (!(await this.more())) {
        if (this.buffer.length === 0) return null;
        throw new TarError("the archive is truncated");
      }
    }
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }

  /** Passes n bytes to the sink (or drops them) in the pieces they arrive in. */
  async pipe(n: number, sink: Chunks): Promise<void> {
    let left = n;
    while (left > 0) {
      if (this.buffer.length === 0 && !(await this.more())) {
        throw new TarError("the archive is truncated");
      }
      const piece = this.buffer.subarray(0, Math.min(left, this.buffer.length));
      this.buffer = this.buffer.subarray(piece.length);
      left -= piece.length;
      if (sink) await sink(piece);
    }
  }
}

function text(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString("utf8");
}

function octal(block: Buffer, start: number, length: number): number {
  const first = block[start] ?? 0;
  if (first & 0x80) {
    // GNU base-256 for sizes ≥ 8 GiB: larger than any package we accept.
    throw new TarError("an entry is larger than 8 GiB");
  }
  const value = text(block, start, length).trim();
  if (value === "") return 0;
  if (!/^[0-7]+$/.test(value)) throw new TarError("a header holds a malformed number");
  return parseInt(value, 8);
}

function checksumOk(block: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  return sum === octal(block, 148, 8);
}

/** Package-relative path, or a TarError naming the entry that tries to climb out. */
export function safeEntryPath(raw: string): string {
  let path = raw.replace(/^(?:\.\/)+/, "").replace(/\/+$/, "");
  if (path === "" || path === ".") return "";
  if (raw.startsWith("/") || /^[A-Za-z]:/.test(raw) || raw.includes("\\") || raw.includes("\0")) {
    throw new TarError(`the entry "${raw}" has an absolute or non-portable path`);
  }
  path = path.replace(/\/\.\//g, "/");
  if (path.split("/").some((part) => part === ".." || part === "")) {
    throw new TarError(`the entry "${raw}" would be written outside the package folder`);
  }
  return path;
}

/** pax records: "<byte length> <key>=<value>\n", repeated. */
function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const len = space === -1 ? NaN : Number(data.subarray(at, space).toString("ascii"));
    if (!Number.isSafeInteger(len) || len <= space - at)
      throw new TarError("a pax header is malformed");
    const record = data.subarray(space + 1, at + len - 1).toString("utf8");
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    at += len;
  }
  return out;
}

const REFUSED: Record<string, string> = {
  "1": "a hard link",
  "2": "a symbolic link",
  "3": "a character device",
  "4": "a block device",
  "6": "a FIFO",
  K: "a link",
};

/**
 * Reads every entry, calling `onEntry` for regular files and folders. Throws TarError for an
 * archive that is truncated, corrupted, or holds an entry a package may not hold.
 */
export async function readTar(
  source: AsyncIterable<Uint8Array>,
  onEntry: (entry: TarEntry) => Promise<ContentSink | null>,
  limits: TarLimits,
): Promise<void> {
  const maxEntries = limits.maxEntries ?? ARCHIVE_MAX_ENTRIES;
  const maxMetadata = limits.maxMetadataBytes ?? ARCHIVE_MAX_METADATA_BYTES;
  const reader = new ByteReader(source[Symbol.asyncIterator]());
  let pax: Record<string, string> = {};
  let longName: string | null = null;
  for (let count = 0; count < maxEntries; count++) {
    const block = await reader.take(BLOCK);
    if (block === null || block.every((b) => b === 0)) return;
    if (!checksumOk(block)) throw new TarError("the archive is not a tar file, or is corrupted");
    const type = String.fromCharCode(block[156] ?? 0);
    const size = pax.size !== undefined ? Number(pax.size) : octal(block, 124, 12);
    if (!Number.isSafeInteger(size) || size < 0)
      throw new TarError("an entry has a malformed size");
    const prefix = text(block, 257, 6).startsWith("ustar") ? text(block, 345, 155) : "";
    const name =
      pax.path ?? longName ?? (prefix ? `${prefix}/${text(block, 0, 100)}` : text(block, 0, 100));
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (type === "x" || type === "g" || type === "L") {
      // Checked before the allocation: a header may claim gigabytes of "name".
      if (size > maxMetadata) {
        throw new SourceLimitError(
          `the archive holds a ${size}-byte ${type === "L" ? "long name" : "pax header"}, over the ${maxMetadata} bytes a package archive's metadata may take; repack it with ordinary names`,
        );
      }
      const data = Buffer.alloc(size);
      let at = 0;
      await reader.pipe(size, async (chunk) => {
        chunk.copy(data, at);
        at += chunk.length;
      });
      await reader.pipe(padded - size, null);
      if (type === "x") pax = parsePax(data);
      if (type === "L") longName = text(data, 0, data.length);
      continue;
    }
    pax = {};
    longName = null;
    const refused = REFUSED[type];
    if (refused)
      throw new TarError(`the entry "${name}" is ${refused}; a package holds only files`);
    if (type !== "0" && type !== "\0" && type !== "7" && type !== "5") {
      throw new TarError(`the entry "${name}" has an unsupported type "${type}"`);
    }
    const path = safeEntryPath(name);
    const entryType = type === "5" ? "directory" : "file";
    if (size > limits.maxEntryBytes) {
      throw packageTooLarge(`the archive's entry "${path}"`, size, limits.maxEntryBytes);
    }
    const sink = path === "" ? null : await onEntry({ path, type: entryType, size });
    await reader.pipe(size, sink ? (chunk) => sink.write(chunk) : null);
    await sink?.end();
    await reader.pipe(padded - size, null);
  }
  throw new SourceLimitError(
    `the archive has more than ${maxEntries} entries, more than a package archive may hold; put only modelgate.json and its model file in it`,
  );
}
