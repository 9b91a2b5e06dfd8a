import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseSpec } from "../spec/index.js";
import { compileInputValidator } from "../spec/input-validator.js";
import { exampleInput, exampleValue } from "./example-input.js";

const LEAD_SCORING = JSON.parse(
  readFileSync(new URL("../../models/lead-scoring/modelgate.json", import.meta.url), "utf8"),
) as unknown;

describe("exampleInput", () => {
  it("builds an input model 21's own validator accepts", () => {
    const spec = parseSpec(LEAD_SCORING);
    const { examples: _examples, ...withoutExamples } = spec.inputs as typeof spec.inputs & {
      examples?: unknown;
    };
    const made = exampleInput(withoutExamples);
    expect(made.ok).toBe(true);
    if (!made.ok) return;
    expect(Object.keys(made.input).sort()).toEqual([...spec.inputs.required].sort());
    expect(made.input.industry).toBe("Technology"); // the field's first example
    const validate = compileInputValidator(spec);
    expect(validate(made.input, "inputs")).toEqual([]);
  });

  it("prefers the schema's own example", () => {
    const made = exampleInput({ properties: {}, required: [], examples: [{ a: 1 }] });
    expect(made).toMatchObject({ ok: true, input: { a: 1 } });
  });

  it("keeps values inside bounds and lengths", () => {
    expect(exampleValue({ type: "integer", minimum: 5, maximum: 9 })).toBe(5);
    expect(exampleValue({ type: "integer", exclusiveMinimum: 5 })).toBe(6);
    expect(exampleValue({ type: "number", maximum: 0.2 })).toBe(0.2);
    expect(exampleValue({ type: "string", minLength: 10 })).toBe("examplexxx");
    expect(exampleValue({ type: "string", maxLength: 3 })).toBe("exa");
    expect(exampleValue({ type: "string", enum: ["a", "b"] })).toBe("a");
    expect(exampleValue({ type: "integer", minimum: 3, exclusiveMaximum: 3 })).toBeUndefined();
  });

  it("says which required field it cannot make", () => {
    const made = exampleInput({
      properties: { code: { type: "string", pattern: "^[A-Z]{3}$" } },
      required: ["code"],
    });
    expect(made).toEqual({
      ok: false,
      reason:
        'no value can be made for the required field "code" from its schema: give one with --input',
    });
  });

  it("says when there is no schema", () => {
    expect(exampleInput(null)).toMatchObject({ ok: false });
  });
});
