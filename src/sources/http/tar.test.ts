import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { TarSpec } from "../test-support/tar-writer.js";
import { tarOf } from "../test-support/tar-writer.js";
import { SourceLimitError } from "../limits.js";
import type { TarEntry } from "./tar.js";
import { readTar, safeEntryPath, TarError } from "./tar.js";

const GiB = 1024 * 1024 * 1024;

async function* chunked(data: Buffer, size = 97): AsyncIterable<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function read(
  data: Buffer,
  maxEntryBytes = 2 * GiB,
): Promise<{ entry: TarEntry; content: string }[]> {
  const out: { entry: TarEntry; content: string }[] = [];
  await readTar(
    chunked(data),
    async (entry) => {
      const parts: Buffer[] = [];
      return {
        write: async (chunk) => void parts.push(Buffer.from(chunk)),
        end: async () => void out.push({ entry, content: Buffer.concat(parts).toString() }),
      };
    },
    { maxEntryBytes },
  );
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

  describe("limits, checked on the header before anything is allocated or streamed", () => {
    const limitError = (entries: TarSpec[], maxEntryBytes?: number) =>
      read(tarOf(entries), maxEntryBytes).then(
        () => null,
        (e: unknown) => e as Error,
      );

    it("a pax header or long name claiming 3.5 GB (or 100 MB) is refused, not allocated", async () => {
      for (const claimedSize of [3.5e9, 100 * 1024 * 1024]) {
        for (const type of ["pax", "longname"] as const) {
          const err = await limitError([
            { path: "././@PaxHeader", type, content: "", claimedSize, headerOnly: true },
          ]);
          expect(err).toBeInstanceOf(SourceLimitError);
          expect(err?.message).toMatch(/over the 65536 bytes a package archive's metadata/);
        }
      }
    });

    it("a file entry claiming more than the package limit is refused before its content", async () => {
      const err = await limitError(
        [{ path: "model.onnx", content: "", claimedSize: 3.5e9, headerOnly: true }],
        2 * GiB,
      );
      expect(err).toBeInstanceOf(SourceLimitError);
      expect(err?.message).toContain('the archive\'s entry "model.onnx" is 3337.9 MiB');
      expect(err?.message).toContain("MODEL_MAX_PACKAGE_MB");
    });

    it("caps the number of entries at 10,000", async () => {
      const many = Array.from({ length: 10_001 }, (_, i) => ({
        path: `d${i}/`,
        type: "directory",
      }));
      const err = await limitError(many as TarSpec[]);
      expect(err).toBeInstanceOf(SourceLimitError);
      expect(err?.message).toContain("more than 10000 entries");
    });
  });
});
