import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { removeStaleParts } from "./files.js";
import type { Manifest } from "./store.js";
import { readComplete, verifyComplete, writeComplete } from "./store.js";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function completeFolder(): Promise<Manifest> {
  dir = mkdtempSync(join(tmpdir(), "mg-cache-"));
  writeFileSync(join(dir, "model.onnx"), "abc");
  const manifest: Manifest = {
    format: 1,
    source: "hf://a/b",
    revision: "0".repeat(40),
    files: [
      {
        path: "model.onnx",
        size: 3,
        sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      },
    ],
    completedAt: new Date().toISOString(),
  };
  await writeComplete(dir, manifest);
  return manifest;
}

describe("artifact cache folders", () => {
  it("serves a folder only with its marker and every file at its recorded size", async () => {
    const manifest = await completeFolder();
    expect(await readComplete(dir)).toEqual(manifest);
    expect(await verifyComplete(dir)).toEqual([]);
    writeFileSync(join(dir, "model.onnx"), "abcd");
    expect(await readComplete(dir)).toBeNull();
    rmSync(join(dir, "model.onnx"));
    symlinkSync("/etc/hostname", join(dir, "model.onnx"));
    expect(await readComplete(dir)).toBeNull();
  });

  it("re-hashing finds a file changed behind the manifest's back", async () => {
    await completeFolder();
    writeFileSync(join(dir, "model.onnx"), "xyz");
    expect(await verifyComplete(dir)).toEqual([expect.stringContaining("model.onnx: sha256 is")]);
  });

  it("removes a crashed download's leftovers once they are old, never fresh ones", async () => {
    dir = mkdtempSync(join(tmpdir(), "mg-cache-"));
    writeFileSync(join(dir, ".model.onnx.part-123-abcd"), "old");
    writeFileSync(join(dir, ".model.onnx.part-124-beef"), "fresh");
    mkdirSync(join(dir, ".staging-125-cafe"));
    writeFileSync(join(dir, "model.onnx"), "kept");
    const old = new Date(Date.now() - 2 * 3600_000);
    utimesSync(join(dir, ".model.onnx.part-123-abcd"), old, old);
    utimesSync(join(dir, ".staging-125-cafe"), old, old);
    await removeStaleParts(dir);
    expect((await readdir(dir)).sort()).toEqual([".model.onnx.part-124-beef", "model.onnx"]);
  });
});
