import { describe, expect, it } from "vitest";
import { ModelgateError } from "../errors.js";
import { parseSpec } from "./parse.js";
import { exampleSpecJson } from "./test-support/example-spec.js";

type SpecJson = ReturnType<typeof exampleSpecJson>;

function specError(json: unknown, where?: string): ModelgateError {
  try {
    parseSpec(json, where);
  } catch (err) {
    if (err instanceof ModelgateError) return err;
    throw err;
  }
  throw new Error("expected parseSpec to throw");
}

function feature(s: SpecJson, i: number): Record<string, unknown> {
  const f = s.features[i];
  if (!f) throw new Error(`no feature ${i}`);
  return f;
}

function output(s: SpecJson, i: number): Record<string, unknown> {
  const o = s.outputs[i];
  if (!o) throw new Error(`no output ${i}`);
  return o;
}

describe("parseSpec: every kind of broken spec names the field", () => {
  const cases: [string, (s: SpecJson) => void, string, string][] = [
    [
      "category map not an object",
      (s) => (feature(s, 3).map = "Technology"),
      "features[3].map",
      "expected a non-empty object of numbers",
    ],
    [
      "category map with a string value",
      (s) => (feature(s, 3).map = { Technology: "high" }),
      "features[3].map",
      "object of numbers",
    ],
    [
      "feature field not in inputs",
      (s) => (feature(s, 0).field = "employees"),
      "features[0].field",
      '"employees" is not declared in inputs.properties',
    ],
    [
      "feature kind vs field type",
      (s) => (feature(s, 2).field = "industry"),
      "features[2].field",
      "a boolean feature needs a boolean field",
    ],
    [
      "unknown transform",
      (s) => (feature(s, 1).transform = "sqrt"),
      "features[1].transform",
      'must be one of: "none", "log1p", "clip", got string "sqrt"',
    ],
    [
      "clip bound without clip",
      (s) => (feature(s, 0).min = 3),
      "features[0].min",
      'only applies to "transform": "clip"',
    ],
    [
      "clip min above max",
      (s) => (feature(s, 1).min = 95),
      "features[1].max",
      "must be ≥ min (95), got 90",
    ],
    [
      "empty keyword list",
      (s) => (((feature(s, 4).rules as Record<string, unknown>[])[1] ?? {}).any = []),
      "features[4].rules[1].any",
      "must not be empty",
    ],
    [
      "misspelt key",
      (s) => (feature(s, 0).defualt = 1),
      "features[0].defualt",
      "is not a known field (known: name, kind, field, default, transform, min, max)",
    ],
    [
      "unknown feature kind",
      (s) => (feature(s, 0).kind = "embedding"),
      "features[0].kind",
      "must be one of",
    ],
    [
      "wrong default type",
      (s) => (feature(s, 2).default = "no"),
      "features[2].default",
      'expected true or false, got string "no"',
    ],
    [
      "duplicate feature name",
      (s) => (feature(s, 1).name = "company_size_log"),
      "features[1].name",
      "is used by another feature",
    ],
    [
      "unknown output source",
      (s) => (output(s, 2).source = "score"),
      "outputs[2].source",
      '"score" is not "probability" or an earlier numeric output (known: probability, lead_score, conversion_probability)',
    ],
    [
      "source is a later output",
      (s) => (output(s, 0).source = "confidence"),
      "outputs[0].source",
      'is not "probability" or an earlier',
    ],
    [
      "source is not numeric",
      (s) => s.outputs.push({ name: "x", kind: "value", source: "recommendation" }),
      "outputs[5].source",
      '"recommendation" is a thresholds output, not a number',
    ],
    [
      "rule on an unknown field",
      (s) => (((output(s, 3).rules as Record<string, unknown>[])[1] ?? {}).field = "budget"),
      "outputs[3].rules[1].field",
      '"budget" is not declared in inputs.properties',
    ],
    [
      "numeric rule on a boolean",
      (s) => (((output(s, 3).rules as Record<string, unknown>[])[0] ?? {}).gt = 3),
      "outputs[3].rules[0].gt",
      'compares numbers but "demo_requested" is boolean',
    ],
    [
      "rule without a condition",
      (s) => (output(s, 3).rules = [{ field: "title", label: "x" }]),
      "outputs[3].rules[0]",
      "needs a condition",
    ],
    [
      "bands not descending",
      (s) =>
        (output(s, 2).bands = [
          { min: 40, label: "Warm" },
          { min: 70, label: "Hot" },
        ]),
      "outputs[2].bands[1].min",
      "sorted by descending min",
    ],
    [
      "round not an integer",
      (s) => (output(s, 1).round = 1.5),
      "outputs[1].round",
      "expected an integer, got 1.5",
    ],
    [
      "model file outside the package",
      (s) => (s.runtime.file = "../secret.onnx"),
      "runtime.file",
      "relative path inside the package",
    ],
    [
      "negative class index",
      (s) => (s.runtime.positive_class_index = -1),
      "runtime.positive_class_index",
      "must be ≥ 0, got -1",
    ],
    [
      "format version",
      (s) => (s.modelgate = 3),
      "modelgate",
      "format version number 3 is not supported; this modelgate reads versions 1 and 2",
    ],
    ["batch size", (s) => (s.max_batch_size = 0), "max_batch_size", "must be ≥ 1, got 0"],
    ["missing id", (s) => delete s.id, "id", "is required"],
    [
      "unknown input type",
      (s) => ((s.inputs.properties.engagement_score ?? {}).type = "float"),
      "inputs.properties.engagement_score.type",
      "must be one of",
    ],
    [
      "required names an unknown field",
      (s) => s.inputs.required.push("nope"),
      "inputs.required[3]",
      'string "nope" is not a field in inputs.properties',
    ],
    [
      "numeric keyword on a string",
      (s) => ((s.inputs.properties.title ?? {}).minimum = 3),
      "inputs.properties.title.minimum",
      "only applies to number or integer fields",
    ],
    [
      "enum value of the wrong type",
      (s) => ((s.inputs.properties.industry ?? {}).enum = ["Technology", 3]),
      "inputs.properties.industry.enum[1]",
      "expected string, got number 3",
    ],
    [
      "open inputs",
      (s) => (s.inputs.additionalProperties = true),
      "inputs.additionalProperties",
      "must be false",
    ],
    [
      "bad pattern",
      (s) => ((s.inputs.properties.title ?? {}).pattern = "(["),
      "inputs.properties.title.pattern",
      "is not a valid regular expression",
    ],
  ];

  it.each(cases)("%s", (_name, breakIt, field, problem) => {
    const json = exampleSpecJson();
    breakIt(json);
    const err = specError(json, "models/x/modelgate.json");
    expect(err.code).toBe("spec_invalid");
    expect(err.errors).toHaveLength(1);
    expect(err.errors?.[0]?.field).toBe(field);
    expect(err.errors?.[0]?.problem).toContain(problem);
    expect(err.detail).toContain(`models/x/modelgate.json: ${field}: `);
  });
});
