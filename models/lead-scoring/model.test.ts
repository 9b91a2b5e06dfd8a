import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadOnnxModel } from "../../src/runtimes/onnx/index.js";
import { buildLeadScoring, PACKAGE_DIR, SEEDS_EXAMPLE } from "./build.js";
import type { BuildResult } from "./build.js";
import { predictForest } from "./forest.js";
import { generateLeads } from "./generate-data.js";

// Rebuilding takes ~2 s on a 2-core machine, so the test retrains instead of storing fixtures.
let build: BuildResult;
beforeAll(async () => {
  build = await buildLeadScoring(PACKAGE_DIR);
});

async function committed(file: string): Promise<Buffer> {
  try {
    return await readFile(join(PACKAGE_DIR, file));
  } catch {
    throw new Error(`models/lead-scoring/${file} is missing: run npm run train:lead-scoring`);
  }
}

describe("model 21 (Sales Lead Scoring)", () => {
  it("the committed model.onnx is fresh: equal, byte for byte, to what train.ts writes now", async () => {
    const onFile = await committed("model.onnx");
    const fresh = Buffer.from(build.onnx);
    expect(onFile.length, "stale model.onnx: run npm run train:lead-scoring").toBe(fresh.length);
    expect(onFile.equals(fresh), "stale model.onnx: run npm run train:lead-scoring").toBe(true);
  });

  it("the committed training-report.json is fresh", async () => {
    const onFile = JSON.parse((await committed("training-report.json")).toString("utf8"));
    expect(onFile).toEqual(build.report);
  });

  it("the ONNX model's probabilities equal the trainer's on every held-out row", async () => {
    const { leads } = build.heldOut;
    expect(leads.length).toBeGreaterThanOrEqual(200);
    const expected = predictForest(build.forest, build.heldOut.X);
    // Through the serving path: raw leads → spec pipeline → onnxruntime.
    const model = await loadOnnxModel(PACKAGE_DIR);
    try {
      const actual = await model.probabilities(leads);
      let worst = 0;
      actual.forEach(
        (p, i) => (worst = Math.max(worst, Math.abs(p - (expected[i] ?? Number.NaN)))),
      );
      // float32 sums of 100 tree weights against float64 means: ~3e-7 apart at most.
      expect(worst).toBeLessThan(1e-6);
    } finally {
      await model.close();
    }
  });

  it("the seeds' example request gets a sensible score (a hot lead: demo, VP, engaged, Q2)", async () => {
    const model = await loadOnnxModel(PACKAGE_DIR);
    try {
      const [prediction] = await model.predict([SEEDS_EXAMPLE]);
      expect(prediction?.lead_score).toBeGreaterThanOrEqual(60);
      expect(prediction?.lead_score).toBeLessThanOrEqual(90);
      expect(prediction?.factors).toEqual(["Demo requested", "High engagement"]);
    } finally {
      await model.close();
    }
  });

  it("learnt something real: held-out AUC well above chance", () => {
    const heldOut = build.report.held_out as { auc: number; accuracy: number };
    expect(heldOut.auc).toBeGreaterThan(0.8);
  });

  it("the data generator is deterministic", () => {
    expect(generateLeads(50, 7)).toEqual(generateLeads(50, 7));
    expect(generateLeads(50, 7)).not.toEqual(generateLeads(50, 8));
  });
});
