import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isModelgateError } from "../errors.js";
import { LOCK_FILE, readStoreLock } from "./lock.js";
import { openStore } from "./open.js";

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
      expect(await readStoreLock(dataDir)).toEqual({ pid: process.pid });
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
      expect((await readFile(join(dataDir, LOCK_FILE), "utf8")).trim()).toBe(String(process.pid));
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
    const store = await openStore({ dataDir });
    await store.close();
    expect((await stat(join(dataDir, "db"))).mode & 0o777).toBe(0o700);
    await expect(stat(join(dataDir, LOCK_FILE))).rejects.toMatchObject({ code: "ENOENT" });
  });
});
