import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSpec } from "../../spec/index.js";
import { loadOnnxModel } from "./onnx-model.js";
import type { OnnxModel } from "./onnx-model.js";
import { SEEDS_EXAMPLE } from "../../../models/lead-scoring/build.js";

// The shipped model 21 is the real ONNX model these tests run (models/lead-scoring/train.ts).
const LEAD_SCORING = fileURLToPath(new URL("../../../models/lead-scoring/", import.meta.url));

const leads = [
  SEEDS_EXAMPLE,
  {
    company_size: 12,
    industry: "Retail",
    engagement_score: 8,
    demo_requested: false,
    budget_confirmed: false,
    decision_timeline: "Unknown",
    title: "Intern",
  },
  {
    company_size: 5000,
    industry: "finance",
    engagement_score: 91,
    website_visits: 40,
    demo_requested: true,
    budget_confirmed: true,
    decision_timeline: "ASAP",
    title: "CFO",
  },
];

let specJson: Record<string, unknown> & { features: unknown[]; runtime: Record<string, unknown> };
let scratch = "";

/** A package folder in scratch with `modelgate.json` from `json` and the given model bytes. */
async function makePackage(name: string, json: unknown, model?: Uint8Array): Promise<string> {
  const dir = await mkdtemp(join(scratch, `${name}-`));
  await writeFile(join(dir, "modelgate.json"), JSON.stringify(json));
  if (model) await writeFile(join(dir, "model.onnx"), model);
  else await copyFile(join(LEAD_SCORING, "model.onnx"), join(dir, "model.onnx"));
  return dir;
}

beforeAll(async () => {
  specJson = JSON.parse(await readFile(join(LEAD_SCORING, "modelgate.json"), "utf8"));
  scratch = await mkdtemp(join(tmpdir(), "modelgate-onnx-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("loadOnnxModel: broken packages fail at load as model_invalid", () => {
  it("a corrupt model.onnx names the file", async () => {
    const dir = await makePackage(
      "corrupt",
      specJson,
      new TextEncoder().encode("not a protobuf at all"),
    );
    await expect(loadOnnxModel(dir)).rejects.toMatchObject({
      code: "model_invalid",
      status: 503,
      message: expect.stringMatching(
        new RegExp(`^${join(dir, "model.onnx")}: onnxruntime cannot load it`),
      ),
    });
  });

  it("a missing model file names the file", async () => {
    const dir = await makePackage("missing", {
      ...specJson,
      runtime: { ...specJson.runtime, file: "nope.onnx" },
    });
    await expect(loadOnnxModel(dir)).rejects.toThrow(`${join(dir, "nope.onnx")}: file not found`);
  });

  it("a feature-count mismatch names both counts", async () => {
    const dir = await makePackage("width", {
      ...specJson,
      features: specJson.features.slice(0, 9),
    });
    await expect(loadOnnxModel(dir)).rejects.toMatchObject({
      code: "model_invalid",
      message: `${join(dir, "model.onnx")}: the model takes 10 features per row but modelgate.json lists 9 (features)`,
    });
  });

  it("an input or output name the graph lacks", async () => {
    const badInput = await makePackage("input", {
      ...specJson,
      runtime: { ...specJson.runtime, input: "x" },
    });
    await expect(loadOnnxModel(badInput)).rejects.toThrow(
      'has no input "x" (runtime.input); its inputs are: features',
    );
    const badOutput = await makePackage("output", {
      ...specJson,
      runtime: { ...specJson.runtime, output: "probs" },
    });
    await expect(loadOnnxModel(badOutput)).rejects.toThrow("its outputs are: label, probabilities");
  });

  it("a positive class the output does not have", async () => {
    const spec = parseSpec({
      ...specJson,
      runtime: { ...specJson.runtime, positive_class_index: 2 },
    });
    await expect(loadOnnxModel(LEAD_SCORING, spec)).rejects.toThrow(
      'output "probabilities" has shape [1, 2] for one row; expected [1, C] with C > positive_class_index (2)',
    );
  });
});

describe("loadOnnxModel: predictions", () => {
  let model: OnnxModel;
  beforeAll(async () => {
    model = await loadOnnxModel(LEAD_SCORING);
  });
  afterAll(async () => {
    await model.close();
  });

  it("a batch of 3 gives 3 results, in order, equal to 3 single calls", async () => {
    const batch = await model.predict(leads);
    const singles = await Promise.all(leads.map(async (lead) => (await model.predict([lead]))[0]));
    expect(batch).toHaveLength(3);
    expect(batch).toEqual(singles);
    const p = await model.probabilities(leads);
    const pSingles = await Promise.all(
      leads.map(async (lead) => (await model.probabilities([lead]))[0]),
    );
    expect(Array.from(p)).toEqual(pSingles);
    // Different leads, different scores: the order really is the rows' order.
    expect(new Set(p).size).toBe(3);
  });

  it("maps the probability through the spec's outputs", async () => {
    const [p] = await model.probabilities([leads[0] ?? {}]);
    const [out] = await model.predict([leads[0] ?? {}]);
    expect(out).toMatchObject({
      lead_score: Math.round((p ?? 0) * 100),
      conversion_probability: Math.round((p ?? 0) * 100) / 100,
      factors: ["Demo requested", "High engagement"],
    });
  });

  it("an empty batch runs nothing and returns nothing", async () => {
    expect(await model.predict([])).toEqual([]);
  });

  it("close waits for running calls, then refuses new ones", async () => {
    const other = await loadOnnxModel(LEAD_SCORING);
    const running = other.predict(leads);
    await other.close();
    expect(await running).toHaveLength(3);
    await expect(other.predict(leads)).rejects.toMatchObject({ code: "model_unavailable" });
    await other.close(); // closing twice is harmless
  });
});
