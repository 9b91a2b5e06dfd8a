import { InferenceSession, Tensor } from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TensorRunner } from "../runtimes/onnx/index.js";
import { graphTensors } from "../runtimes/onnx/tensors.js";
import { irisModel, specExampleModel } from "../runtimes/onnx/test-support/test-models.js";
import { createTensorBatcher } from "./tensor-batcher.js";

/** A real iris session, counting its runs and the rows of each. */
async function countingRunner(model: Uint8Array) {
  const session = await InferenceSession.create(model);
  const runs: number[] = [];
  let failNext = false;
  const runner: TensorRunner = {
    graph: graphTensors(session),
    async run(feeds, fetches) {
      runs.push(Object.values(feeds)[0]?.dims[0] ?? 0);
      if (failNext && (Object.values(feeds)[0]?.dims[0] ?? 0) > 1) {
        throw new Error("refused the merged tensors");
      }
      return session.run(feeds, [...fetches]);
    },
  };
  return {
    runner,
    runs,
    failMerged: () => (failNext = true),
    close: () => session.release(),
  };
}

const rows = (n: number, seed: number) =>
  new Tensor(
    "float32",
    Float32Array.from({ length: n * 4 }, (_, i) => ((i * 7 + seed) % 13) / 2),
    [n, 4],
  );

describe("createTensorBatcher", () => {
  let iris: Awaited<ReturnType<typeof countingRunner>>;
  beforeAll(async () => {
    iris = await countingRunner(irisModel());
  });
  afterAll(() => iris.close());

  it("merges the requests of one turn into one run, and gives each its own rows", async () => {
    const batcher = createTensorBatcher(iris.runner, 32);
    const requests = [rows(1, 1), rows(3, 2), rows(2, 3), rows(1, 4)];
    const alone = await Promise.all(
      requests.map((t) => iris.runner.run({ "input-0": t }, ["probabilities", "label"])),
    );
    iris.runs.length = 0;
    const merged = await Promise.all(
      requests.map((t) => batcher.run({ "input-0": t }, ["probabilities", "label"])),
    );
    // All four came during one turn of the event loop: one run of 7 rows at its end.
    expect(iris.runs).toEqual([7]);
    merged.forEach((out, i) => {
      expect(out.probabilities?.dims).toEqual(alone[i]?.probabilities?.dims);
      expect(Array.from(out.probabilities?.data as Float32Array)).toEqual(
        Array.from(alone[i]?.probabilities?.data as Float32Array),
      );
      expect(out.label?.data).toEqual(alone[i]?.label?.data);
    });
  });

  it("never merges past maxBatch rows, nor requests asking for other outputs", async () => {
    const batcher = createTensorBatcher(iris.runner, 4);
    iris.runs.length = 0;
    await Promise.all([
      batcher.run({ "input-0": rows(1, 1) }, ["label"]),
      batcher.run({ "input-0": rows(3, 1) }, ["label"]),
      batcher.run({ "input-0": rows(2, 1) }, ["label"]),
      batcher.run({ "input-0": rows(1, 1) }, ["probabilities"]),
      batcher.run({ "input-0": rows(9, 1) }, ["label"]),
    ]);
    // 9 rows > maxBatch run alone at once; at the end of the turn 1 + 3 (2 more would pass 4),
    // then the 2, then the one asking for another output.
    expect(iris.runs).toEqual([9, 4, 2, 1]);
  });

  it("a merged run the graph refuses is retried request by request", async () => {
    const fresh = await countingRunner(irisModel());
    const batcher = createTensorBatcher(fresh.runner, 32);
    fresh.failMerged();
    const out = await Promise.all([
      batcher.run({ "input-0": rows(1, 1) }, ["label"]),
      batcher.run({ "input-0": rows(1, 2) }, ["label"]),
      batcher.run({ "input-0": rows(1, 3) }, ["label"]),
    ]);
    expect(out.map((o) => o.label?.dims)).toEqual([[1], [1], [1]]);
    expect(fresh.runs).toEqual([3, 1, 1, 1]);
    await fresh.close();
  });

  it("a graph without a batch dimension is run as it is", async () => {
    const example = await countingRunner(specExampleModel());
    expect(createTensorBatcher(example.runner, 32)).toBe(example.runner);
    await example.close();
  });
});
