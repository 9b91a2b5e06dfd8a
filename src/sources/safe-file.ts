/**
 * Reading a package file that someone else's folder holds: only a regular file is read — never a
 * symbolic link (O_NOFOLLOW), a device (`/dev/zero` is endless), a FIFO (a read would block
 * forever: O_NONBLOCK) or a socket — and never more than the size it had when it was opened,
 * checked against the limit first. The check is made on the open descriptor (fstat), so the
 * file cannot be swapped between the check and the read.
 */
import type { Stats } from "node:fs";
import { constants } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { lstat, open } from "node:fs/promises";
import { join } from "node:path";
import { packageTooLarge } from "./limits.js";

/** A package path that is not a regular file (or goes through a link); never read. */
export class NotRegularFileError extends Error {
  constructor(
    readonly path: string,
    /** "a symbolic link", "a character device", ... */
    readonly kind: string,
  ) {
    super(`${path} is ${kind}, not a regular file`);
    this.name = "NotRegularFileError";
  }
}

export function kindOf(info: Stats): string {
  if (info.isSymbolicLink()) return "a symbolic link";
  if (info.isDirectory()) return "a folder";
  if (info.isCharacterDevice()) return "a character device";
  if (info.isBlockDevice()) return "a block device";
  if (info.isFIFO()) return "a FIFO (named pipe)";
  if (info.isSocket()) return "a socket";
  return "a regular file";
}

// O_NOFOLLOW and O_NONBLOCK do not exist on Windows; there the fstat check still holds.
const FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * Each folder between `dir` and `relative`'s file must be a real folder, not a link: O_NOFOLLOW
 * guards only the last name of a path.
 */
export async function checkParents(dir: string, relative: string): Promise<void> {
  const parts = relative.split("/").slice(0, -1);
  let at = dir;
  for (const part of parts) {
    at = join(at, part);
    const info = await lstat(at);
    if (!info.isDirectory()) throw new NotRegularFileError(at, kindOf(info));
  }
}

/** Opens `path` only if it is a regular file; its size as of the open. */
export async function openRegularFile(path: string): Promise<{ fh: FileHandle; size: number }> {
  let fh: FileHandle;
  try {
    fh = await open(path, FLAGS);
  } catch (err) {
    // ELOOP: the last name is a symbolic link (O_NOFOLLOW); ENXIO: a FIFO or socket.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ELOOP" || code === "ENXIO" || code === "EMLINK") {
      const info = await lstat(path).catch(() => undefined);
      throw new NotRegularFileError(path, info ? kindOf(info) : "not a regular file");
    }
    throw err;
  }
  const info = await fh.stat();
  if (!info.isFile()) {
    await fh.close();
    throw new NotRegularFileError(path, kindOf(info));
  }
  return { fh, size: info.size };
}

/**
 * The whole content of a regular file of at most `maxBytes` (SourceLimitError past it, named
 * `name`); a file that grows while it is read is read to its size at open time.
 */
export async function readRegularFile(
  path: string,
  maxBytes = Number.MAX_SAFE_INTEGER,
  name = path,
): Promise<Buffer> {
  const { fh, size } = await openRegularFile(path);
  try {
    if (size > maxBytes) throw packageTooLarge(name, size, maxBytes);
    const data = Buffer.alloc(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await fh.read(data, at, size - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return at === size ? data : data.subarray(0, at);
  } finally {
    await fh.close();
  }
}
