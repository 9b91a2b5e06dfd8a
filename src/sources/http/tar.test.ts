import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { TarSpec } from "../test-support/tar-writer.js";
import { tarOf } from "../test-support/tar-writer.js";
import type { TarEntry } from "./tar.js";
import { readTar, safeEntryPath, TarError } from "./tar.js";

async function* chunked(data: Buffer, size = 97): AsyncIterable<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function read(data: Buffer): Promise<{ entry: TarEntry; content: string }[]> {
  const out: { entry: TarEntry; content: string }[] = [];
  await readTar(chunked(data), async (entry) => {
    const parts: Buffer[] = [];
    return {
      write: async (chunk) => void parts.push(Buffer.from(chunk)),
      end: async () => void out.push({ entry, content: Buffer.concat(parts).toString() }),
    };
  });
  return out;
}

const refusal = (entries: TarSpec[]) =>
  read(tarOf(entries)).then(
    () => null,
    (e: unknown) => e,
  );

describe("tar reader", () => {
  it("reads files and folders in small chunks, with long (pax) names", async () => {
    const long = `pkg/${"d".repeat(120)}/model.onnx`;
    const got = await read(
      tarOf([
        { path: "pkg/", type: "directory" },
        { path: "./pkg/modelgate.json", content: "{}" },
        { path: long, content: "x".repeat(1500) },
      ]),
    );
    expect(got.map((g) => [g.entry.path, g.entry.type, g.content.length])).toEqual([
      ["pkg", "directory", 0],
      ["pkg/modelgate.json", "file", 2],
      [long, "file", 1500],
    ]);
  });

  it("reads what GNU tar writes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mg-tar-"));
    try {
      mkdirSync(join(dir, "pkg"));
      writeFileSync(join(dir, "pkg", "modelgate.json"), '{"a":1}');
      writeFileSync(join(dir, "pkg", "model.onnx"), Buffer.alloc(3000, 7));
      const archive = execFileSync("tar", ["-cf", "-", "-C", dir, "pkg"]);
      const got = await read(archive);
      expect(got.map((g) => g.entry.path).sort()).toEqual([
        "pkg",
        "pkg/model.onnx",
        "pkg/modelgate.json",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses path traversal, absolute paths and links, for the whole archive", async () => {
    for (const bad of [
      [{ path: "../evil.onnx", content: "x" }],
      [{ path: "pkg/../../evil", content: "x" }],
      [{ path: "/etc/evil", content: "x" }],
      [{ path: "pkg/model.onnx", type: "symlink", linkname: "/etc/passwd" }],
      [{ path: "pkg/model.onnx", type: "hardlink", linkname: "pkg/modelgate.json" }],
    ] satisfies TarSpec[][]) {
      const err = await refusal(bad);
      expect(err, JSON.stringify(bad)).toBeInstanceOf(TarError);
    }
    expect(safeEntryPath("./a/./b")).toBe("a/b");
  });

  it("refuses truncated and corrupted archives", async () => {
    const whole = tarOf([{ path: "a", content: "x".repeat(2000) }]);
    await expect(read(whole.subarray(0, 1000))).rejects.toThrow(/truncated/);
    const corrupt = Buffer.from(whole);
    corrupt[10] = 0x41;
    await expect(read(corrupt)).rejects.toThrow(/not a tar file/);
  });
});
