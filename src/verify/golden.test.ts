import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareField } from "./compare.js";
import { CsvError, parseCsv } from "./csv.js";
import { GoldenError, parseGoldenCsv } from "./golden.js";
import { jsonErrorOffset } from "../json-locate.js";

const LIMITS = { records: 10, columns: 5, cellChars: 20 };

describe("parseCsv", () => {
  it("reads quotes, doubled quotes, newlines in quotes, CRLF, a BOM and blank lines", () => {
    const text = '\uFEFFa,b\r\n"x, ""y""",2\r\n"multi\nline",3\n\n';
    const { header, records } = parseCsv(text, LIMITS);
    expect(header.cells).toEqual(["a", "b"]);
    expect(records).toEqual([
      { line: 2, cells: ['x, "y"', "2"] },
      { line: 3, cells: ["multi\nline", "3"] },
    ]);
  });

  it.each([
    ['a,b\n"x,1\n', 2, 'a quoted field is not closed (a missing ")'],
    ['a,b\n"x"y,1\n', 2, 'unexpected "y" after a closing quote'],
    ['a,b\nx"y,1\n', 2, 'a " inside an unquoted field'],
    ["a,b\n1\n", 2, "1 fields, but the header has 2"],
    ["", 1, "the file is empty"],
    [`a\n${"x".repeat(21)}\n`, 2, "longer than 20 characters, the limit of a cell"],
    ["a,b,c,d,e,f\n", 1, "more than 5 fields, the limit of a row"],
    [`a\n${"1\n".repeat(11)}`, 12, "more than 10 rows, the limit of a golden file"],
  ])("%j → line %i: %s", (text, line, problem) => {
    let err: unknown;
    try {
      parseCsv(text, LIMITS);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CsvError);
    expect((err as CsvError).line).toBe(line);
    expect((err as CsvError).problem).toContain(problem);
  });
});

describe("parseGoldenCsv types cells by the spec", () => {
  const schema = {
    inputs: { n: "integer", x: "number", ok: "boolean", s: "string" },
    outputs: { score: "scale", band: "thresholds", why: "rules" },
  };

  it("inputs by type, expected by output kind, empty cells left out", () => {
    const text =
      'n,x,ok,s,expected.score,expected.band,expected.why,expected.probability\n3,0.5,TRUE,007,70,Hot,"[""a""]",0.25\n,,0,,1,,[],\n';
    const rows = parseGoldenCsv(text, "g.csv", schema);
    expect(rows[0]).toMatchObject({
      name: "row 1 (line 2)",
      input: { n: 3, x: 0.5, ok: true, s: "007" },
      expected: { score: 70, band: "Hot", why: ["a"], probability: 0.25 },
    });
    expect(rows[1]).toMatchObject({ input: { ok: false }, expected: { score: 1, why: [] } });
  });

  it("names the row, line and column of a bad cell", () => {
    expect(() => parseGoldenCsv("n,expected.score\n1,2\n1.5,2\n", "g.csv", schema)).toThrow(
      new GoldenError('g.csv: row 2 (line 3), column n: expected an integer, got "1.5"'),
    );
    expect(() => parseGoldenCsv("ok,expected.score\nyes,2\n", "g.csv", schema)).toThrow(
      /column ok: expected true or false, got "yes"/,
    );
    expect(() => parseGoldenCsv("n,n,expected.score\n1,1,1\n", "g.csv", schema)).toThrow(
      /line 1, column 2 "n": the column appears twice/,
    );
    expect(() => parseGoldenCsv("n,expected.nope\n1,1\n", "g.csv", schema)).toThrow(
      /"nope" is not an output of the model \(outputs: score, band, why, probability\)/,
    );
    expect(() => parseGoldenCsv("n,expected.score\n1,\n", "g.csv", schema)).toThrow(
      /row 1 \(line 2\): every expected.<output> cell is empty/,
    );
  });
});

describe("compareField", () => {
  const tol = { abs: 1e-5, rel: 0 };

  it("numbers within the absolute tolerance are equal; beyond it both sizes are reported", () => {
    expect(compareField("p", 0.5, 0.500001, tol)).toBeNull();
    expect(compareField("p", 0.5, 0.52, tol)).toMatchObject({
      absDiff: expect.closeTo(0.02, 10) as unknown,
      relDiff: expect.closeTo(0.04, 10) as unknown,
      problem: "p: expected 0.5, got 0.52 (abs 0.02, rel 0.04)",
    });
    expect(compareField("p", 0, 0.1, tol)?.problem).toBe(
      "p: expected 0, got 0.1 (abs 0.1, rel n/a, expected 0)",
    );
  });

  it("a relative tolerance scales with the expected value", () => {
    expect(compareField("n", 1_000_000, 1_000_005, { abs: 1e-5, rel: 1e-5 })).toBeNull();
    expect(compareField("n", 1, 1.0001, { abs: 1e-5, rel: 1e-5 })).not.toBeNull();
  });

  it("labels and lists must be equal, in order; a missing field or a wrong type is named", () => {
    expect(compareField("f", ["a", "b"], ["a", "b"], tol)).toBeNull();
    expect(compareField("f", ["a", "b"], ["b", "a"], tol)?.problem).toBe(
      'f: expected ["a","b"], got ["b","a"]',
    );
    expect(compareField("r", "Hot", undefined, tol)?.problem).toBe(
      'r: expected "Hot", the answer has no such field',
    );
    expect(compareField("s", 70, "70", tol)?.problem).toBe(
      's: expected 70, got "70" (not a number)',
    );
  });
});

describe("jsonErrorOffset", () => {
  it("agrees with JSON.parse on valid JSON and on JSON with one character cut or changed", () => {
    fc.assert(
      fc.property(
        fc.json(),
        fc.nat(),
        fc.constantFrom("", ",", "}", "]", ":", '"', "x"),
        (json, at, c) => {
          expect(jsonErrorOffset(json)).toBeNull();
          const i = at % (json.length + 1);
          const broken = json.slice(0, i) + c + json.slice(i + 1);
          let valid = true;
          try {
            JSON.parse(broken);
          } catch {
            valid = false;
          }
          const offset = jsonErrorOffset(broken);
          expect(offset === null).toBe(valid);
          if (offset !== null) expect(offset).toBeLessThanOrEqual(broken.length);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("points at the first wrong character", () => {
    expect(jsonErrorOffset('[\n {"input": }\n]')).toBe(13);
    expect(jsonErrorOffset("[1,]")).toBe(3);
    expect(jsonErrorOffset('{"a":1,}')).toBe(7);
  });

  it("does not overflow the stack on deep nesting", () => {
    expect(jsonErrorOffset(`${"[".repeat(200_000)}${"]".repeat(200_000)}`)).toBeNull();
  });
});
