/**
 * `modelgate models verify` catches a one-feature change in a spec. Golden answers are made from
 * the shipped model 21; a copy of its package with ONE category mapping changed (industry
 * "Technology" 6 → 0) must fail with exit 1 naming exactly the rows that answer differently —
 * in-process (JSON and CSV golden files) and through a running server (--url). The unchanged
 * package passes with exit 0.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateLeads } from "../models/lead-scoring/generate-data.js";
import { runCli } from "../src/cli/main.js";
import { loadOnnxModel } from "../src/runtimes/onnx/index.js";
import { BUILTIN_MODELS_DIR } from "../src/sources/index.js";
import type { ScriptedServer } from "../src/sources/test-support/scripted-server.js";
import { startScriptedServer } from "../src/sources/test-support/scripted-server.js";
import type { VerifyReport } from "../src/verify/index.js";
import type { TestService } from "./support/service.js";
import { startTestService } from "./support/service.js";

const ORIGINAL = join(BUILTIN_MODELS_DIR, "lead-scoring");
let work: string;
let altered: string;
let leads: Record<string, unknown>[];
/** Rows (1-based) whose answer from the altered package differs from the original's. */
let changedRows: number[];

async function answers(dir: string, rows: Record<string, unknown>[]) {
  const model = await loadOnnxModel(dir);
  try {
    return { outputs: await model.predict(rows), p: await model.probabilities(rows) };
  } finally {
    await model.close();
  }
}

async function cli(args: string[], env: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    cwd: work,
    env: { MODELGATE_DATA_DIR: join(work, "data"), LOG_LEVEL: "silent", ...env },
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

function csvCell(value: unknown): string {
  if (value === undefined) return "";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "mg-verify-"));
  leads = generateLeads(60, 7).map((l) => l.lead);
  const original = await answers(ORIGINAL, leads);

  // The golden files: what the "old service" (here the shipped package) answered.
  const golden = leads.map((input, i) => ({
    input,
    expected: { ...original.outputs[i], probability: original.p[i] },
  }));
  writeFileSync(join(work, "golden.json"), JSON.stringify(golden, null, 2));
  const outputsOnly = leads.map((input, i) => ({ input, expected: original.outputs[i] }));
  writeFileSync(join(work, "golden-api.json"), JSON.stringify(outputsOnly));
  const fields = Object.keys(
    (
      JSON.parse(readFileSync(join(ORIGINAL, "modelgate.json"), "utf8")) as {
        inputs: { properties: object };
      }
    ).inputs.properties,
  );
  const outNames = [...Object.keys(original.outputs[0] ?? {}), "probability"];
  const csv = [
    ["id", ...fields, ...outNames.map((o) => `expected.${o}`)].join(","),
    ...golden.map((g, i) =>
      [
        `lead-${i + 1}`,
        ...fields.map((f) => csvCell(g.input[f])),
        ...outNames.map((o) => csvCell((g.expected as Record<string, unknown>)[o])),
      ].join(","),
    ),
  ];
  writeFileSync(join(work, "golden.csv"), `${csv.join("\r\n")}\r\n`);

  // One feature changed: the "Technology" category now maps to Other's value.
  altered = join(work, "altered");
  cpSync(ORIGINAL, altered, { recursive: true });
  const specPath = join(altered, "modelgate.json");
  const spec = JSON.parse(readFileSync(specPath, "utf8")) as {
    features: { name: string; map?: Record<string, number> }[];
  };
  const industry = spec.features.find((f) => f.name === "industry");
  if (!industry?.map) throw new Error("model 21 has no industry map");
  industry.map.Technology = 0;
  writeFileSync(specPath, JSON.stringify(spec, null, 2));

  const changed = await answers(altered, leads);
  changedRows = leads
    .map((_, i) => i)
    .filter(
      (i) =>
        changed.p[i] !== original.p[i] ||
        JSON.stringify(changed.outputs[i]) !== JSON.stringify(original.outputs[i]),
    )
    .map((i) => i + 1);
}, 60_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe("the golden set itself", () => {
  it("has rows the change affects and rows it does not", () => {
    expect(changedRows.length).toBeGreaterThan(0);
    expect(changedRows.length).toBeLessThan(leads.length);
    // Only leads whose industry reads as Technology can answer differently.
    for (const row of changedRows) {
      expect(
        String(leads[row - 1]?.industry)
          .trim()
          .toLowerCase(),
      ).toBe("technology");
    }
  });
});

describe("models verify, in-process", () => {
  it("passes the unchanged package (exit 0)", async () => {
    const res = await cli([
      "models",
      "verify",
      "21",
      "--source",
      ORIGINAL,
      "--golden",
      "golden.json",
    ]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain("Parity: 60 rows, 360 fields compared");
  });

  it("fails the one-feature change (exit 1), naming exactly the rows that differ", async () => {
    const res = await cli([
      "models",
      "verify",
      "21",
      "--source",
      altered,
      "--golden",
      "golden.json",
      "--json",
    ]);
    expect(res.code).toBe(1);
    const report = JSON.parse(res.stdout) as VerifyReport;
    expect(report.rows.map((r) => r.row)).toEqual(changedRows);
    expect(report.differing.rows).toBe(changedRows.length);
    // Each row says which field moved, and by how much (absolute and relative).
    const first = report.rows[0]?.differences.find((d) => d.field === "probability");
    expect(first?.absDiff).toBeGreaterThan(1e-5);
    expect(first?.problem).toMatch(
      /^probability: expected [\d.]+, got [\d.]+ \(abs [\d.e-]+, rel [\d.e-]+\)$/,
    );
    expect(res.stderr).toContain(
      `models verify 21: ${changedRows.length} of 60 rows differ: ${changedRows
        .slice(0, 10)
        .map((r) => `row ${r}`)
        .join(", ")}`,
    );
  });

  it("reads the same golden answers from CSV, naming rows with their id and line", async () => {
    const ok = await cli([
      "models",
      "verify",
      "21",
      "--source",
      ORIGINAL,
      "--golden",
      "golden.csv",
    ]);
    expect(ok.code, ok.stderr + ok.stdout).toBe(0);
    const res = await cli([
      "models",
      "verify",
      "21",
      "--source",
      altered,
      "--golden",
      "golden.csv",
    ]);
    expect(res.code).toBe(1);
    const named = [...res.stdout.matchAll(/^ {2}row (\d+) \(lead-(\d+), line (\d+)\): /gm)];
    expect(named.map((m) => Number(m[1]))).toEqual(changedRows.slice(0, 50));
    for (const m of named) {
      expect(m[2]).toBe(m[1]);
      expect(Number(m[3])).toBe(Number(m[1]) + 1);
    }
  });

  it("verifies the registered model when no --source is given", async () => {
    const reg = await cli(["models", "register", "21", "--source", altered]);
    expect(reg.code, reg.stderr).toBe(0);
    const res = await cli(["models", "verify", "21", "--golden", "golden.json"]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain(`${changedRows.length} of 60 rows differ`);
  });

  it("a tolerance wider than the change leaves only the labels that changed", async () => {
    const res = await cli([
      "models",
      "verify",
      "21",
      "--source",
      altered,
      "--golden",
      "golden.json",
      "--tolerance",
      "1000",
      "--json",
    ]);
    const report = JSON.parse(res.stdout) as VerifyReport;
    for (const row of report.rows) {
      for (const d of row.differences) expect(d.field).toBe("recommendation");
    }
    expect(res.code).toBe(report.rows.length > 0 ? 1 : 0);
  });
});

describe("models verify --url, against a running server", () => {
  let good: TestService;
  let bad: TestService;

  beforeAll(async () => {
    good = await startTestService();
    // A server whose model 21 is the altered package.
    const dataDir = mkdtempSync(join(tmpdir(), "mg-verify-srv-"));
    const reg = await runCli(["models", "register", "21", "--source", altered], {
      cwd: work,
      env: { MODELGATE_DATA_DIR: dataDir, MODELGATE_REGISTER_EXAMPLE: "false" },
      stdout: { write: () => true },
      stderr: { write: () => true },
    });
    expect(reg).toBe(0);
    bad = await startTestService({ MODELGATE_REGISTER_EXAMPLE: "false" }, { dataDir });
  }, 60_000);

  afterAll(async () => {
    await good.close();
    await bad.close();
    rmSync(bad.dataDir, { recursive: true, force: true });
  });

  it("exit 0 on parity; the key comes from MODELGATE_API_KEY and is never printed", async () => {
    const res = await cli(
      ["models", "verify", "21", "--golden", "golden-api.json", "--url", good.url],
      {
        MODELGATE_API_KEY: good.adminKey,
      },
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain(`against ${good.url}`);
    expect(res.stdout + res.stderr).not.toContain(good.adminKey);
  });

  it("exit 1 naming the rows the altered server answers differently", async () => {
    const res = await cli(
      ["models", "verify", "21", "--golden", "golden-api.json", "--url", bad.url, "--json"],
      { MODELGATE_API_KEY: bad.adminKey },
    );
    expect(res.code).toBe(1);
    const report = JSON.parse(res.stdout) as VerifyReport;
    // Through the API only the mapped (rounded) outputs are compared: a subset of the rows.
    const named = report.rows.map((r) => r.row);
    expect(named.length).toBeGreaterThan(0);
    for (const row of named) expect(changedRows).toContain(row);
  });

  it("refuses a raw probability with --url (exit 2, saying why)", async () => {
    const res = await cli(
      ["models", "verify", "21", "--golden", "golden.json", "--url", good.url],
      {
        MODELGATE_API_KEY: good.adminKey,
      },
    );
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(
      "row 1: expected.probability (the model's raw probability) is not in the API's answer",
    );
  });

  it("a refused key is exit 2 naming the status, the key masked", async () => {
    const wrong = `hk_live_${"x".repeat(40)}`;
    const res = await cli(
      ["models", "verify", "21", "--golden", "golden-api.json", "--url", good.url],
      {
        MODELGATE_API_KEY: wrong,
      },
    );
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/answered 401: api_key_invalid/);
    expect(res.stderr).not.toContain(wrong);
  });
});

describe("models verify --url, when the server cannot answer (exit 1)", () => {
  let server: ScriptedServer;
  beforeAll(async () => {
    server = await startScriptedServer((req, res) => {
      if (req.url?.endsWith("/info")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            id: "21",
            max_batch_size: 64,
            input_schema: { type: "object", properties: { company_size: { type: "integer" } } },
            outputs: [
              { name: "lead_score", kind: "scale" },
              { name: "conversion_probability", kind: "value" },
              { name: "recommendation", kind: "thresholds" },
              { name: "factors", kind: "rules" },
              { name: "confidence", kind: "confidence" },
            ],
          }),
        );
        return;
      }
      if (req.url?.startsWith("/hang/")) return; // never answers
      res.writeHead(503, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          detail:
            "HUGGINGFACE_API_KEY is not set; model 21 is stored in a private Hugging Face repository",
          code: "source_credentials_missing",
          request_id: "req_1",
        }),
      );
    });
  });
  afterAll(() => server.close());

  it("names the status, code and reason of a 503", async () => {
    const res = await cli(
      ["models", "verify", "21", "--golden", "golden-api.json", "--url", server.url],
      {
        MODELGATE_API_KEY: "hk_live_whatever_0000000000",
      },
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      `POST ${server.url}/api/v1/models/21/predict answered 503: source_credentials_missing: HUGGINGFACE_API_KEY is not set`,
    );
  });

  it("every call has a time limit", async () => {
    const res = await cli(
      [
        "models",
        "verify",
        "hang",
        "--golden",
        "golden-api.json",
        "--url",
        `${server.url}/hang`,
        "--call-timeout",
        "1s",
      ],
      { MODELGATE_API_KEY: "hk_live_whatever_0000000000" },
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/predict: no whole answer from 127\.0\.0\.1:\d+ within 1 s/);
  });
});

describe("models verify: bad usage and unreadable golden files (exit 2, located)", () => {
  const write = (name: string, text: string) => {
    writeFileSync(join(work, name), text);
    return name;
  };
  const verify = (golden: string, ...more: string[]) =>
    cli(["models", "verify", "21", "--source", ORIGINAL, "--golden", golden, ...more]);

  it.each([
    ["missing.json", "", "--golden missing.json: no such file."],
    [
      "bad.json",
      '[\n  {"input": {}, "expected": {"lead_score": 1}},\n  {"input": }\n]',
      "bad.json is not valid JSON at line 3, column",
    ],
    [
      "obj.json",
      '{"rows": []}',
      'obj.json: expected a JSON array of {"input": {...}, "expected": {...}} rows, got an object',
    ],
    [
      "row.json",
      '[{"input": {"company_size": 1}, "expected": {}}]',
      'row.json: row 1 (element [0]): "expected" should be a non-empty object',
    ],
    [
      "typo.json",
      '[{"input": {"company_size": 1}, "expected": {"lead_scor": 1}}]',
      "typo.json: row 1: expected.lead_scor is not an output of the model (outputs: lead_score,",
    ],
    [
      "extra.json",
      '[{"input": {}, "expected": {"lead_score": 1}, "note": 1}]',
      'extra.json: row 1 (element [0]): "note" is not a row field',
    ],
    [
      "cols.csv",
      "company_size,budget,expected.lead_score\n1,2,3\n",
      'cols.csv: line 1, column 2 "budget": not an input field of the model',
    ],
    [
      "noexp.csv",
      "company_size,industry\n1,Technology\n",
      "noexp.csv: line 1: no expected.<output> column",
    ],
    [
      "cell.csv",
      "company_size,expected.lead_score\n10,70\nten,70\n",
      'cell.csv: row 2 (line 3), column company_size: expected a number, got "ten"',
    ],
    [
      "factors.csv",
      'company_size,expected.factors\n10,"Demo requested"\n',
      "factors.csv: row 1 (line 2), column expected.factors: expected a JSON list of labels",
    ],
    [
      "quote.csv",
      'company_size,expected.lead_score\n10,"70\n',
      "quote.csv: line 2: a quoted field is not closed",
    ],
    [
      "width.csv",
      "company_size,expected.lead_score\n10,70,1\n",
      "width.csv: line 2: 3 fields, but the header has 2",
    ],
  ])("%s", async (name, text, message) => {
    const file = text === "" ? name : write(name, text);
    const res = await verify(file);
    expect(res.code, res.stdout).toBe(2);
    expect(res.stderr).toContain(message);
  });

  it("refuses a golden file over the row limit, naming it", async () => {
    const rows = Array.from({ length: 100_001 }, () => "1,2").join("\n");
    await expect(
      verify(write("many.csv", `company_size,expected.lead_score\n${rows}\n`)),
    ).resolves.toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        "more than 100000 rows, the limit of a golden file",
      ) as unknown,
    });
  });

  it.each([
    [["--tolerance", "-1"], '--tolerance "-1" is not a number ≥ 0'],
    [["--url", "http://127.0.0.1:1"], "--source and --url exclude each other"],
    [["--format", "xml"], '--format "xml" is not one of: text, json'],
  ])("flags %j", async (flags, message) => {
    const res = await verify(
      write("ok.json", '[{"input": {}, "expected": {"lead_score": 1}}]'),
      ...flags,
    );
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(message);
  });

  it("an input the model refuses is a differing row (exit 1), with the reason", async () => {
    const res = await verify(
      write("refused.json", '[{"input": {"company_size": 0}, "expected": {"lead_score": 1}}]'),
    );
    expect(res.code).toBe(1);
    expect(res.stdout).toContain("row 1: input refused: ");
    expect(res.stdout).toContain("input.company_size must be ≥ 1, got 0");
  });
});
