/**
 * One answer against the golden one, field by field. Numbers differ when
 * |actual − expected| > tolerance + relTolerance × |expected| (numpy.isclose's rule); every
 * numeric difference reports both its absolute and its relative size. Anything else must be
 * equal (strings, booleans, lists of labels in order).
 */

export interface Tolerance {
  /** Absolute (default 1e-5). */
  abs: number;
  /** Relative to the expected value (default 0: off). */
  rel: number;
}

export interface FieldDifference {
  field: string;
  expected: unknown;
  /** undefined when the answer lacks the field. */
  actual: unknown;
  /** |actual − expected|, for two numbers. */
  absDiff?: number;
  /** |actual − expected| / |expected|; null when expected is 0. */
  relDiff?: number | null;
  /** One sentence. */
  problem: string;
}

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

function round(x: number): number {
  return Number(x.toPrecision(3));
}

function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  }
  return Object.is(a, b) || a === b;
}

export function compareField(
  field: string,
  expected: unknown,
  actual: unknown,
  tol: Tolerance,
): FieldDifference | null {
  if (actual === undefined) {
    return {
      field,
      expected,
      actual,
      problem: `${field}: expected ${show(expected)}, the answer has no such field`,
    };
  }
  if (typeof expected === "number") {
    if (typeof actual !== "number" || !Number.isFinite(actual)) {
      return {
        field,
        expected,
        actual,
        problem: `${field}: expected ${show(expected)}, got ${show(actual)} (not a number)`,
      };
    }
    const absDiff = Math.abs(actual - expected);
    if (absDiff <= tol.abs + tol.rel * Math.abs(expected)) return null;
    const relDiff = expected === 0 ? null : absDiff / Math.abs(expected);
    const rel = relDiff === null ? "rel n/a, expected 0" : `rel ${round(relDiff)}`;
    return {
      field,
      expected,
      actual,
      absDiff,
      relDiff,
      problem: `${field}: expected ${show(expected)}, got ${show(actual)} (abs ${round(absDiff)}, ${rel})`,
    };
  }
  if (sameJson(expected, actual)) return null;
  return {
    field,
    expected,
    actual,
    problem: `${field}: expected ${show(expected)}, got ${show(actual)}`,
  };
}

/** Every expected field of one row against the answer (its outputs, plus the probability). */
export function compareRow(
  expected: Readonly<Record<string, unknown>>,
  actual: Readonly<Record<string, unknown>>,
  tol: Tolerance,
): FieldDifference[] {
  const out: FieldDifference[] = [];
  for (const [field, value] of Object.entries(expected)) {
    const d = compareField(field, value, actual[field], tol);
    if (d) out.push(d);
  }
  return out;
}
