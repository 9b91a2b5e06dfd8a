import { InferenceSession, Tensor } from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { openSession } from "./native-session.js";
import { irisModel, typesModel } from "./test-support/test-models.js";

// The synchronous session must read and run a graph exactly as onnxruntime-node's public
// InferenceSession does: these tests hold it to that on every upgrade of the package.
describe("openSession", () => {
  it.each([
    ["iris (fixed and dynamic dimensions)", irisModel],
    ["every element type", typesModel],
  ])("reads names and metadata as InferenceSession does: %s", async (_name, model) => {
    const ours = openSession(model(), {});
    const theirs = await InferenceSession.create(model());
    expect(ours.inputNames).toEqual(theirs.inputNames);
    expect(ours.outputNames).toEqual(theirs.outputNames);
    expect(ours.inputMetadata).toEqual(theirs.inputMetadata);
    expect(ours.outputMetadata).toEqual(theirs.outputMetadata);
    ours.release();
    await theirs.release();
  });

  it("runs to the same outputs, only those fetched, synchronously", async () => {
    const ours = openSession(irisModel(), {});
    const theirs = await InferenceSession.create(irisModel());
    const x = new Tensor(
      "float32",
      Float32Array.from([5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3]),
      [2, 4],
    );
    const got = ours.run({ "input-0": x }, ["probabilities"]);
    const want = await theirs.run({ "input-0": x }, ["probabilities"]);
    expect(Object.keys(got)).toEqual(["probabilities"]);
    expect(got.probabilities).toBeInstanceOf(Tensor);
    expect(got.probabilities?.dims).toEqual(want.probabilities?.dims);
    expect(Array.from(got.probabilities?.data as Float32Array)).toEqual(
      Array.from(want.probabilities?.data as Float32Array),
    );
    ours.release();
    await theirs.release();
  });

  it("throws onnxruntime's refusals: bytes that are no model, a tensor of the wrong shape", () => {
    expect(() => openSession(new TextEncoder().encode("not a model"), {})).toThrow();
    const ours = openSession(irisModel(), {});
    const wrong = new Tensor("float32", new Float32Array(3), [1, 3]);
    expect(() => ours.run({ "input-0": wrong }, ["probabilities"])).toThrow(/dimension|shape/i);
    ours.release();
  });
});
