import { describe, expect, it } from "vitest";
import { parseSpec } from "../../spec/index.js";
import { IRIS_CLASSES, IRIS_FIELDS } from "../../spec/test-support/kind-specs.js";
import type { MlModel, SignatureEntry } from "./mlmodel.js";
import { parseMlModel } from "./mlmodel.js";
import type { GraphValue, OnnxGraphInfo } from "./onnx-graph.js";
import { specFromMlflow } from "./spec.js";

const col = (name: string | null, type = "double", required = true): SignatureEntry => ({
  type,
  name,
  required,
  tensor: null,
});
const value = (name: string, elemType: number, shape: (number | string)[]): GraphValue => ({
  name,
  elemType,
  shape,
});
const IRIS_GRAPH: OnnxGraphInfo = {
  inputs: [value("input-0", 1, ["N", 4])],
  outputs: [value("label", 7, ["N"]), value("probabilities", 1, ["N", 3])],
  externalFiles: [],
};

function model(over: Partial<MlModel> = {}): MlModel {
  return {
    flavors: ["onnx", "python_function"],
    onnxData: "model.onnx",
    signature: { inputs: IRIS_FIELDS.map((f) => col(f)), outputs: null },
    metadata: null,
    runId: "abc123",
    inputExample: null,
    ...over,
  };
}

function generate(m: MlModel, graph: OnnxGraphInfo = IRIS_GRAPH) {
  const json = specFromMlflow(m, graph, {
    name: "iris model",
    version: "4",
    dataFile: "model.onnx",
  });
  // Whatever is generated is a valid spec.
  return parseSpec(JSON.parse(JSON.stringify(json)));
}

describe("a spec from an MLflow signature", () => {
  it("columns + metadata.classes: a multi-class model on named fields", () => {
    const spec = generate(model({ metadata: { classes: [...IRIS_CLASSES] } }));
    expect(spec).toMatchObject({
      id: "iris-model",
      name: "iris model",
      version: "4",
      kind: "multiclass",
      classes: [...IRIS_CLASSES],
      runtime: { file: "model.onnx", input: "input-0", output: "probabilities" },
    });
    expect(spec.inputs.required).toEqual([...IRIS_FIELDS]);
    expect(spec.description).toContain("run abc123");
  });

  it("an [N, C] output named like probabilities without labels: classes 0..C-1", () => {
    expect(generate(model())).toMatchObject({ kind: "multiclass", classes: ["0", "1", "2"] });
  });

  it("one value a row: a regression; optional columns are not required; booleans and integers", () => {
    const spec = generate(
      model({
        signature: {
          inputs: [col("age", "long"), col("premium", "boolean"), col("spend", "float", false)],
          outputs: [
            {
              type: "tensor",
              name: "variable",
              required: true,
              tensor: { dtype: "float32", shape: [-1, 1] },
            },
          ],
        },
      }),
      {
        inputs: [value("X", 1, ["N", 3])],
        outputs: [value("variable", 1, ["N", 1])],
        externalFiles: [],
      },
    );
    expect(spec).toMatchObject({ kind: "regression", runtime: { output: "variable" } });
    expect(spec.inputs.properties).toEqual({
      age: { type: "integer" },
      premium: { type: "boolean" },
      spend: { type: "number" },
    });
    expect(spec.inputs.required).toEqual(["age", "premium"]);
    expect(spec.features.map((f) => f.kind)).toEqual(["numeric", "boolean", "numeric"]);
    expect(spec.outputs).toEqual([{ name: "value", kind: "value", source: "value" }]);
  });

  it("metadata.targets name an [N, K] regression's columns", () => {
    const spec = generate(model({ metadata: { targets: ["a", "b", "c"] } }), {
      ...IRIS_GRAPH,
      outputs: [value("values", 1, ["N", 3])],
    });
    expect(spec).toMatchObject({ kind: "regression", targets: ["a", "b", "c"] });
  });

  const cases: [string, MlModel, OnnxGraphInfo, string][] = [
    [
      "a tensor-based signature",
      model({
        signature: {
          inputs: [
            {
              type: "tensor",
              name: "input-0",
              required: true,
              tensor: { dtype: "float32", shape: [-1, 4] },
            },
          ],
          outputs: null,
        },
      }),
      IRIS_GRAPH,
      "tensor-based",
    ],
    ["no signature", model({ signature: null }), IRIS_GRAPH, "no input signature"],
    [
      "a string column",
      model({
        signature: { inputs: [col("a"), col("b"), col("c"), col("city", "string")], outputs: null },
      }),
      IRIS_GRAPH,
      'column "city" is string',
    ],
    [
      "a column name that is not a field name",
      model({
        signature: {
          inputs: [col("sepal length (cm)"), col("b"), col("c"), col("d")],
          outputs: null,
        },
      }),
      IRIS_GRAPH,
      '"sepal length (cm)" is not a field name',
    ],
    [
      "a signature wider than the graph's input",
      model({ signature: { inputs: [col("a"), col("b")], outputs: null } }),
      IRIS_GRAPH,
      "has 2 columns but the graph input",
    ],
    [
      "a graph with one input per column",
      model(),
      { ...IRIS_GRAPH, inputs: IRIS_FIELDS.map((f) => value(f, 1, ["N", 1])) },
      "takes 4 inputs",
    ],
    [
      "an output that may be scores or values",
      model(),
      { ...IRIS_GRAPH, outputs: [value("y", 1, ["N", 3])] },
      "metadata.classes or metadata.targets",
    ],
    [
      "no float output",
      model(),
      { ...IRIS_GRAPH, outputs: [value("label", 7, ["N"])] },
      "no float output",
    ],
  ];
  for (const [why, m, graph, reason] of cases) {
    it(`${why}: a tensor model whose description says why`, () => {
      const spec = generate(m, graph);
      expect(spec.kind).toBe("tensor");
      expect(spec.description).toContain(reason);
      expect(spec.description).toContain("Add a modelgate.json to the model's artifacts");
    });
  }
});

describe("MLmodel", () => {
  it("is read as MLflow writes it (the signature as JSON strings inside YAML)", async () => {
    const m = await parseMlModel(`artifact_path: model
flavors:
  onnx:
    data: model.onnx
  python_function:
    loader_module: mlflow.onnx
run_id: r1
signature:
  inputs: '[{"type": "double", "name": "x", "required": true}, {"type": "long", "name": "n", "required": false}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2]}, "name": "p"}]'
  params: null
metadata:
  classes: [no, yes]
`);
    expect(m).toMatchObject({
      flavors: ["onnx", "python_function"],
      onnxData: "model.onnx",
      runId: "r1",
      metadata: { classes: ["no", "yes"] },
    });
    expect(m.signature?.inputs?.map((c) => [c.name, c.type, c.required])).toEqual([
      ["x", "double", true],
      ["n", "long", false],
    ]);
    expect(m.signature?.outputs?.[0]?.tensor).toEqual({ dtype: "float32", shape: [-1, 2] });
  });

  it("refuses what is not an MLmodel, naming the problem; tags stay data", async () => {
    await expect(parseMlModel("flavors: [")).rejects.toThrow(/not valid YAML/);
    await expect(parseMlModel("just text")).rejects.toThrow(/not a YAML mapping/);
    await expect(parseMlModel("flavors: {}")).rejects.toThrow(/lists no flavors/);
    await expect(parseMlModel("flavors:\n  onnx: {}")).rejects.toThrow(/names no data file/);
    await expect(
      parseMlModel("flavors:\n  onnx: {data: m.onnx}\nsignature:\n  inputs: '{'"),
    ).rejects.toThrow(/signature.inputs is not the JSON list/);
    const tagged = await parseMlModel(
      "flavors:\n  onnx: {data: m.onnx}\nmetadata:\n  x: !!python/object/apply:os.system ['echo hi']\n",
    );
    expect(tagged.onnxData).toBe("m.onnx");
    // A billion laughs stops early.
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 12; i++)
      bomb.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [*${String.fromCharCode(96 + i)}, *${String.fromCharCode(96 + i)}, *${String.fromCharCode(96 + i)}, *${String.fromCharCode(96 + i)}, *${String.fromCharCode(96 + i)}, *${String.fromCharCode(96 + i)}, *${String.fromCharCode(96 + i)}, *${String.fromCharCode(96 + i)}, *${String.fromCharCode(96 + i)}, *${String.fromCharCode(96 + i)}]`,
      );
    await expect(
      parseMlModel(`${bomb.join("\n")}\nflavors:\n  onnx: {data: m.onnx}\n`),
    ).rejects.toThrow();
  });
});
