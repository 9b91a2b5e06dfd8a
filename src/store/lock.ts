/**
 * One process at a time in an embedded data dir: the admin socket, the usage buffer and the
 * database belong to one server. SQLite's own exclusive lock (./sqlite.ts) backs this up where a
 * heartbeat cannot tell (a holder that stalled past STALE_AFTER_MS and was taken over).
 *
 * `<dataDir>/db.lock` names its holder — pid, hostname and a random instance id — and the
 * holder touches it every HEARTBEAT_MS. A lock is alive while its heartbeat is fresh, wherever
 * the holder runs: a pid alone cannot tell, since two containers sharing a volume are both pid 1
 * and `kill(pid, 0)` only sees this host's (or this container's) processes. A lock whose
 * heartbeat stopped for STALE_AFTER_MS is taken over, with a warning — unless its holder is a
 * live process on this very host (a stalled event loop is not a dead process).
 *
 * The lock file is written whole to a temporary name and then hard-linked into place: link()
 * is atomic and fails if the name exists, so nobody ever reads a half-written lock, and two
 * processes starting together cannot both win.
 */
import { randomBytes } from "node:crypto";
import { link, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { ModelgateError } from "../errors.js";
import { errorCode, errorMessage } from "./db-errors.js";

export const LOCK_FILE = "db.lock";

export const LOCK_TIMING = {
  heartbeatMs: 2_000,
  /** Three missed beats and a margin. */
  staleAfterMs: 8_000,
};

/** This process: one instance id for its whole life, so its own locks are recognised. */
const INSTANCE = randomBytes(8).toString("hex");
const HOST = hostname();

/** Lock paths this process holds, so a second open in the same process is refused too. */
const heldHere = new Set<string>();

export interface LockHolder {
  pid: number;
  /** Absent in a lock written by an older modelgate (a bare pid). */
  host?: string;
  instance?: string;
}

export interface StoreLock {
  readonly path: string;
  release(): Promise<void>;
}

export interface LockOptions {
  /** A stale lock was taken over: the sentence to show. */
  onWarning?: (sentence: string) => void;
}

/**
 * The process that holds the data dir, or null when none does (no lock, or a stale one).
 * The CLI uses this to tell whether a server is running before it touches the store.
 */
export async function readStoreLock(dataDir: string): Promise<LockHolder | null> {
  const path = lockPathOf(dataDir);
  const found = await readLock(path);
  return found && isHolderAlive(found, path) ? found.holder : null;
}

export async function acquireStoreLock(
  dataDir: string,
  options: LockOptions = {},
): Promise<StoreLock> {
  const path = lockPathOf(dataDir);
  try {
    // A few rounds: each lost race (someone took or dropped the lock meanwhile) costs one.
    for (let round = 0; round < 5; round += 1) {
      if (await tryCreate(path)) return held(path);
      const found = await readLock(path);
      if (found === null) continue;
      if (isHolderAlive(found, path)) throw inUse(dataDir, found.holder, path);
      if (await removeStale(path, found.text)) {
        options.onWarning?.(takeOverSentence(dataDir, found));
      }
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

function describeHolder(holder: LockHolder): string {
  const self = holder.instance === INSTANCE ? " (this process)" : "";
  const where = holder.host !== undefined && holder.host !== HOST ? ` on host ${holder.host}` : "";
  return `process ${holder.pid}${self}${where}`;
}

function inUse(dataDir: string, holder: LockHolder, path: string): ModelgateError {
  const staleS = LOCK_TIMING.staleAfterMs / 1000;
  return new ModelgateError(
    "store_unavailable",
    `${inUseSentence(dataDir, describeHolder(holder))}; if no modelgate runs ` +
      `as pid ${holder.pid}, delete ${path} (a lock whose holder stopped is taken over ` +
      `${staleS} s after its last heartbeat)`,
  );
}

/**
 * What users read when a data dir is taken — by the holder of its lock file, or by whoever holds
 * the embedded database's own lock (./sqlite.ts), which no lock file can outwit.
 */
export function inUseSentence(dataDir: string, holder: string): string {
  return (
    `the data dir ${dataDir} is in use by ${holder}: stop that modelgate first ` +
    "(store commands reach a running server through its admin socket)"
  );
}

function takeOverSentence(dataDir: string, found: FoundLock): string {
  const age = Math.round(found.ageMs / 1000);
  return (
    `took over the data dir ${dataDir} from ${describeHolder(found.holder)}, whose lock had ` +
    `no heartbeat for ${age} s (it crashed or was killed); if that process still runs, stop it ` +
    "now: two processes on one embedded database corrupt it"
  );
}

function held(path: string): StoreLock {
  heldHere.add(path);
  const beat = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => clearInterval(beat));
  }, LOCK_TIMING.heartbeatMs);
  beat.unref();
  return {
    path,
    async release() {
      clearInterval(beat);
      heldHere.delete(path);
      // Remove only our own lock; never one another process took over meanwhile.
      const found = await readLock(path).catch(() => null);
      if (found?.holder.instance === INSTANCE) await rm(path, { force: true });
    },
  };
}

async function tryCreate(path: string): Promise<boolean> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}`;
  const holder: Required<LockHolder> = { pid: process.pid, host: HOST, instance: INSTANCE };
  await writeFile(temp, `${JSON.stringify(holder)}\n`, { mode: 0o600 });
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

interface FoundLock {
  holder: LockHolder;
  /** Since the last heartbeat (the file's modification time). */
  ageMs: number;
  text: string;
}

/** The lock's holder (pid -1 for unreadable content: never alive); null when there is none. */
async function readLock(path: string): Promise<FoundLock | null> {
  let text: string;
  let modified: number;
  try {
    [text, modified] = await Promise.all([
      readFile(path, "utf8"),
      stat(path).then((s) => s.mtimeMs),
    ]);
  } catch (err) {
    if (errorCode(err) === "ENOENT") return null;
    throw err;
  }
  return { holder: parseHolder(text), ageMs: Date.now() - modified, text };
}

function parseHolder(text: string): LockHolder {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed) }; // an older modelgate's lock
  try {
    const value = JSON.parse(trimmed) as Partial<Record<keyof LockHolder, unknown>>;
    if (
      Number.isSafeInteger(value.pid) &&
      typeof value.host === "string" &&
      typeof value.instance === "string"
    ) {
      return { pid: Number(value.pid), host: value.host, instance: value.instance };
    }
  } catch {
    // Not JSON: unreadable, below.
  }
  return { pid: -1 };
}

function isHolderAlive(found: FoundLock, path: string): boolean {
  const { holder } = found;
  if (holder.instance === INSTANCE) return heldHere.has(path);
  if (holder.pid <= 0) return false;
  // An older modelgate writes no heartbeat: its pid is all there is to go by.
  if (holder.instance === undefined) return pidRunsHere(holder.pid);
  if (found.ageMs < LOCK_TIMING.staleAfterMs) return true;
  // Silent for long: alive only if it is a process on this host, and not our own pid (in a
  // container the server is pid 1 on every restart; that lock is a previous life of ours).
  return holder.host === HOST && holder.pid !== process.pid && pidRunsHere(holder.pid);
}

function pidRunsHere(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0); // signal 0: existence check only
    return true;
  } catch (err) {
    return errorCode(err) === "EPERM"; // alive, but owned by another user
  }
}

/** True when the stale lock judged by `staleText` was removed (by us). */
async function removeStale(path: string, staleText: string): Promise<boolean> {
  // Move it aside atomically, then check we moved the file we judged stale: another process
  // may have replaced it with its own live lock in between.
  const aside = `${path}.stale.${process.pid}.${randomBytes(4).toString("hex")}`;
  try {
    await rename(path, aside);
  } catch (err) {
    if (errorCode(err) === "ENOENT") return false;
    throw err;
  }
  try {
    if ((await readFile(aside, "utf8")) !== staleText) {
      // We took a live lock away: put it back unless someone already created a new one.
      await link(aside, path).catch(() => undefined);
      return false;
    }
    return true;
  } finally {
    await rm(aside, { force: true });
  }
}
