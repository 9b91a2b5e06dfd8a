import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, open, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** fsync a folder so a rename inside it survives a crash (a no-op where folders cannot be). */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r").catch(() => undefined);
  if (!fh) return;
  try {
    await fh.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  } finally {
    await fh.close();
  }
}

/** Write a small file atomically: temporary name in the same folder, fsync, rename, fsync dir. */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const temp = join(
    dirname(path),
    `.${basename(path)}.part-${process.pid}-${randomBytes(4).toString("hex")}`,
  );
  try {
    const fh = await open(temp, "wx");
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, path);
    await fsyncDir(dirname(path));
  } finally {
    await rm(temp, { force: true });
  }
}

/** sha256 and git blob id of a file on disk. */
export async function hashFile(path: string): Promise<{ sha256: string; gitSha1: string }> {
  const info = await lstat(path);
  const sha256 = createHash("sha256");
  const git = createHash("sha1").update(`blob ${info.size}\0`);
  for await (const chunk of createReadStream(path)) {
    sha256.update(chunk as Buffer);
    git.update(chunk as Buffer);
  }
  return { sha256: sha256.digest("hex"), gitSha1: git.digest("hex") };
}

const STALE_MS = 60 * 60 * 1000;
/** `.NAME.part-PID-RAND` files, and `.staging-PID-RAND` / `.archive-PID-RAND` of http sources. */
const LEFTOVER = /(?:\.part|^\.staging|^\.archive)-\d+-[0-9a-f]+$/;

/**
 * Removes what a crashed download left behind, once it is old enough that no live download can
 * own it. Leftovers are never served either way: only complete, renamed files are.
 */
export async function removeStaleParts(dir: string, now = Date.now()): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!LEFTOVER.test(name)) continue;
    const info = await lstat(join(dir, name)).catch(() => undefined);
    if (info && now - info.mtimeMs > STALE_MS) {
      await rm(join(dir, name), { recursive: true, force: true });
    }
  }
}

export interface AtomicFile {
  write(chunk: Buffer): Promise<void>;
  /** fsync, rename into place; the size and sha256 of what was written. */
  commit(): Promise<{ size: number; sha256: string }>;
  /** Remove the temporary file (after a failure). */
  abort(): Promise<void>;
}

/** A file written under a temporary name in its folder and renamed into place on commit. */
export async function createAtomicFile(dest: string): Promise<AtomicFile> {
  const temp = join(
    dirname(dest),
    `.${basename(dest)}.part-${process.pid}-${randomBytes(4).toString("hex")}`,
  );
  const fh = await open(temp, "wx");
  const hash = createHash("sha256");
  let size = 0;
  let closed = false;
  return {
    async write(chunk) {
      await fh.write(chunk);
      hash.update(chunk);
      size += chunk.length;
    },
    async commit() {
      await fh.sync();
      await fh.close();
      closed = true;
      await rename(temp, dest);
      return { size, sha256: hash.digest("hex") };
    },
    async abort() {
      if (!closed) await fh.close().catch(() => undefined);
      closed = true;
      await rm(temp, { force: true });
    },
  };
}
