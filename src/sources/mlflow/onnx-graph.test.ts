import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Tensor } from "onnxruntime-node";
import { buildOnnxModel } from "../../runtimes/onnx/test-support/onnx-builder.js";
import { churnModel, irisModel } from "../../runtimes/onnx/test-support/test-models.js";
import { NotRegularFileError } from "../safe-file.js";
import { closeTo, runtimeRun } from "../../../test/support/oip.js";
import { OnnxFormatError, readOnnxGraph } from "./onnx-graph.js";
import { inlineExternalData } from "./onnx-inline.js";
import { withExternalData } from "./test-support/models.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function write(files: Record<string, Uint8Array | string>): string {
  const dir = mkdtempSync(join(tmpdir(), "mg-onnx-"));
  dirs.push(dir);
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
  return dir;
}

describe("readOnnxGraph", () => {
  it("reads the graph's inputs and outputs: names, element types, shapes", async () => {
    const dir = write({ "model.onnx": irisModel() });
    expect(await readOnnxGraph(join(dir, "model.onnx"))).toEqual({
      inputs: [{ name: "input-0", elemType: 1, shape: ["N", 4] }],
      outputs: [
        { name: "label", elemType: 7, shape: ["N"] },
        { name: "probabilities", elemType: 1, shape: ["N", 3] },
      ],
      externalFiles: [],
    });
  });

  it("hides an input that is also an initializer (it has a default), as onnxruntime does", async () => {
    const model = buildOnnxModel({
      inputs: [
        { name: "x", type: "float32", shape: ["N", 2] },
        { name: "B", type: "float32", shape: [2] },
      ],
      outputs: [{ name: "y", type: "float32", shape: ["N", 2] }],
      initializers: [{ name: "B", type: "float32", dims: [2], values: [1, 2] }],
      nodes: [{ op: "Add", inputs: ["x", "B"], outputs: ["y"] }],
    });
    const graph = await readOnnxGraph(join(write({ "m.onnx": model }), "m.onnx"));
    expect(graph.inputs.map((i) => i.name)).toEqual(["x"]);
  });

  it("lists the external data files the initializers name", async () => {
    const { onnx } = withExternalData(churnModel(), "weights.bin");
    const graph = await readOnnxGraph(join(write({ "m.onnx": onnx }), "m.onnx"));
    expect(graph.externalFiles).toEqual(["weights.bin"]);
  });

  it("refuses what is not an ONNX file, a cut one, and a link", async () => {
    const model = Buffer.from(irisModel());
    const dir = write({
      "text.onnx": "not an onnx file",
      "cut.onnx": model.subarray(0, Math.floor(model.length / 2)),
      "real.onnx": model,
    });
    symlinkSync(join(dir, "real.onnx"), join(dir, "link.onnx"));
    await expect(readOnnxGraph(join(dir, "text.onnx"))).rejects.toBeInstanceOf(OnnxFormatError);
    await expect(readOnnxGraph(join(dir, "cut.onnx"))).rejects.toBeInstanceOf(OnnxFormatError);
    await expect(readOnnxGraph(join(dir, "link.onnx"))).rejects.toBeInstanceOf(NotRegularFileError);
  });
});

describe("inlineExternalData", () => {
  it("makes one file that onnxruntime runs exactly as the original", async () => {
    const { onnx, data } = withExternalData(churnModel(), "w.bin");
    const dir = write({ "m.onnx": onnx, "w.bin": data });
    const files = new Map([["w.bin", { path: join(dir, "w.bin"), size: data.length }]]);
    await inlineExternalData(join(dir, "m.onnx"), join(dir, "whole.onnx"), files, 1 << 20);
    const whole = (await import("node:fs")).readFileSync(join(dir, "whole.onnx"));
    expect((await readOnnxGraph(join(dir, "whole.onnx"))).externalFiles).toEqual([]);
    const feeds = () => ({
      features: new Tensor("float32", Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]),
    });
    const want = await runtimeRun(churnModel(), feeds());
    const got = await runtimeRun(whole, feeds());
    expect(closeTo(got.values?.data ?? [], want.values?.data ?? [])).toBe(true);
  });

  it("refuses data outside its file, and a result over the limit", async () => {
    const { onnx, data } = withExternalData(churnModel(), "w.bin");
    const dir = write({ "m.onnx": onnx, "w.bin": data.subarray(0, 8) });
    const short = new Map([["w.bin", { path: join(dir, "w.bin"), size: 8 }]]);
    await expect(
      inlineExternalData(join(dir, "m.onnx"), join(dir, "a.onnx"), short, 1 << 20),
    ).rejects.toThrow(/is not inside w.bin \(8 bytes\)/);
    writeFileSync(join(dir, "w.bin"), data);
    const full = new Map([["w.bin", { path: join(dir, "w.bin"), size: data.length }]]);
    await expect(
      inlineExternalData(join(dir, "m.onnx"), join(dir, "b.onnx"), full, 64),
    ).rejects.toThrow(/would be over 64 bytes/);
  });
});
