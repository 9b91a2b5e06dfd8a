/**
 * MLflow's saved input example (`input_example.json`, named by MLmodel's
 * saved_input_example_info) as whole example inputs for a generated spec: the rows of a pandas
 * "split" frame (`{"columns": [...], "data": [[...]]}`, also inside `dataframe_split`) or of a
 * list of records. At most SPEC_LIMITS.inputExamples rows; anything else is not an example.
 */
import { SPEC_LIMITS } from "../../spec/index.js";

/** An input example is small; a larger file is not read. */
export const MAX_EXAMPLE_BYTES = 64 * 1024;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The example's rows keyed by column, or null when it is not a frame of `fields`. */
export function exampleRows(
  text: string,
  fields: readonly string[],
): Record<string, unknown>[] | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const frame = isObject(json) && isObject(json.dataframe_split) ? json.dataframe_split : json;
  let rows: Record<string, unknown>[];
  if (isObject(frame) && Array.isArray(frame.columns) && Array.isArray(frame.data)) {
    const columns = frame.columns.map(String);
    rows = frame.data
      .slice(0, SPEC_LIMITS.inputExamples)
      .filter((row): row is unknown[] => Array.isArray(row) && row.length === columns.length)
      .map((row) => Object.fromEntries(columns.map((c, i) => [c, row[i]])));
  } else if (Array.isArray(frame) && frame.every(isObject)) {
    rows = frame.slice(0, SPEC_LIMITS.inputExamples);
  } else {
    return null;
  }
  const known = new Set(fields);
  const usable = rows.filter((row) => Object.keys(row).every((k) => known.has(k)));
  return usable.length > 0 ? usable : null;
}
