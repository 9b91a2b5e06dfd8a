/**
 * Golden files: inputs with the answers the old service gave, read strictly and bounded. Two
 * formats (docs/migrate.md):
 *
 * - JSON: an array of `{"input": {...}, "expected": {...}, "id"?: "..."}`;
 * - CSV: a header line; `id` (optional) names a row, `expected.<field>` columns hold expected
 *   values, every other column is an input field. Cells are typed by the model's spec: inputs by
 *   their JSON Schema type, expected values by their output's kind. An empty cell is an absent
 *   input field, or a value not compared.
 *
 * An expected field is an output of the spec, or `probability`: the number the outputs are
 * computed from (a binary classifier's positive-class probability), unless an output has that name.
 */
import { CsvError, parseCsv } from "./csv.js";
import { jsonErrorOffset } from "../json-locate.js";

export const GOLDEN_LIMITS = {
  /** Bytes of a golden file. */
  bytes: 32 * 1024 * 1024,
  /** Rows in a golden file. */
  rows: 100_000,
  /** Columns of a CSV golden file. */
  columns: 2_000,
  /** Characters in one CSV cell. */
  cellChars: 65_536,
} as const;

export const PROBABILITY = "probability";

export interface GoldenRow {
  /** 1-based position among the rows. */
  row: number;
  /** How a person finds it: "row 3", "row 3 (line 4)", "row 3 (lead-17)". */
  name: string;
  input: Record<string, unknown>;
  expected: Record<string, unknown>;
}

/** A golden file that cannot be read: the location and what is wrong. */
export class GoldenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GoldenError";
  }
}

/** What typing CSV cells needs from the spec. */
export interface GoldenSchema {
  /** Input field → its JSON Schema type. */
  inputs: Readonly<Record<string, string>>;
  /** Output name → its kind. */
  outputs: Readonly<Record<string, string>>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `string ${JSON.stringify(value.slice(0, 40))}`;
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}

function isExpectedValue(value: unknown): boolean {
  if (typeof value === "number") return Number.isFinite(value);
  if (typeof value === "string" || typeof value === "boolean") return true;
  return Array.isArray(value) && value.every((x) => typeof x === "string");
}

/** Line and column of a character offset, for JSON.parse's "at position N". */
function lineAt(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return `line ${line}, column ${column}`;
}

export function parseGoldenJson(text: string, file: string): GoldenRow[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const offset = jsonErrorOffset(text);
    const where = offset === null ? "" : ` at ${lineAt(text, offset)}`;
    const near = offset === null ? "" : ` near ${JSON.stringify(text.slice(offset, offset + 20))}`;
    throw new GoldenError(`${file} is not valid JSON${where}${near} (${message.split("\n")[0]})`);
  }
  if (!Array.isArray(json)) {
    throw new GoldenError(
      `${file}: expected a JSON array of {"input": {...}, "expected": {...}} rows, got ${describe(json)}`,
    );
  }
  if (json.length === 0) throw new GoldenError(`${file}: the array is empty: nothing to verify`);
  if (json.length > GOLDEN_LIMITS.rows) {
    throw new GoldenError(
      `${file}: ${json.length} rows, more than ${GOLDEN_LIMITS.rows}, the limit of a golden file: split it`,
    );
  }
  return json.map((item: unknown, i) => {
    const row = i + 1;
    const at = `${file}: row ${row} (element [${i}])`;
    if (!isObject(item)) throw new GoldenError(`${at}: expected an object, got ${describe(item)}`);
    for (const key of Object.keys(item)) {
      if (!["input", "expected", "id"].includes(key)) {
        throw new GoldenError(`${at}: "${key}" is not a row field (input, expected, id)`);
      }
    }
    if (!isObject(item.input)) {
      throw new GoldenError(`${at}: "input" should be an object, got ${describe(item.input)}`);
    }
    if (!isObject(item.expected) || Object.keys(item.expected).length === 0) {
      throw new GoldenError(
        `${at}: "expected" should be a non-empty object of output values, got ${describe(item.expected)}`,
      );
    }
    for (const [field, value] of Object.entries(item.expected)) {
      if (!isExpectedValue(value)) {
        throw new GoldenError(
          `${at}: expected.${field} should be a number, string, boolean or list of strings, got ${describe(value)}`,
        );
      }
    }
    if (item.id !== undefined && typeof item.id !== "string") {
      throw new GoldenError(`${at}: "id" should be a string, got ${describe(item.id)}`);
    }
    const name = item.id ? `row ${row} (${item.id})` : `row ${row}`;
    return { row, name, input: item.input, expected: item.expected };
  });
}

function inputCell(cell: string, type: string | undefined): unknown {
  switch (type) {
    case "integer":
    case "number": {
      const value = Number(cell);
      if (cell.trim() === "" || !Number.isFinite(value))
        throw new Error(`expected a number, got "${cell}"`);
      if (type === "integer" && !Number.isInteger(value))
        throw new Error(`expected an integer, got "${cell}"`);
      return value;
    }
    case "boolean": {
      const lower = cell.trim().toLowerCase();
      if (lower === "true" || lower === "1") return true;
      if (lower === "false" || lower === "0") return false;
      throw new Error(`expected true or false, got "${cell}"`);
    }
    case "array":
      return jsonCell(cell, "a JSON list");
    default:
      return cell;
  }
}

function jsonCell(cell: string, what: string): unknown {
  try {
    return JSON.parse(cell) as unknown;
  } catch {
    throw new Error(`expected ${what}, got "${cell.slice(0, 60)}"`);
  }
}

const NUMERIC_KINDS = new Set(["scale", "value", "confidence"]);

function expectedCell(cell: string, field: string, schema: GoldenSchema): unknown {
  const kind = schema.outputs[field] ?? (field === PROBABILITY ? "probability" : undefined);
  if (kind === "probability" || (kind && NUMERIC_KINDS.has(kind))) return inputCell(cell, "number");
  if (kind === "rules") {
    const list = jsonCell(cell, 'a JSON list of labels, e.g. ["Demo requested"]');
    if (!Array.isArray(list) || !list.every((x) => typeof x === "string")) {
      throw new Error(
        `expected a JSON list of labels, e.g. ["Demo requested"], got "${cell.slice(0, 60)}"`,
      );
    }
    return list;
  }
  if (kind === "thresholds") return cell;
  // A kind this reader does not know: JSON when it parses as a value, else the text.
  try {
    const value = JSON.parse(cell) as unknown;
    return isExpectedValue(value) ? value : cell;
  } catch {
    return cell;
  }
}

type Column =
  { kind: "id" } | { kind: "input"; field: string } | { kind: "expected"; field: string };

function columns(header: string[], schema: GoldenSchema, file: string): Column[] {
  const seen = new Set<string>();
  const known = Object.keys(schema.inputs);
  const outputs = [
    ...Object.keys(schema.outputs),
    ...(schema.outputs[PROBABILITY] ? [] : [PROBABILITY]),
  ];
  const cols = header.map((raw, i): Column => {
    const name = raw.trim();
    const at = `${file}: line 1, column ${i + 1} "${name}"`;
    if (seen.has(name)) throw new GoldenError(`${at}: the column appears twice`);
    seen.add(name);
    if (name === "id") return { kind: "id" };
    if (name.startsWith("expected.")) {
      const field = name.slice("expected.".length);
      if (!outputs.includes(field)) {
        throw new GoldenError(
          `${at}: "${field}" is not an output of the model (outputs: ${outputs.join(", ")})`,
        );
      }
      return { kind: "expected", field };
    }
    if (!Object.hasOwn(schema.inputs, name)) {
      const list = known.length > 20 ? `${known.slice(0, 20).join(", ")}, …` : known.join(", ");
      throw new GoldenError(
        `${at}: not an input field of the model (inputs: ${list}); expected values go in expected.<output> columns`,
      );
    }
    return { kind: "input", field: name };
  });
  if (!cols.some((c) => c.kind === "expected")) {
    throw new GoldenError(
      `${file}: line 1: no expected.<output> column, so there is nothing to compare`,
    );
  }
  return cols;
}

export function parseGoldenCsv(text: string, file: string, schema: GoldenSchema): GoldenRow[] {
  let parsed;
  try {
    parsed = parseCsv(text, {
      records: GOLDEN_LIMITS.rows,
      columns: GOLDEN_LIMITS.columns,
      cellChars: GOLDEN_LIMITS.cellChars,
    });
  } catch (err) {
    if (err instanceof CsvError) throw new GoldenError(`${file}: ${err.message}`);
    throw err;
  }
  const cols = columns(parsed.header.cells, schema, file);
  if (parsed.records.length === 0)
    throw new GoldenError(`${file}: a header but no rows: nothing to verify`);
  return parsed.records.map((record, i) => {
    const row = i + 1;
    const input: Record<string, unknown> = {};
    const expected: Record<string, unknown> = {};
    let id = "";
    record.cells.forEach((cell, c) => {
      const col = cols[c];
      if (!col) return;
      if (col.kind === "id") {
        id = cell.trim();
        return;
      }
      if (cell === "") return;
      const column = `expected.${col.field}`;
      try {
        if (col.kind === "input") input[col.field] = inputCell(cell, schema.inputs[col.field]);
        else expected[col.field] = expectedCell(cell, col.field, schema);
      } catch (err) {
        const what = col.kind === "input" ? col.field : column;
        throw new GoldenError(
          `${file}: row ${row} (line ${record.line}), column ${what}: ${(err as Error).message}`,
        );
      }
    });
    if (Object.keys(expected).length === 0) {
      throw new GoldenError(
        `${file}: row ${row} (line ${record.line}): every expected.<output> cell is empty`,
      );
    }
    const name = id
      ? `row ${row} (${id}, line ${record.line})`
      : `row ${row} (line ${record.line})`;
    return { row, name, input, expected };
  });
}
