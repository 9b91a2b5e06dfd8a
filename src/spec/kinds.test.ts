import { describe, expect, it } from "vitest";
import { ModelgateError } from "../errors.js";
import { compileFeaturePipeline } from "./features.js";
import { compileInputValidator } from "./input-validator.js";
import { compileRowMapper } from "./outputs.js";
import { modelKind, parseSpec } from "./parse.js";
import { exampleSpecJson } from "./test-support/example-spec.js";
import {
  multiclassSpecJson,
  regressionSpecJson,
  tensorSpecJson,
} from "./test-support/kind-specs.js";

function problems(json: unknown): { field: string; problem: string }[] {
  try {
    parseSpec(json);
  } catch (err) {
    if (err instanceof ModelgateError) return err.errors ?? [];
    throw err;
  }
  throw new Error("expected parseSpec to throw");
}

describe("format versions", () => {
  it("reads version 1 unchanged, as a binary model", () => {
    const spec = parseSpec(exampleSpecJson());
    expect(spec.modelgate).toBe(1);
    expect(spec).not.toHaveProperty("kind");
    expect(modelKind(spec)).toBe("binary");
    expect(spec.runtime).toMatchObject({ positive_class_index: 1 });
  });

  it("version 2 defaults to binary and reads a version 1 body with the number bumped", () => {
    const spec = parseSpec({ ...exampleSpecJson(), modelgate: 2 });
    expect(spec.modelgate).toBe(2);
    expect(spec.kind).toBe("binary");
  });

  it("names each version 2 field a version 1 spec uses", () => {
    const json = { ...multiclassSpecJson(), modelgate: 1 };
    expect(problems(json)).toEqual(
      expect.arrayContaining([
        { field: "kind", problem: 'is a version 2 field: set "modelgate": 2 to use it' },
        { field: "classes", problem: 'is a version 2 field: set "modelgate": 2 to use it' },
      ]),
    );
    const vector: Record<string, unknown> = { ...regressionSpecJson(), modelgate: 1 };
    delete vector.kind;
    delete vector.targets;
    expect(problems(vector)).toEqual(
      expect.arrayContaining([
        {
          field: "inputs.properties.features.type",
          problem: '"array" is a version 2 type: set "modelgate": 2 to use it',
        },
        {
          field: "features[0].kind",
          problem: '"vector" is a version 2 kind: set "modelgate": 2 to use it',
        },
      ]),
    );
  });

  it("a parsed spec parses again to itself (it is what the store keeps and re-checks)", () => {
    for (const json of [
      exampleSpecJson(),
      multiclassSpecJson(),
      regressionSpecJson(),
      tensorSpecJson(),
    ]) {
      const spec = parseSpec(json);
      expect(parseSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
    }
  });
});

describe("multiclass", () => {
  const spec = parseSpec(multiclassSpecJson());
  const map = compileRowMapper(spec);
  const input = { sepal_length: 1, sepal_width: 2, petal_length: 3, petal_width: 4 };

  it("parses classes and no positive class", () => {
    expect(spec.kind).toBe("multiclass");
    expect(spec.classes).toEqual(["setosa", "versicolor", "virginica"]);
    expect(spec.runtime).not.toHaveProperty("positive_class_index");
  });

  it("maps a row of class scores to label, probabilities, top-k and confidence", () => {
    // Two rows in one tensor: the mapper reads the second from its offset.
    const data = new Float32Array([0.9, 0.05, 0.05, 0.2, 0.3, 0.5]);
    expect(map(input, data, 3)).toEqual({
      species: "virginica",
      probabilities: {
        setosa: Math.fround(0.2),
        versicolor: Math.fround(0.3),
        virginica: 0.5,
      },
      top_2: [
        { label: "virginica", probability: 0.5 },
        { label: "versicolor", probability: Math.fround(0.3) },
      ],
      confidence: 0.5,
      certainty: "unsure",
    });
    expect(map(input, data, 0)).toMatchObject({
      species: "setosa",
      confidence: Math.fround(0.9),
      certainty: "sure",
    });
  });

  it("equal scores: the first class wins, in label and in top-k", () => {
    const out = map(input, [0.4, 0.4, 0.2], 0);
    expect(out.species).toBe("setosa");
    expect(out.top_2).toEqual([
      { label: "setosa", probability: 0.4 },
      { label: "versicolor", probability: 0.4 },
    ]);
  });

  it("rounds probabilities and top-k when asked", () => {
    const json = multiclassSpecJson();
    json.outputs = [
      { name: "p", kind: "probabilities", round: 2 },
      { name: "top", kind: "top_k", k: 1, round: 1 },
    ];
    expect(compileRowMapper(parseSpec(json))(input, [0.123, 0.456, 0.421], 0)).toEqual({
      p: { setosa: 0.12, versicolor: 0.46, virginica: 0.42 },
      top: [{ label: "versicolor", probability: 0.5 }],
    });
  });

  it.each<[string, (j: ReturnType<typeof multiclassSpecJson>) => void, string, string]>([
    ["classes missing", (j) => delete j.classes, "classes", 'is required for "kind": "multiclass"'],
    ["one class", (j) => (j.classes = ["a"]), "classes", "must list 2 to 10000 names, got 1"],
    ["duplicate label", (j) => (j.classes = ["a", "b", "a"]), "classes[2]", '"a" is listed twice'],
    ["empty label", (j) => (j.classes = ["a", " "]), "classes[1]", "expected a non-empty string"],
    [
      "label too long",
      (j) => (j.classes = ["a", "b".repeat(201)]),
      "classes[1]",
      "is 201 characters long; at most 200",
    ],
    [
      "positive class index",
      (j) => (j.runtime.positive_class_index = 1),
      "runtime.positive_class_index",
      'only applies to "kind": "binary"',
    ],
    [
      "top_k past the classes",
      (j) => (j.outputs[2] = { name: "top", kind: "top_k", k: 4 }),
      "outputs[2].k",
      "must be ≤ 3, got 4",
    ],
    [
      "top_k without k",
      (j) => (j.outputs[2] = { name: "top", kind: "top_k" }),
      "outputs[2].k",
      "is required",
    ],
    [
      "a source that is a regression's",
      (j) => (j.outputs[4] = { name: "v", kind: "value", source: "value" }),
      "outputs[4].source",
      '"value" is not "probability" or an earlier numeric output (known: probability, confidence)',
    ],
    [
      "a label as a source",
      (j) => (j.outputs[4] = { name: "v", kind: "value", source: "species" }),
      "outputs[4].source",
      '"species" is a label output, not a number',
    ],
    ["unknown kind", (j) => (j.kind = "ranking"), "kind", 'must be one of: "binary", "multiclass"'],
    ["targets", (j) => (j.targets = ["x"]), "targets", 'only applies to "kind": "regression"'],
  ])("%s is named", (_, breakIt, field, problem) => {
    const json = multiclassSpecJson();
    breakIt(json);
    expect(problems(json)).toContainEqual({ field, problem: expect.stringContaining(problem) });
  });

  it("multiclass outputs on a binary model are named with the model's kind", () => {
    const json = exampleSpecJson();
    json.outputs.push({ name: "species", kind: "label" });
    json.outputs.push({ name: "top", kind: "top_k", k: 2 });
    expect(problems(json)).toEqual([
      {
        field: "outputs[5].kind",
        problem:
          '"label" only applies to "kind": "multiclass" (a version 2 spec); this model is "binary"',
      },
      {
        field: "outputs[6].kind",
        problem:
          '"top_k" only applies to "kind": "multiclass" (a version 2 spec); this model is "binary"',
      },
    ]);
  });
});

describe("regression and vector inputs", () => {
  const spec = parseSpec(regressionSpecJson());

  it("parses targets, the vector field and its feature", () => {
    expect(spec.targets).toEqual(["days_to_churn", "lifetime_value"]);
    expect(spec.inputs.properties.features).toMatchObject({
      type: "array",
      items: { type: "number", minimum: -1000, maximum: 1000 },
      minItems: 3,
      maxItems: 3,
    });
    expect(spec.features).toEqual([
      { name: "usage", kind: "vector", field: "features", length: 3, default: 0 },
    ]);
  });

  it("maps each target by name; scale and round apply", () => {
    const map = compileRowMapper(spec);
    expect(map({}, new Float64Array([1, 2, 45.5, 12345.678]), 2)).toEqual({
      days_to_churn: 45.5,
      lifetime_value_k: 12.346,
      risk: "medium",
    });
  });

  it('one value a row: the source is "value"', () => {
    const json = regressionSpecJson();
    delete json.targets;
    json.outputs = [{ name: "days", kind: "value", source: "value", round: 1 }];
    expect(compileRowMapper(parseSpec(json))({}, [12.34], 0)).toEqual({ days: 12.3 });
  });

  it("the vector is copied into the columns; other features follow it", () => {
    const json = regressionSpecJson();
    json.inputs.properties.plan = { type: "string" };
    json.features.push({ name: "plan", kind: "category", field: "plan", map: { pro: 1 } });
    const pipeline = compileFeaturePipeline(parseSpec(json));
    expect(pipeline.width).toBe(4);
    expect(pipeline.names).toEqual(["usage[0]", "usage[1]", "usage[2]", "plan"]);
    expect(Array.from(pipeline.encode([{ features: [1, 2, 3], plan: "pro" }, {}]))).toEqual([
      1, 2, 3, 1, 0, 0, 0, 0,
    ]);
  });

  it("requests: the vector's length, element types and bounds are checked, each element named", () => {
    const validate = compileInputValidator(spec);
    expect(validate({ features: [1, 2, 3] }, "inputs")).toEqual([]);
    expect(validate({ features: [1, 2] }, "inputs")).toEqual([
      { field: "inputs.features", problem: "expected an array of 3 numbers, got 2" },
    ]);
    expect(validate({ features: "1,2,3" }, "inputs[1]")).toEqual([
      {
        field: "inputs[1].features",
        problem: 'expected an array of 3 numbers, got string "1,2,3"',
      },
    ]);
    expect(validate({ features: [1, "x", 5000] }, "inputs")).toEqual([
      { field: "inputs.features[1]", problem: 'expected number, got string "x"' },
      { field: "inputs.features[2]", problem: "must be ≤ 1000, got 5000" },
    ]);
  });

  it("a long vector of bad elements builds at most 20 problems, the rest counted", () => {
    const json = regressionSpecJson();
    const prop = json.inputs.properties.features ?? {};
    prop.minItems = 1000;
    prop.maxItems = 1000;
    const validate = compileInputValidator(parseSpec(json));
    const budget = { room: 20, omitted: 0 };
    const found = validate({ features: Array(1000).fill("x") }, "inputs", budget);
    expect(found).toHaveLength(20);
    expect(budget.omitted).toBe(980);
  });

  it.each<[string, (j: ReturnType<typeof regressionSpecJson>) => void, string, string]>([
    [
      "length not fixed",
      (j) => ((j.inputs.properties.features ?? {}).maxItems = 4),
      "inputs.properties.features.maxItems",
      "must equal minItems (3), got 4",
    ],
    [
      "no items",
      (j) => delete (j.inputs.properties.features ?? {}).items,
      "inputs.properties.features.items",
      "is required",
    ],
    [
      "string items",
      (j) => ((j.inputs.properties.features ?? {}).items = { type: "string" }),
      "inputs.properties.features.items.type",
      'must be one of: "number", "integer"',
    ],
    [
      "too long",
      (j) => {
        const p = j.inputs.properties.features ?? {};
        p.minItems = 70_000;
        p.maxItems = 70_000;
      },
      "inputs.properties.features.minItems",
      "must be ≤ 65536, got 70000",
    ],
    [
      "minLength on an array",
      (j) => ((j.inputs.properties.features ?? {}).minLength = 1),
      "inputs.properties.features.minLength",
      "does not apply to array fields",
    ],
    [
      "items on a number",
      (j) => (j.inputs.properties.x = { type: "number", minItems: 2 }),
      "inputs.properties.x.minItems",
      "only applies to array fields",
    ],
    [
      "vector of a number field",
      (j) => {
        j.inputs.properties.x = { type: "number" };
        j.features.push({ name: "x", kind: "vector", field: "x" });
      },
      "features[1].field",
      'a vector feature needs a array field; "x" is number',
    ],
    [
      "vector length disagrees",
      (j) => ((j.features[0] ?? {}).length = 2),
      "features[0].length",
      "is 2 but its field holds 3 numbers",
    ],
    [
      "numeric feature on the vector",
      (j) => j.features.push({ name: "n", kind: "numeric", field: "features" }),
      "features[1].field",
      'a numeric feature needs a number or integer field; "features" is array',
    ],
    [
      "unknown target",
      (j) => ((j.outputs[0] ?? {}).source = "ltv"),
      "outputs[0].source",
      '"ltv" is not "days_to_churn" or "lifetime_value" or an earlier numeric output',
    ],
    [
      "confidence",
      (j) => j.outputs.push({ name: "c", kind: "confidence" }),
      "outputs[3].kind",
      '"confidence" only applies to "kind": "binary" or "multiclass"; this model is "regression"',
    ],
    ["duplicate target", (j) => (j.targets = ["a", "a"]), "targets[1]", '"a" is listed twice'],
    [
      "positive class",
      (j) => (j.runtime.positive_class_index = 0),
      "runtime.positive_class_index",
      "a regression has no classes",
    ],
    [
      "a remote regressor",
      (j) => (j.runtime = { type: "remote", url: "http://127.0.0.1:1/x" }),
      "runtime.type",
      '"remote" serves "kind": "binary" only, not "regression"',
    ],
  ])("%s is named", (_, breakIt, field, problem) => {
    const json = regressionSpecJson();
    breakIt(json);
    expect(problems(json)).toContainEqual({ field, problem: expect.stringContaining(problem) });
  });
});

describe("tensor models", () => {
  it("need only the runtime's file; their feature spec is empty", () => {
    const spec = parseSpec(tensorSpecJson());
    expect(spec.kind).toBe("tensor");
    expect(spec.runtime).toEqual({ type: "onnx", file: "model.onnx" });
    expect(spec.features).toEqual([]);
    expect(spec.outputs).toEqual([]);
    expect(spec.inputs.properties).toEqual({});
  });

  it("refuse a feature spec and the runtime's input, output and positive class", () => {
    const json = {
      ...tensorSpecJson(),
      inputs: multiclassSpecJson().inputs,
      outputs: [{ name: "x", kind: "label" }],
      runtime: { type: "onnx", file: "model.onnx", input: "x", positive_class_index: 0 },
    };
    const fields = problems(json).map((p) => p.field);
    expect(fields).toEqual(["runtime.input", "runtime.positive_class_index", "inputs", "outputs"]);
  });
});

describe("every problem is named at once", () => {
  it("a spec with many new-field problems lists them all", () => {
    const json = multiclassSpecJson();
    json.classes = ["a", "a"];
    json.runtime.positive_class_index = 2;
    json.outputs.push(
      { name: "t", kind: "top_k", k: 0 },
      { name: "v", kind: "value", source: "x" },
    );
    const found = problems(json).map((p) => p.field);
    expect(found).toEqual([
      "classes[1]",
      "runtime.positive_class_index",
      "outputs[5].k",
      "outputs[6].source",
    ]);
  });
});
