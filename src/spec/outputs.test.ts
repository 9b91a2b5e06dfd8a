import { describe, expect, it } from "vitest";
import { compileOutputMapper, roundTo } from "./outputs.js";
import { parseSpec } from "./parse.js";
import { exampleSpecJson } from "./test-support/example-spec.js";

const map = compileOutputMapper(parseSpec(exampleSpecJson()));
const lead = {
  company_size: 1000,
  industry: "Technology",
  engagement_score: 75,
  demo_requested: true,
};

describe("compileOutputMapper", () => {
  it("maps the seeds' example: score 70, Hot, both factors, in spec key order", () => {
    const out = map(lead, 0.7);
    expect(out).toEqual({
      lead_score: 70,
      conversion_probability: 0.7,
      recommendation: "Hot",
      factors: ["Demo requested", "High engagement"],
      confidence: 0.7,
    });
    expect(Object.keys(out)).toEqual([
      "lead_score",
      "conversion_probability",
      "recommendation",
      "factors",
      "confidence",
    ]);
  });

  it("takes a float32 probability as the model returns it", () => {
    expect(map(lead, Math.fround(0.7))).toMatchObject({
      lead_score: 70,
      conversion_probability: 0.7,
    });
  });

  it("bands the rounded lead_score, not the raw probability (source = an earlier output)", () => {
    // 0.6951 × 100 = 69.51 rounds to 70, and lead_score is the band's source: Hot.
    expect(map(lead, 0.6951)).toMatchObject({ lead_score: 70, recommendation: "Hot" });
    expect(map(lead, 0.694)).toMatchObject({ lead_score: 69, recommendation: "Warm" });
    expect(map(lead, 0.4)).toMatchObject({ lead_score: 40, recommendation: "Warm" });
    expect(map(lead, 0.39)).toMatchObject({ lead_score: 39, recommendation: "Cold" });
  });

  it("confidence is max(p, 1 − p)", () => {
    expect(map(lead, 0.2)).toMatchObject({ confidence: 0.8 });
    expect(map(lead, 0.5)).toMatchObject({ confidence: 0.5 });
  });

  it("adds a factor only when its rule holds (gt is strict; absent fields never match)", () => {
    expect(map({ ...lead, demo_requested: false, engagement_score: 70 }, 0.3).factors).toEqual([]);
    expect(map({ engagement_score: 71 }, 0.3).factors).toEqual(["High engagement"]);
  });

  it("scale applies multiply then add; rules may combine conditions", () => {
    const json = exampleSpecJson();
    json.outputs = [
      { name: "points", kind: "scale", source: "probability", multiply: 10, add: 5, round: 1 },
      {
        name: "segment",
        kind: "rules",
        rules: [
          { field: "engagement_score", gte: 40, lt: 60, label: "Middle" },
          { field: "industry", equals: "Finance", label: "Finance" },
        ],
      },
    ];
    const custom = compileOutputMapper(parseSpec(json));
    expect(custom({ engagement_score: 40, industry: "Finance" }, 0.123)).toEqual({
      points: 6.2,
      segment: ["Middle", "Finance"],
    });
    expect(custom({ engagement_score: 60 }, 0)).toEqual({ points: 5, segment: [] });
  });
});

describe("roundTo", () => {
  it("rounds to the given decimals, halves up, and leaves values alone without digits", () => {
    expect(roundTo(69.5, 0)).toBe(70);
    expect(roundTo(0.705, 2)).toBe(0.71);
    expect(roundTo(0.123456, undefined)).toBe(0.123456);
  });
});
