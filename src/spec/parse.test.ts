import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelgateError } from "../errors.js";
import { parseSpec, readSpecFile } from "./parse.js";
import { exampleSpecJson } from "./test-support/example-spec.js";

function specError(json: unknown, where?: string): ModelgateError {
  try {
    parseSpec(json, where);
  } catch (err) {
    if (err instanceof ModelgateError) return err;
    throw err;
  }
  throw new Error("expected parseSpec to throw");
}

describe("parseSpec: valid specs", () => {
  it("parses the example and fills in defaults", () => {
    const spec = parseSpec(exampleSpecJson());
    expect(spec.id).toBe("21");
    expect(spec.features).toHaveLength(5);
    expect(spec.features[0]).toEqual({
      name: "company_size_log",
      kind: "numeric",
      field: "company_size",
      transform: "log1p",
      default: 0,
    });
    expect(spec.outputs[0]).toMatchObject({ kind: "scale", multiply: 100, add: 0, round: 0 });
    expect(spec.inputs.additionalProperties).toBe(false);
    expect(Object.isFrozen(spec.features[3])).toBe(true);
  });

  it("keeps only the supported JSON Schema keywords of inputs", () => {
    const spec = parseSpec(exampleSpecJson());
    expect(spec.inputs.properties.engagement_score).toEqual({
      type: "number",
      minimum: 0,
      maximum: 100,
    });
    expect(spec.inputs.required).toEqual(["company_size", "industry", "engagement_score"]);
  });
});

describe("parseSpec: problems", () => {
  it("reports every problem at once", () => {
    const json = exampleSpecJson();
    const [, , , industry] = json.features;
    const [, , recommendation] = json.outputs;
    if (industry) industry.map = [];
    if (recommendation) recommendation.source = "nope";
    json.max_batch_size = "64";
    const err = specError(json);
    expect(err.errors?.map((e) => e.field)).toEqual([
      "max_batch_size",
      "features[3].map",
      "outputs[2].source",
    ]);
    expect(err.detail.startsWith("modelgate.json: max_batch_size: expected an integer")).toBe(true);
  });

  it("refuses a keyword phrase longer than the matcher walks, naming the limit", () => {
    const json = exampleSpecJson();
    const seniority = json.features.find((f) => f.name === "title_seniority") as {
      rules: { any: string[]; value: number }[];
    };
    seniority.rules[1]?.any.push(Array.from({ length: 33 }, (_, i) => `w${i}`).join(" "));
    const err = specError(json);
    expect(err.errors).toEqual([
      {
        field: "features[4].rules[1].any[3]",
        problem: "a phrase of more than 32 words; keyword phrases are at most 32 words long",
      },
    ]);
  });

  it("refuses a document that is not an object", () => {
    expect(specError([1, 2]).detail).toBe(
      "modelgate.json: (top level): expected an object, got an array",
    );
  });
});

describe("readSpecFile", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "modelgate-spec-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads a package's modelgate.json", async () => {
    await writeFile(join(dir, "modelgate.json"), JSON.stringify(exampleSpecJson()));
    expect((await readSpecFile(dir)).name).toBe("Sales Lead Scoring");
  });

  it("names the path of a file that is missing", async () => {
    await expect(readSpecFile(join(dir, "nope"))).rejects.toMatchObject({
      code: "spec_invalid",
      message: expect.stringContaining(`${join(dir, "nope", "modelgate.json")}: file not found`),
    });
  });

  it("names the path of a file that is not JSON, and problems with the path as `where`", async () => {
    await writeFile(join(dir, "modelgate.json"), "{ nope");
    await expect(readSpecFile(dir)).rejects.toMatchObject({
      code: "spec_invalid",
      message: expect.stringContaining(`${join(dir, "modelgate.json")}: is not valid JSON`),
    });
    await writeFile(join(dir, "modelgate.json"), JSON.stringify({ ...exampleSpecJson(), id: "" }));
    await expect(readSpecFile(dir)).rejects.toThrow(
      `${join(dir, "modelgate.json")}: id: expected a non-empty string`,
    );
  });
});
