import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { logBlocks } from "./log-blocks.js";

const fds: number[] = [];
afterEach(() => {
  for (const fd of fds.splice(0)) closeSync(fd);
});

function logFile(): { fd: number; read: () => string } {
  const path = join(mkdtempSync(join(tmpdir(), "mg-log-")), "out.log");
  const fd = openSync(path, "w");
  fds.push(fd);
  return { fd, read: () => readFileSync(path, "utf8") };
}

async function until(check: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out waiting for the log file");
    await new Promise((r) => setTimeout(r, 5));
  }
}

const line = (i: number) => `{"msg":"request","i":${i},"text":"é ✓"}\n`;

describe("logBlocks", () => {
  it("holds lines until a block is full, then writes them all, in order", async () => {
    const file = logFile();
    const out = logBlocks({ fd: file.fd, blockChars: 200, flushMs: 60_000 });
    out.write(line(0));
    await new Promise((r) => setTimeout(r, 50));
    expect(file.read()).toBe("");
    const lines = Array.from({ length: 6 }, (_, i) => line(i));
    for (const l of lines.slice(1)) out.write(l);
    await until(() => file.read().length > 0);
    expect(file.read()).toBe(lines.join(""));
  });

  it("writes a partial block once its oldest line has waited flushMs", async () => {
    const file = logFile();
    const out = logBlocks({ fd: file.fd, blockChars: 1 << 20, flushMs: 30 });
    out.write(line(1));
    await until(() => file.read() === line(1));
  });

  it("flushSync writes everything gathered before it returns", () => {
    const file = logFile();
    const out = logBlocks({ fd: file.fd, blockChars: 1 << 20, flushMs: 60_000 });
    const lines = Array.from({ length: 50 }, (_, i) => line(i));
    for (const l of lines) out.write(l);
    out.flushSync();
    expect(file.read()).toBe(lines.join(""));
  });

  it("loses no line when the process exits with lines still gathered", () => {
    const script = `
      import { logBlocks } from "./src/cli/log-blocks.ts";
      const out = logBlocks({ fd: 1, blockChars: 1 << 20, flushMs: 60_000 });
      for (let i = 0; i < 1000; i++) out.write(JSON.stringify({ i }) + "\\n");
      process.exit(0);
    `;
    const child = spawnSync(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      {
        encoding: "utf8",
      },
    );
    expect(child.stderr).toBe("");
    const got = child.stdout
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { i: number }).i);
    expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
});
