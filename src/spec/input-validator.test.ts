import { describe, expect, it } from "vitest";
import { checkInputs, compileInputValidator } from "./input-validator.js";
import { parseSpec } from "./parse.js";
import { exampleSpecJson } from "./test-support/example-spec.js";

const validate = compileInputValidator(parseSpec(exampleSpecJson()));
const good = { company_size: 1000, industry: "Technology", engagement_score: 75 };

describe("compileInputValidator", () => {
  it("accepts a valid input (optional fields may be absent)", () => {
    expect(validate(good, "inputs")).toEqual([]);
    expect(validate({ ...good, demo_requested: true, title: "VP of Sales" }, "inputs")).toEqual([]);
  });

  it("names a field of the wrong type and the expected type", () => {
    expect(validate({ ...good, engagement_score: "high" }, "inputs")).toEqual([
      { field: "inputs.engagement_score", problem: 'expected number, got string "high"' },
    ]);
    expect(validate({ ...good, company_size: 2.5 }, "inputs")).toEqual([
      { field: "inputs.company_size", problem: "expected integer, got number 2.5" },
    ]);
    expect(validate({ ...good, demo_requested: "true" }, "inputs")).toEqual([
      { field: "inputs.demo_requested", problem: 'expected boolean, got string "true"' },
    ]);
    expect(validate({ ...good, industry: null }, "inputs")).toEqual([
      { field: "inputs.industry", problem: "expected string, got null" },
    ]);
  });

  it("names a value out of range with the bound", () => {
    expect(validate({ ...good, engagement_score: 140 }, "inputs")).toEqual([
      { field: "inputs.engagement_score", problem: "must be ≤ 100, got 140" },
    ]);
    expect(validate({ ...good, company_size: 0 }, "inputs")).toEqual([
      { field: "inputs.company_size", problem: "must be ≥ 1, got 0" },
    ]);
    expect(validate({ ...good, title: "x".repeat(21) }, "inputs")[0]?.problem).toMatch(
      /^must be at most 20 characters, got string "x{21}"$/,
    );
  });

  it("lists the allowed values of an enum", () => {
    expect(validate({ ...good, industry: "Space" }, "inputs")).toEqual([
      {
        field: "inputs.industry",
        problem: 'must be one of: "Technology", "Finance", "Other"; got string "Space"',
      },
    ]);
  });

  it("names a missing required field and an unknown one, with the known fields", () => {
    const { company_size: _omitted, ...rest } = good;
    expect(validate({ ...rest, budget: true }, "inputs")).toEqual([
      { field: "inputs.company_size", problem: "is required" },
      {
        field: "inputs.budget",
        problem:
          "is not a known field (known: company_size, industry, engagement_score, demo_requested, title)",
      },
    ]);
  });

  it("uses the caller's path for a batch element", () => {
    expect(validate({ ...good, engagement_score: -1 }, "inputs[2]")).toEqual([
      { field: "inputs[2].engagement_score", problem: "must be ≥ 0, got -1" },
    ]);
  });

  it("reports every problem of one input at once", () => {
    const problems = validate(
      { company_size: "big", industry: 3, engagement_score: 101 },
      "inputs",
    );
    expect(problems.map((p) => p.field)).toEqual([
      "inputs.company_size",
      "inputs.industry",
      "inputs.engagement_score",
    ]);
  });

  it("refuses an input that is not an object", () => {
    expect(validate("x", "inputs[0]")).toEqual([
      { field: "inputs[0]", problem: 'expected an object, got string "x"' },
    ]);
    expect(validate([good], "inputs")).toEqual([
      { field: "inputs", problem: "expected an object, got an array" },
    ]);
  });

  it("counts, without building, the problems past its budget", () => {
    const input: Record<string, unknown> = { ...good };
    for (let i = 0; i < 5_000; i++) input[`extra_${i}`] = i;
    const budget = { room: 3, omitted: 0 };
    const problems = validate(input, "inputs", budget);
    expect(problems.map((p) => p.field)).toEqual([
      "inputs.extra_0",
      "inputs.extra_1",
      "inputs.extra_2",
    ]);
    expect(budget).toEqual({ room: 0, omitted: 4_997 });
    expect(validate(input, "inputs")).toHaveLength(20);
  });

  it("quotes an unknown field's name up to 64 characters", () => {
    const [problem] = validate({ ...good, ["k".repeat(100_000)]: 1 }, "inputs");
    expect(problem?.field.length).toBeLessThan(80);
  });
});

describe("checkInputs", () => {
  it("a batch with thousands of unknown fields gets at most 20 problems and the count of the rest", () => {
    const row: Record<string, unknown> = { ...good };
    for (let i = 0; i < 300; i++) row[`unknown_field_${i}`] = i;
    const err = checkInputs(
      validate,
      Array.from({ length: 64 }, () => row),
      false,
    );
    expect(err?.code).toBe("invalid_input");
    expect(err?.errors).toHaveLength(20);
    expect(err?.errors?.[0]?.field).toBe("inputs[0].unknown_field_0");
    expect(err?.errorsOmitted).toBe(64 * 300 - 20);
    expect(err?.detail).toMatch(/^Invalid inputs: 19200 problems, the first 10: inputs\[0\]/);
    expect(err?.detail.length).toBeLessThanOrEqual(2_000);
  });

  it("is null when every input is valid, and names one input without an index", () => {
    expect(checkInputs(validate, [good, good], false)).toBeNull();
    expect(checkInputs(validate, [{ ...good, company_size: 0 }], true)?.errors).toEqual([
      { field: "inputs.company_size", problem: "must be ≥ 1, got 0" },
    ]);
  });
});
