import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ModelgateError } from "../errors.js";
import { BUILTIN_MODELS_DIR, checkSource, fetchPackage, readRegularFile } from "./index.js";
import { NotRegularFileError } from "./safe-file.js";
import { testContext } from "./test-support/context.js";

const BUILTIN = join(BUILTIN_MODELS_DIR, "lead-scoring");
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the shipped package, whose model.onnx the test then replaces. */
function packageDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "mg-local-"));
  dirs.push(dir);
  copyFileSync(join(BUILTIN, "modelgate.json"), join(dir, "modelgate.json"));
  return dir;
}

const ctx = () => testContext("http://unused.invalid");
const fail = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as ModelgateError,
  );

describe("folder sources read only regular files", () => {
  it("refuses a model.onnx that became a link to /dev/zero, before anything reads it", async () => {
    const dir = packageDir();
    symlinkSync("/dev/zero", join(dir, "model.onnx"));
    const c = ctx();
    const err = await fail(fetchPackage(dir, "21", c));
    expect(err?.code).toBe("source_file_refused");
    expect(err?.status).toBe(503);
    expect(err?.message).toContain(`${join(dir, "model.onnx")} is a symbolic link`);
    expect(err?.message).toContain("reads only regular files from a folder source");
    // /ready's cheap check says the same, without reading the model.
    expect(await checkSource(dir, "21", c)).toMatchObject({
      ok: false,
      error: { code: "source_file_refused" },
    });
    c.cleanup();
  });

  it("refuses a link even to a regular file, a FIFO (without blocking), and a linked folder", async () => {
    const linked = packageDir();
    symlinkSync(join(BUILTIN, "model.onnx"), join(linked, "model.onnx"));
    const fifo = packageDir();
    execFileSync("mkfifo", [join(fifo, "model.onnx")]);
    const c = ctx();
    expect((await fail(fetchPackage(linked, "21", c)))?.code).toBe("source_file_refused");
    const fifoErr = await fail(fetchPackage(fifo, "21", c));
    expect(fifoErr?.code).toBe("source_file_refused");
    expect(fifoErr?.message).toContain("is a FIFO (named pipe)");
    // A link to a folder higher up: O_NOFOLLOW only guards the last name, so parents are checked.
    const nested = packageDir();
    const spec = JSON.parse(readFileSync(join(nested, "modelgate.json"), "utf8")) as Record<
      string,
      Record<string, unknown>
    >;
    writeFileSync(
      join(nested, "modelgate.json"),
      JSON.stringify({ ...spec, runtime: { ...spec.runtime, file: "weights/model.onnx" } }),
    );
    symlinkSync(BUILTIN, join(nested, "weights"));
    const nestedErr = await fail(fetchPackage(nested, "21", c));
    expect(nestedErr?.code).toBe("source_file_refused");
    expect(nestedErr?.message).toContain(`${join(nested, "weights")} is a symbolic link`);
    c.cleanup();
  });

  it("refuses a package over MODEL_MAX_PACKAGE_MB, naming the setting", async () => {
    const dir = packageDir();
    copyFileSync(join(BUILTIN, "model.onnx"), join(dir, "model.onnx"));
    const small = testContext("http://unused.invalid", { limits: { maxPackageBytes: 100_000 } });
    const err = await fail(fetchPackage(dir, "21", small));
    expect(err?.code).toBe("source_too_large");
    expect(err?.message).toMatch(/over the 0\.1 MiB a package may take \(MODEL_MAX_PACKAGE_MB/);
    small.cleanup();
  });

  it("serves a plain package folder as before", async () => {
    const dir = packageDir();
    copyFileSync(join(BUILTIN, "model.onnx"), join(dir, "model.onnx"));
    mkdirSync(join(dir, "notes")); // other things in the folder are not read at all
    const c = ctx();
    expect(await fetchPackage(dir, "21", c)).toEqual({ dir, revision: null, fromCache: false });
    c.cleanup();
  });
});

describe("readRegularFile (what the ONNX runtime reads a model file with)", () => {
  it("reads a regular file, and refuses a device or a FIFO on the open descriptor", async () => {
    expect((await readRegularFile(join(BUILTIN, "modelgate.json"))).length).toBeGreaterThan(0);
    await expect(readRegularFile("/dev/zero")).rejects.toBeInstanceOf(NotRegularFileError);
    const dir = packageDir();
    execFileSync("mkfifo", [join(dir, "pipe")]);
    await expect(readRegularFile(join(dir, "pipe"))).rejects.toThrow(/is a FIFO/);
  });
});
