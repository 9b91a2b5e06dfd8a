import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ModelgateError } from "../errors.js";
import { compileInputValidator } from "./input-validator.js";
import { SPEC_LIMITS } from "./limits.js";
import { parseSpec, readSpecFile } from "./parse.js";
import { exampleSpecJson } from "./test-support/example-spec.js";

function specError(json: unknown): ModelgateError {
  try {
    parseSpec(json);
  } catch (err) {
    if (err instanceof ModelgateError) return err;
    throw err;
  }
  throw new Error("parseSpec accepted the spec");
}

const good = { company_size: 10, industry: "Finance", engagement_score: 5 };

describe("a spec's patterns run in linear time (RE2)", () => {
  it("a catastrophic-backtracking pattern answers at once instead of freezing the event loop", () => {
    const json = exampleSpecJson();
    json.inputs.properties.title = { type: "string", pattern: "^(a+)+$" };
    const validate = compileInputValidator(parseSpec(json));
    // With the JavaScript engine this input took 5.8 s; with 40 characters, hours. The test
    // asserts no timing: it would not finish at all without a linear-time engine.
    const problems = validate({ ...good, title: `${"a".repeat(40)}!` }, "inputs");
    expect(problems).toEqual([
      {
        field: "inputs.title",
        problem: expect.stringMatching(/^must match the pattern \^\(a\+\)\+\$, got string "a+/),
      },
    ]);
    expect(validate({ ...good, title: "aaaa" }, "inputs")).toEqual([]);
  });

  it("refuses a pattern RE2 cannot run (a backreference), naming the field", () => {
    const json = exampleSpecJson();
    json.inputs.properties.title = { type: "string", pattern: "^(a)\\1$" };
    const err = specError(json);
    expect(err.errors?.[0]).toEqual({
      field: "inputs.properties.title.pattern",
      problem: expect.stringContaining("no backreferences or lookaround"),
    });
  });

  it("refuses a pattern longer or more complex than the limits, naming them", () => {
    const long = exampleSpecJson();
    long.inputs.properties.title = { type: "string", pattern: "a".repeat(1_001) };
    expect(specError(long).errors?.[0]?.problem).toContain("at most 1000");
    const heavy = exampleSpecJson();
    heavy.inputs.properties.title = { type: "string", pattern: "[a-z]{1,1000}[0-9]{1,1000}" };
    expect(specError(heavy).errors?.[0]?.problem).toContain(
      `at most ${SPEC_LIMITS.patternProgram}`,
    );
  });
});

describe("a spec's size is bounded before it is read, compiled or frozen", () => {
  it("refuses 20,000 input fields (4.6 s to compile before), naming the limit", () => {
    const json = exampleSpecJson();
    for (let i = 0; i < 20_000; i++) json.inputs.properties[`f${i}`] = { type: "number" };
    expect(specError(json).detail).toContain(
      `inputs.properties: declares 20005 fields; a spec may declare at most ${SPEC_LIMITS.inputFields}`,
    );
  });

  it("refuses more JSON values than the limit (a category map of 150,000 entries)", () => {
    const json = exampleSpecJson();
    const map: Record<string, number> = {};
    for (let i = 0; i < 150_000; i++) map[`c${i}`] = i;
    json.features.push({ name: "huge", kind: "category", field: "industry", map, default: 0 });
    expect(specError(json).detail).toMatch(/more than 100000 JSON values, the limit of a spec/);
  });

  it("refuses more input fields than the limit", () => {
    const json = exampleSpecJson();
    for (let i = 0; i < SPEC_LIMITS.inputFields; i++) {
      json.inputs.properties[`f${i}`] = { type: "number" };
    }
    expect(specError(json).errors?.[0]).toEqual({
      field: "inputs.properties",
      problem: `declares ${SPEC_LIMITS.inputFields + 5} fields; a spec may declare at most ${SPEC_LIMITS.inputFields}`,
    });
  });

  it("refuses more pattern fields than the limit", () => {
    const json = exampleSpecJson();
    for (let i = 0; i <= SPEC_LIMITS.patterns; i++) {
      json.inputs.properties[`f${i}`] = { type: "string", pattern: "^x$" };
    }
    expect(specError(json).errors?.[0]?.problem).toContain(`at most ${SPEC_LIMITS.patterns}`);
  });

  it("refuses deep nesting (it would overflow the stack when frozen)", () => {
    const json = exampleSpecJson();
    let deep: unknown[] = [];
    const examples = deep;
    for (let i = 0; i < 100_000; i++) {
      const next: unknown[] = [];
      deep.push(next);
      deep = next;
    }
    json.inputs.properties.title = { type: "string", examples };
    expect(specError(json).detail).toMatch(/nested deeper than 32 levels/);
  });

  it("lists at most 20 problems of a broken spec, with the count of the rest", () => {
    const json = exampleSpecJson();
    for (let i = 0; i < 500; i++) json[`unknown_${i}`] = 1;
    const err = specError(json);
    expect(err.errors).toHaveLength(20);
    expect(err.errorsOmitted).toBe(480);
    expect(err.detail).toMatch(
      /^modelgate.json: 500 problems, the first 10: unknown_0: is not a known field/,
    );
  });
});

describe("readSpecFile", () => {
  let dir = "";
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses a modelgate.json larger than the limit without reading it whole", async () => {
    dir = mkdtempSync(join(tmpdir(), "mg-spec-"));
    writeFileSync(join(dir, "modelgate.json"), " ".repeat(SPEC_LIMITS.bytes + 10));
    await expect(readSpecFile(dir)).rejects.toMatchObject({
      code: "spec_invalid",
      message: expect.stringContaining(`larger than ${SPEC_LIMITS.bytes} bytes`),
    });
  });

  it("refuses a modelgate.json that is a pipe or a link to a device instead of waiting on it", async () => {
    dir = mkdtempSync(join(tmpdir(), "mg-spec-"));
    execFileSync("mkfifo", [join(dir, "modelgate.json")]);
    await expect(readSpecFile(dir)).rejects.toMatchObject({
      message: expect.stringContaining("is not a regular file"),
    });
    rmSync(join(dir, "modelgate.json"));
    symlinkSync("/dev/zero", join(dir, "modelgate.json"));
    await expect(readSpecFile(dir)).rejects.toMatchObject({
      message: expect.stringContaining("is not a regular file"),
    });
  });
});
