/**
 * `modelgate models verify`, as a function: golden rows through a predictor, compared field by
 * field; the report lists every row that differs (up to MAX_LISTED_ROWS), what differs and by
 * how much.
 */
import type { FieldDifference, Tolerance } from "./compare.js";
import { compareRow } from "./compare.js";
import type { GoldenRow } from "./golden.js";
import { GoldenError, PROBABILITY, parseGoldenCsv, parseGoldenJson } from "./golden.js";
import type { Predictor } from "./predictor.js";

/** Differing rows listed in a report; past it they are counted. */
export const MAX_LISTED_ROWS = 1_000;

export type GoldenFormat = "json" | "csv";

export interface GoldenFile {
  /** As given on the command line (named in messages). */
  file: string;
  text: string;
  format: GoldenFormat;
}

export interface RowResult {
  row: number;
  name: string;
  /** Set when the model refused the input (a 422): nothing else was compared. */
  refused?: string;
  differences: FieldDifference[];
}

export interface VerifyReport {
  model: string;
  against: string;
  golden: { file: string; format: GoldenFormat; rows: number };
  tolerance: Tolerance;
  compared: { rows: number; fields: number };
  differing: { rows: number; fields: number; refused: number };
  /** The differing rows, in file order, at most MAX_LISTED_ROWS. */
  rows: RowResult[];
  omittedRows: number;
}

/** Expected fields the predictor cannot answer are the golden file's mistake: exit 2. */
function checkExpectedFields(rows: readonly GoldenRow[], predictor: Predictor, file: string): void {
  const outputs = new Set(Object.keys(predictor.schema.outputs));
  const probabilityOk = outputs.has(PROBABILITY) || predictor.hasProbability;
  for (const row of rows) {
    for (const field of Object.keys(row.expected)) {
      if (outputs.has(field)) continue;
      if (field === PROBABILITY) {
        if (probabilityOk) continue;
        throw new GoldenError(
          `${file}: ${row.name}: expected.${PROBABILITY} (the model's raw probability) is not in the API's answer, so it can only be checked in-process: drop --url, or drop the probability values`,
        );
      }
      const known = [...outputs, ...(probabilityOk ? [PROBABILITY] : [])].join(", ");
      throw new GoldenError(
        `${file}: ${row.name}: expected.${field} is not an output of the model (outputs: ${known})`,
      );
    }
  }
}

export function readGolden(golden: GoldenFile, predictor: Predictor): GoldenRow[] {
  const rows =
    golden.format === "json"
      ? parseGoldenJson(golden.text, golden.file)
      : parseGoldenCsv(golden.text, golden.file, predictor.schema);
  checkExpectedFields(rows, predictor, golden.file);
  return rows;
}

export async function runVerify(
  modelId: string,
  golden: GoldenFile,
  predictor: Predictor,
  tolerance: Tolerance,
  onProgress?: (done: number, total: number) => void,
): Promise<VerifyReport> {
  const rows = readGolden(golden, predictor);
  const listed: RowResult[] = [];
  let differingRows = 0;
  let differingFields = 0;
  let refused = 0;
  let fields = 0;
  const batch = Math.max(1, predictor.maxBatch);
  for (let start = 0; start < rows.length; start += batch) {
    const slice = rows.slice(start, start + batch);
    const answers = await predictor.run(slice);
    slice.forEach((row, i) => {
      const answer = answers[i];
      fields += Object.keys(row.expected).length;
      let result: RowResult | null = null;
      if (!answer || !answer.ok) {
        refused += 1;
        result = {
          row: row.row,
          name: row.name,
          refused: answer?.refused ?? "no answer",
          differences: [],
        };
      } else {
        const differences = compareRow(row.expected, answer.values, tolerance);
        if (differences.length > 0) result = { row: row.row, name: row.name, differences };
      }
      if (result) {
        differingRows += 1;
        differingFields += result.differences.length;
        if (listed.length < MAX_LISTED_ROWS) listed.push(result);
      }
    });
    onProgress?.(Math.min(start + batch, rows.length), rows.length);
  }
  return {
    model: modelId,
    against: predictor.describe,
    golden: { file: golden.file, format: golden.format, rows: rows.length },
    tolerance,
    compared: { rows: rows.length, fields },
    differing: { rows: differingRows, fields: differingFields, refused },
    rows: listed,
    omittedRows: differingRows - listed.length,
  };
}

/** Rows shown in the text report; the JSON report lists up to MAX_LISTED_ROWS. */
export const TEXT_ROWS = 50;

export function renderVerifyText(report: VerifyReport): string {
  const t = report.tolerance;
  const tol = `tolerance ${t.abs}${t.rel > 0 ? ` + ${t.rel} × |expected|` : ""}`;
  const head = `models verify ${report.model}: ${report.golden.file} (${report.golden.format}, ${report.golden.rows} rows) against ${report.against}`;
  if (report.differing.rows === 0) {
    return `${head}\nParity: ${report.compared.rows} rows, ${report.compared.fields} fields compared; none differs beyond ${tol}.`;
  }
  const d = report.differing;
  const lines = [
    head,
    `${d.rows} of ${report.compared.rows} rows differ (${d.fields} field(s) beyond ${tol}${d.refused ? `; ${d.refused} input(s) refused` : ""}):`,
  ];
  for (const r of report.rows.slice(0, TEXT_ROWS)) {
    if (r.refused !== undefined) lines.push(`  ${r.name}: input refused: ${r.refused}`);
    else lines.push(`  ${r.name}: ${r.differences.map((x) => x.problem).join("; ")}`);
  }
  const more = d.rows - Math.min(report.rows.length, TEXT_ROWS);
  if (more > 0)
    lines.push(`  … and ${more} more row(s) (--format json lists up to ${MAX_LISTED_ROWS})`);
  return lines.join("\n");
}
