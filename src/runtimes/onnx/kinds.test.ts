import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InferenceSession, Tensor } from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  multiclassSpecJson,
  regressionSpecJson,
  tensorSpecJson,
} from "../../spec/test-support/kind-specs.js";
import { loadOnnxModel } from "./onnx-model.js";
import type { OnnxModel } from "./onnx-model.js";
import {
  churnModel,
  irisModel,
  specExampleModel,
  writePackage,
} from "./test-support/test-models.js";

let scratch = "";
const flowers = [
  { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 },
  { sepal_length: 6.8, sepal_width: 2.8, petal_length: 4.8, petal_width: 1.4 },
  { sepal_length: 7.7, sepal_width: 3.0, petal_length: 6.1, petal_width: 2.3 },
];
const usage = [
  [1, 2, 3],
  [-4.5, 10, 0.25],
];

/** What onnxruntime itself answers for these rows: the reference the mapped outputs must equal. */
async function runtimeScores(model: Uint8Array, input: string, output: string, rows: number[][]) {
  const session = await InferenceSession.create(model);
  const width = rows[0]?.length ?? 0;
  const feeds = {
    [input]: new Tensor("float32", Float32Array.from(rows.flat()), [rows.length, width]),
  };
  const out = (await session.run(feeds))[output];
  await session.release();
  if (!out) throw new Error(`no ${output}`);
  return { data: Array.from(out.data as Float32Array), columns: out.dims[1] ?? 1 };
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "mg-kinds-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("a multi-class model", () => {
  let model: OnnxModel;
  beforeAll(async () => {
    model = await loadOnnxModel(
      await writePackage(join(scratch, "iris"), multiclassSpecJson(), irisModel()),
    );
  });
  afterAll(() => model.close());

  it("answers label, probabilities, top-k and confidence equal to onnxruntime's to 1e-6", async () => {
    const rows = flowers.map((f) => [f.sepal_length, f.sepal_width, f.petal_length, f.petal_width]);
    const ref = await runtimeScores(irisModel(), "input-0", "probabilities", rows);
    const out = await model.predict(flowers);
    const classes = ["setosa", "versicolor", "virginica"];
    out.forEach((prediction, i) => {
      const p = ref.data.slice(i * 3, i * 3 + 3);
      const best = p.indexOf(Math.max(...p));
      expect(prediction.species).toBe(classes[best]);
      const probabilities = prediction.probabilities as Record<string, number>;
      classes.forEach((c, j) => expect(probabilities[c]).toBeCloseTo(p[j] ?? NaN, 6));
      expect(prediction.confidence).toBeCloseTo(Math.max(...p), 6);
      const top = prediction.top_2 as { label: string; probability: number }[];
      const sorted = [...p].sort((a, b) => b - a);
      expect(top.map((t) => t.probability)).toEqual(sorted.slice(0, 2));
    });
    // The three flowers are three species: the order really is the rows'.
    expect(out.map((o) => o.species)).toEqual(["setosa", "versicolor", "virginica"]);
  });

  it("probabilities() gives each row's predicted-class probability", async () => {
    const p = await model.probabilities(flowers);
    const out = await model.predict(flowers);
    expect(Array.from(p)).toEqual(out.map((o) => o.confidence));
  });

  it("describes the graph: names, element types, -1 for the batch dimension", () => {
    expect(model.graph).toEqual({
      inputs: [{ name: "input-0", type: "float32", shape: [-1, 4] }],
      outputs: [
        { name: "label", type: "int64", shape: [-1] },
        { name: "probabilities", type: "float32", shape: [-1, 3] },
      ],
    });
  });

  it("a class count the model does not have fails at load, naming both", async () => {
    const json = multiclassSpecJson();
    json.classes = ["a", "b", "c", "d"];
    const dir = await writePackage(join(scratch, "iris4"), json, irisModel());
    await expect(loadOnnxModel(dir)).rejects.toMatchObject({
      code: "model_invalid",
      message: `${join(dir, "model.onnx")}: output "probabilities" has shape [1, 3] for one row; expected [1, 4]: one score per class (4 in \`classes\`)`,
    });
  });
});

describe("a regression model", () => {
  let model: OnnxModel;
  beforeAll(async () => {
    model = await loadOnnxModel(
      await writePackage(join(scratch, "churn"), regressionSpecJson(), churnModel()),
    );
  });
  afterAll(() => model.close());

  it("answers its named targets equal to onnxruntime's to 1e-6, scaled and rounded as declared", async () => {
    const ref = await runtimeScores(churnModel(), "features", "values", usage);
    const out = await model.predict(usage.map((features) => ({ features })));
    out.forEach((prediction, i) => {
      expect(prediction.days_to_churn).toBeCloseTo(ref.data[i * 2] ?? NaN, 6);
      const ltv = ref.data[i * 2 + 1] ?? NaN;
      expect(prediction.lifetime_value_k).toBe(Math.round(ltv * 0.001 * 1000) / 1000);
      const days = ref.data[i * 2] ?? NaN;
      expect(prediction.risk).toBe(days >= 90 ? "low" : days >= 30 ? "medium" : "high");
    });
    expect(new Set(out.map((o) => o.risk)).size).toBe(2);
  });

  it("a target count the model does not have fails at load", async () => {
    const json = regressionSpecJson();
    delete json.targets;
    json.outputs = [{ name: "v", kind: "value", source: "value" }];
    const dir = await writePackage(join(scratch, "churn1"), json, churnModel());
    await expect(loadOnnxModel(dir)).rejects.toThrow(
      'output "values" has shape [1, 2] for one row; expected [1] or [1, 1]: one value a row (or declare `targets` for [N, K])',
    );
  });
});

describe("a tensor model", () => {
  let model: OnnxModel;
  beforeAll(async () => {
    model = await loadOnnxModel(
      await writePackage(join(scratch, "ex"), tensorSpecJson(), specExampleModel()),
    );
  });
  afterAll(() => model.close());

  it("refuses JSON rows, naming the endpoint that takes tensors", async () => {
    await expect(model.predict([{}])).rejects.toMatchObject({
      code: "invalid_request",
      message: expect.stringContaining("POST /v2/models/mymodel/infer"),
    });
  });

  it("runs tensors straight through the graph", async () => {
    const out = await model.run(
      {
        input0: new Tensor("uint32", Uint32Array.from([1, 2, 3, 4]), [2, 2]),
        input1: new Tensor("bool", Uint8Array.from([1, 0, 1]), [3]),
      },
      ["output0"],
    );
    expect(Object.keys(out)).toEqual(["output0"]);
    expect(out.output0?.dims).toEqual([3, 2]);
    expect(Array.from(out.output0?.data as Float32Array)).toEqual([1, 11, 0, 10, 1, 11]);
  });

  it("tensors onnxruntime refuses are the caller's: invalid_tensor, never a 500", async () => {
    await expect(
      model.run({ input0: new Tensor("uint32", Uint32Array.from([1, 2, 3, 4]), [2, 2]) }, [
        "output0",
      ]),
    ).rejects.toMatchObject({ code: "invalid_tensor", status: 400 });
  });
});
