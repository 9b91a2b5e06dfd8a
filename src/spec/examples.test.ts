import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ModelgateError } from "../errors.js";
import { BUILTIN_MODELS_DIR } from "../sources/index.js";
import { SPEC_LIMITS } from "./limits.js";
import { parseSpec, readSpecFile } from "./parse.js";
import { exampleSpecJson } from "./test-support/example-spec.js";

const GOOD = { company_size: 50, industry: "Finance", engagement_score: 40 };

function specError(json: unknown): ModelgateError {
  try {
    parseSpec(json);
  } catch (err) {
    if (err instanceof ModelgateError) return err;
    throw err;
  }
  throw new Error("expected parseSpec to throw");
}

describe("inputs.examples (whole example inputs)", () => {
  it("keeps valid examples, in order, frozen", () => {
    const json = exampleSpecJson();
    json.inputs.examples = [GOOD, { ...GOOD, demo_requested: true }];
    const spec = parseSpec(json);
    expect(spec.inputs.examples).toEqual([GOOD, { ...GOOD, demo_requested: true }]);
    expect(Object.isFrozen(spec.inputs.examples?.[0])).toBe(true);
  });

  it("is optional", () => {
    expect(parseSpec(exampleSpecJson()).inputs.examples).toBeUndefined();
  });

  it("names every field of an example the model would refuse, by its path", () => {
    const json = exampleSpecJson();
    json.inputs.examples = [GOOD, { ...GOOD, engagement_score: 140, budget: 1 }, "lead"];
    const err = specError(json);
    expect(err.errors).toEqual([
      { field: "inputs.examples[1].engagement_score", problem: "must be ≤ 100, got 140" },
      {
        field: "inputs.examples[1].budget",
        problem: expect.stringContaining("is not a known field") as unknown,
      },
      { field: "inputs.examples[2]", problem: 'expected an object, got string "lead"' },
    ]);
  });

  it("refuses an empty list and more than the limit, naming it", () => {
    const empty = exampleSpecJson();
    empty.inputs.examples = [];
    expect(specError(empty).errors).toEqual([
      { field: "inputs.examples", problem: "must not be empty" },
    ]);
    const many = exampleSpecJson();
    many.inputs.examples = Array.from({ length: SPEC_LIMITS.inputExamples + 1 }, () => GOOD);
    expect(specError(many).detail).toContain(
      `lists ${SPEC_LIMITS.inputExamples + 1} examples; a spec may list at most ${SPEC_LIMITS.inputExamples}`,
    );
  });

  it("model 21 declares the seeds' request as its example", async () => {
    const spec = await readSpecFile(join(BUILTIN_MODELS_DIR, "lead-scoring"));
    expect(spec.inputs.examples?.[0]).toMatchObject({
      company_size: 1000,
      industry: "Technology",
      title: "VP of Sales",
    });
  });
});
