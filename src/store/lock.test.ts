import { execFile, spawn } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isModelgateError } from "../errors.js";
import { LOCK_FILE, readStoreLock } from "./lock.js";
import { openStore } from "./open.js";
import { SQLITE_FILE } from "./sqlite.js";

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL("./test-support/open-in-child.ts", import.meta.url));

interface ChildOutcome {
  ok: boolean;
  pid: number;
  code?: string;
  message?: string;
}

/** Open the store from another Node process and report what happened there. */
async function openInChild(dataDir: string): Promise<ChildOutcome> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", CHILD, dataDir], {
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as ChildOutcome;
}

/** The pid of a process that has certainly exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.on("exit", resolve));
  if (child.pid === undefined) throw new Error("no pid");
  return child.pid;
}

describe("the embedded data dir lock", () => {
  let dataDir = "";
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "modelgate-lock-"));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it("refuses a second process, naming the holder's pid", { timeout: 90_000 }, async () => {
    const store = await openStore({ dataDir });
    try {
      expect(await readStoreLock(dataDir)).toMatchObject({ pid: process.pid, host: hostname() });
      const outcome = await openInChild(dataDir);
      expect(outcome).toMatchObject({ ok: false, code: "store_unavailable" });
      expect(outcome.message).toContain(`in use by process ${process.pid}`);
      expect(outcome.message).toContain(dataDir);
    } finally {
      await store.close();
    }
    expect(await readStoreLock(dataDir)).toBeNull();
    expect(await openInChild(dataDir)).toMatchObject({ ok: true });
  });

  it("refuses a second open in the same process", async () => {
    const store = await openStore({ dataDir });
    try {
      const error = await openStore({ dataDir }).catch((err: unknown) => err);
      expect(isModelgateError(error) && error.code).toBe("store_unavailable");
      expect(String(error)).toContain("(this process)");
    } finally {
      await store.close();
    }
  });

  it("takes over a stale lock left by a dead process", async () => {
    const pid = await deadPid();
    await writeFile(join(dataDir, LOCK_FILE), `${pid}\n`);
    expect(await readStoreLock(dataDir)).toBeNull();
    const store = await openStore({ dataDir });
    try {
      const lock = JSON.parse(await readFile(join(dataDir, LOCK_FILE), "utf8")) as object;
      expect(lock).toMatchObject({ pid: process.pid, host: hostname() });
    } finally {
      await store.close();
    }
  });

  it("treats its own pid in a lock it never took as stale (restarted container)", async () => {
    await writeFile(join(dataDir, LOCK_FILE), `${process.pid}\n`);
    expect(await readStoreLock(dataDir)).toBeNull();
    const store = await openStore({ dataDir });
    await store.close();
  });

  it("keeps the database owner-only and frees the lock on close", async () => {
    const fresh = join(dataDir, "fresh");
    const store = await openStore({ dataDir: fresh });
    await store.close();
    expect((await stat(fresh)).mode & 0o777).toBe(0o700);
    expect((await stat(join(fresh, SQLITE_FILE))).mode & 0o777).toBe(0o600);
    await expect(stat(join(fresh, LOCK_FILE))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it(
    "SQLite's own lock keeps out a second process the lock file let in",
    { timeout: 90_000 },
    async () => {
      const store = await openStore({ dataDir });
      try {
        // As after a takeover of a holder that only looked dead (a frozen container).
        await rm(join(dataDir, LOCK_FILE));
        const outcome = await openInChild(dataDir);
        expect(outcome).toMatchObject({ ok: false, code: "store_unavailable" });
        expect(outcome.message).toContain(`the data dir ${dataDir} is in use by another process`);
        expect(outcome.message).toContain("stop that modelgate first");
        // The first process never noticed: its database still answers.
        await store.db.insertInto("meta").values({ key: "still", value: "1" }).execute();
      } finally {
        await store.close();
      }
    },
  );

  /** A lock as another modelgate writes it, with its last heartbeat `ageMs` ago. */
  async function lockOf(holder: object, ageMs = 0): Promise<void> {
    const path = join(dataDir, LOCK_FILE);
    await writeFile(path, `${JSON.stringify(holder)}\n`);
    const at = new Date(Date.now() - ageMs);
    await utimes(path, at, at);
  }

  it("refuses another container's live lock though its pid is ours (both pid 1)", async () => {
    // Same pid number, same hostname even: only the heartbeat says it is alive.
    await lockOf({ pid: process.pid, host: hostname(), instance: "another-container" });
    const error = await openStore({ dataDir }).catch((err: unknown) => err);
    expect(isModelgateError(error) && error.code).toBe("store_unavailable");
    expect(String(error)).toContain(`the data dir ${dataDir} is in use by process ${process.pid}`);
    expect(String(error)).toContain("stop that modelgate first");
    expect(await readStoreLock(dataDir)).toMatchObject({ instance: "another-container" });
  });

  it("names the other host of a live lock", async () => {
    await lockOf({ pid: 1, host: "web-7f9c", instance: "abc" });
    const error = await openStore({ dataDir }).catch((err: unknown) => err);
    expect(String(error)).toContain("in use by process 1 on host web-7f9c");
  });

  it("takes over a lock whose heartbeat stopped, with a warning", async () => {
    await lockOf({ pid: 1, host: "web-7f9c", instance: "abc" }, 60_000);
    const warnings: string[] = [];
    const store = await openStore({ dataDir, onWarning: (s) => warnings.push(s) });
    await store.close();
    expect(warnings).toEqual([
      expect.stringMatching(
        /^took over the data dir .* from process 1 on host web-7f9c, whose lock had no heartbeat for 60 s/,
      ),
    ]);
  });

  it("keeps a silent lock of a live process on this host (a stalled loop is not death)", async () => {
    await lockOf({ pid: process.ppid, host: hostname(), instance: "stalled" }, 60_000);
    const error = await openStore({ dataDir }).catch((err: unknown) => err);
    expect(String(error)).toContain(`in use by process ${process.ppid}`);
  });

  it("its holder keeps the lock fresh with a heartbeat", { timeout: 20_000 }, async () => {
    const store = await openStore({ dataDir });
    try {
      const path = join(dataDir, LOCK_FILE);
      const old = new Date(Date.now() - 60_000);
      await utimes(path, old, old);
      let fresh = false;
      for (let i = 0; i < 150 && !fresh; i++) {
        await new Promise((r) => setTimeout(r, 100));
        fresh = (await stat(path)).mtimeMs > old.getTime() + 30_000;
      }
      expect(fresh).toBe(true);
    } finally {
      await store.close();
    }
  });
});

describe("a data dir others can write to", () => {
  let dataDir = "";
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "modelgate-perm-"));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it("is refused with the command that fixes it", async () => {
    await chmod(dataDir, 0o777);
    const error = await openStore({ dataDir }).catch((err: unknown) => err);
    expect(isModelgateError(error) && error.code).toBe("store_unavailable");
    expect(String(error)).toContain(
      `the data dir ${dataDir} is writable by its group and every user (mode 777)`,
    );
    expect(String(error)).toContain(`chmod 700 ${dataDir}`);
    await chmod(dataDir, 0o770);
    expect(String(await openStore({ dataDir }).catch((err: unknown) => err))).toContain(
      "writable by its group (mode 770)",
    );
    await chmod(dataDir, 0o700);
    await (await openStore({ dataDir })).close();
  });
});
