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
  it("holds lines while the next may fit, then writes them as one block, in order", async () => {
    const file = logFile();
    // A line is 39 characters (42 bytes), at most 117 bytes as far as the block can tell: the
    // second fits in 180 bytes (42 + 117), a third might not (84 + 117).
    const out = logBlocks({ fd: file.fd, blockBytes: 180, flushMs: 60_000 });
    const lines = Array.from({ length: 3 }, (_, i) => line(i));
    out.write(lines[0] as string);
    out.write(lines[1] as string);
    await new Promise((r) => setTimeout(r, 50));
    expect(file.read()).toBe("");
    out.write(lines[2] as string);
    await until(() => file.read().length > 0);
    expect(file.read()).toBe(lines.slice(0, 2).join(""));
    out.flushSync();
    expect(file.read()).toBe(lines.join(""));
  });

  it("writes a line longer than a block whole, after the lines before it", async () => {
    const file = logFile();
    const out = logBlocks({ fd: file.fd, blockBytes: 64, flushMs: 60_000 });
    const long = `{"msg":"${"é".repeat(100)}"}\n`;
    out.write("a\n");
    out.write(long);
    await until(() => file.read() === `a\n${long}`);
    out.write("b\n");
    out.flushSync();
    expect(file.read()).toBe(`a\n${long}b\n`);
  });

  it("writes a partial block once its oldest line has waited flushMs", async () => {
    const file = logFile();
    const out = logBlocks({ fd: file.fd, blockBytes: 1 << 20, flushMs: 30 });
    out.write(line(1));
    await until(() => file.read() === line(1));
  });

  it("flushSync writes everything gathered before it returns", () => {
    const file = logFile();
    const out = logBlocks({ fd: file.fd, blockBytes: 1 << 20, flushMs: 60_000 });
    const lines = Array.from({ length: 50 }, (_, i) => line(i));
    for (const l of lines) out.write(l);
    out.flushSync();
    expect(file.read()).toBe(lines.join(""));
  });

  it("loses no line when the process exits with lines still gathered", () => {
    const script = `
      import { logBlocks } from "./src/cli/log-blocks.ts";
      const out = logBlocks({ fd: 1, blockBytes: 1 << 20, flushMs: 60_000 });
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
