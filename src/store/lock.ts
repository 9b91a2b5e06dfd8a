/**
 * One process at a time in an embedded data dir. PGlite has no locking of its own: two
 * processes opening the same folder both write to it and corrupt it. `<dataDir>/db.lock` holds
 * the owner's pid; a lock whose pid no longer runs is stale and is taken over.
 *
 * The lock file is written whole to a temporary name and then hard-linked into place: link()
 * is atomic and fails if the name exists, so nobody ever reads a half-written lock, and two
 * processes starting together cannot both win.
 */
import { randomBytes } from "node:crypto";
import { link, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ModelgateError } from "../errors.js";
import { errorCode, errorMessage } from "./db-errors.js";

export const LOCK_FILE = "db.lock";

/** Lock paths this process holds, so a second open in the same process is refused too. */
const heldHere = new Set<string>();

export interface StoreLock {
  readonly path: string;
  release(): Promise<void>;
}

/**
 * The process that holds the data dir, or null when none does (no lock, or a stale one).
 * The CLI uses this to tell whether a server is running before it touches the store.
 */
export async function readStoreLock(dataDir: string): Promise<{ pid: number } | null> {
  const path = lockPathOf(dataDir);
  const pid = await readLockPid(path);
  return pid !== null && isHolderAlive(pid, path) ? { pid } : null;
}

export async function acquireStoreLock(dataDir: string): Promise<StoreLock> {
  const path = lockPathOf(dataDir);
  try {
    // A few rounds: each lost race (someone took or dropped the lock meanwhile) costs one.
    for (let round = 0; round < 5; round += 1) {
      if (await tryCreate(path)) {
        heldHere.add(path);
        return { path, release: () => release(path) };
      }
      const pid = await readLockPid(path);
      if (pid === null) continue;
      if (isHolderAlive(pid, path)) throw inUse(dataDir, pid, path);
      await removeStale(path, pid);
    }
  } catch (err) {
    if (err instanceof ModelgateError) throw err;
    throw new ModelgateError(
      "store_unavailable",
      `cannot lock the data dir ${dataDir}: ${errorMessage(err)}`,
      { cause: err },
    );
  }
  throw new ModelgateError(
    "store_unavailable",
    `cannot lock the data dir ${dataDir}: other processes keep taking ${path}; start one modelgate at a time`,
  );
}

function lockPathOf(dataDir: string): string {
  return join(resolve(dataDir), LOCK_FILE);
}

function inUse(dataDir: string, pid: number, path: string): ModelgateError {
  const who = pid === process.pid ? `process ${pid} (this process)` : `process ${pid}`;
  return new ModelgateError(
    "store_unavailable",
    `the data dir ${dataDir} is in use by ${who}: stop that modelgate first (store commands ` +
      `reach a running server through its admin socket); if no modelgate runs as pid ${pid}, ` +
      `delete ${path}`,
  );
}

async function tryCreate(path: string): Promise<boolean> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}`;
  await writeFile(temp, `${process.pid}\n`, { mode: 0o600 });
  try {
    await link(temp, path);
    return true;
  } catch (err) {
    if (errorCode(err) === "EEXIST") return false;
    throw err;
  } finally {
    await rm(temp, { force: true });
  }
}

/** The pid in a lock file; -1 for unreadable content (never alive); null when there is none. */
async function readLockPid(path: string): Promise<number | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if (errorCode(err) === "ENOENT") return null;
    throw err;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : -1;
}

function isHolderAlive(pid: number, path: string): boolean {
  // Our own pid in a lock we did not take is a previous life of this process: in a container
  // the server is pid 1 on every restart, and the old lock must not lock it out forever.
  if (pid === process.pid) return heldHere.has(path);
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0); // signal 0: existence check only
    return true;
  } catch (err) {
    return errorCode(err) === "EPERM"; // alive, but owned by another user
  }
}

async function removeStale(path: string, stalePid: number): Promise<void> {
  // Move it aside atomically, then check we moved the file we judged stale: another process
  // may have replaced it with its own live lock in between.
  const aside = `${path}.stale.${process.pid}.${randomBytes(4).toString("hex")}`;
  try {
    await rename(path, aside);
  } catch (err) {
    if (errorCode(err) === "ENOENT") return;
    throw err;
  }
  try {
    if ((await readLockPid(aside)) !== stalePid) {
      // We took a live lock away: put it back unless someone already created a new one.
      await link(aside, path).catch(() => undefined);
    }
  } finally {
    await rm(aside, { force: true });
  }
}

async function release(path: string): Promise<void> {
  heldHere.delete(path);
  // Remove only our own lock; never one another process took over meanwhile.
  if ((await readLockPid(path).catch(() => null)) === process.pid) {
    await rm(path, { force: true });
  }
}
