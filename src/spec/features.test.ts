import { describe, expect, it } from "vitest";
import { compileFeaturePipeline, encodeFeatures, keywordMatcher } from "./features.js";
import { parseSpec } from "./parse.js";
import { exampleSpecJson } from "./test-support/example-spec.js";

const spec = parseSpec(exampleSpecJson());
const f32 = (values: number[]) => values.map(Math.fround);

describe("compileFeaturePipeline", () => {
  const pipeline = compileFeaturePipeline(spec);

  it("describes the columns in spec order", () => {
    expect(pipeline.width).toBe(5);
    expect(pipeline.names).toEqual([
      "company_size_log",
      "engagement",
      "demo_requested",
      "industry",
      "title_seniority",
    ]);
  });

  it("encodes hand-checked rows, row-major [N, F] float32", () => {
    const out = pipeline.encode([
      {
        company_size: 1000,
        industry: "Technology",
        engagement_score: 75,
        demo_requested: true,
        title: "VP of Sales",
      },
      // log1p(9) = ln 10; 95 clipped to 90; absent boolean → default false; " finance " folds
      // to Finance; "Vice-President" is the phrase "vice president".
      {
        company_size: 9,
        industry: " finance ",
        engagement_score: 95,
        title: "Vice-President, Sales",
      },
      // "Space" is not in the map → default 0.25; "MVP" must not match the word "vp".
      {
        company_size: 1,
        industry: "Space",
        engagement_score: 3,
        demo_requested: false,
        title: "MVP Analyst",
      },
      {},
    ]);
    expect(out).toBeInstanceOf(Float32Array);
    expect(Array.from(out)).toEqual(
      f32([
        ...[6.90875477931522, 75, 1, 1, 3],
        ...[2.302585092994046, 90, 0, 0.8, 3],
        ...[0.6931471805599453, 10, 0, 0.25, 0],
        ...[0, 10, 0, 0.25, 0],
      ]),
    );
  });

  it("never lets NaN into the tensor", () => {
    // Validation refuses -5 for company_size; the pipeline still must not emit log1p(-5) = NaN.
    const out = pipeline.encode([{ company_size: -5, engagement_score: Number.NaN }]);
    expect(Array.from(out).slice(0, 2)).toEqual([0, 10]);
  });

  it("matches category keys exactly unless case_insensitive", () => {
    const json = exampleSpecJson();
    const industry = json.features[3];
    if (industry) industry.case_insensitive = false;
    const exact = compileFeaturePipeline(parseSpec(json));
    const out = exact.encode([{ industry: "Finance" }, { industry: "finance" }]);
    expect([out[3], out[8]]).toEqual(f32([0.8, 0.25]));
  });

  it("encodeFeatures compiles once per spec and gives the same tensor", () => {
    const rows = [{ company_size: 50, industry: "Finance", engagement_score: 40 }];
    expect(encodeFeatures(spec, rows)).toEqual(pipeline.encode(rows));
    expect(encodeFeatures(spec, [])).toEqual(new Float32Array(0));
  });
});

describe("keywords", () => {
  const title = compileFeaturePipeline({
    features: spec.features.filter((f) => f.name === "title_seniority"),
  });
  const seniority = (t: string) => title.encode([{ title: t }])[0];

  it.each([
    ["VP of Sales", 3],
    ["vp", 3],
    ["Vice President", 3], // the first matching rule wins over "president"
    ["President", 4],
    ["CEO & Co-Founder", 4],
    ["Chief   Revenue Officer", 4],
    ["Product Manager", 1],
    ["Managerial Analyst", 0], // whole words only
    ["MVP", 0],
    ["", 0],
  ])("%s → %d", (t, value) => {
    expect(seniority(t)).toBe(value);
  });

  it("treats letters of any script as word characters", () => {
    expect(keywordMatcher([["vp"]])("évp")).toBe(-1);
    expect(keywordMatcher([["directeur général"]])("Directeur Général, Ventes")).toBe(0);
  });

  it("matches in time linear in the text, whatever the rules hold", () => {
    // 20,000 phrases sharing their first words, against 100 KB of those words: one regular
    // expression of them all backtracked for 85 s here.
    const phrases = Array.from({ length: 20_000 }, (_, i) => `a a a a b${i}`);
    const match = keywordMatcher([phrases, ["needle"]]);
    const text = `${"a ".repeat(50_000)}needle`;
    const started = process.hrtime.bigint();
    expect(match(text)).toBe(1);
    expect(match(`${"a ".repeat(50_000)}a a a a b19999`)).toBe(0);
    // Generous: ~50,000 words × at most 5 trie steps; the regular expression took 85 s.
    expect(Number(process.hrtime.bigint() - started) / 1e9).toBeLessThan(5);
  });
});
