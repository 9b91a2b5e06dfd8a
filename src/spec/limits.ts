/**
 * What a model package's spec may cost. A spec comes from a model repository (someone else's
 * file) and is read, compiled and frozen on the event loop, so its size is bounded before any of
 * that work starts; each refusal names the limit it hit.
 */
import { RE2JS } from "re2js";
import { ModelgateError } from "../errors.js";

export const SPEC_LIMITS = {
  /** Bytes of modelgate.json. */
  bytes: 1_048_576,
  /** JSON values (objects, arrays, strings, numbers, ...) in the whole spec. */
  values: 100_000,
  /** Nesting depth of the spec's JSON. */
  depth: 32,
  /** Fields in inputs.properties. */
  inputFields: 1_000,
  /** Whole example inputs in `inputs.examples`. */
  inputExamples: 10,
  /** Input fields with a `pattern` (each is compiled at load). */
  patterns: 100,
  /** Characters of one input `pattern`. */
  patternChars: 1_000,
  /** Instructions of one compiled `pattern` (RE2 program size): matching costs this per character. */
  patternProgram: 2_000,
  /** Length of one `array` input field (version 2): the numbers a request sends per row. */
  vectorLength: 65_536,
  /** Labels in `classes` (multiclass). */
  classes: 10_000,
  /** Names in `targets` (regression). */
  targets: 1_000,
  /** Characters of one class label or target name. */
  labelChars: 200,
  /** Words of one keyword phrase: matching walks at most this many words from each word. */
  phraseWords: 32,
} as const;

function limitError(where: string, field: string, problem: string): ModelgateError {
  return new ModelgateError("spec_invalid", `${where}: ${field} ${problem}`, {
    errors: [{ field, problem }],
  });
}

/**
 * Refuses a parsed spec with more values or deeper nesting than SPEC_LIMITS allow, in one
 * iterative pass that stops at the first limit (so neither its work nor a recursion depends on
 * what the file holds).
 */
export function checkSpecSize(json: unknown, where: string): void {
  const stack: [unknown, number][] = [[json, 1]];
  let values = 1;
  while (stack.length > 0) {
    const [value, depth] = stack.pop() ?? [null, 0];
    if (typeof value !== "object" || value === null) continue;
    if (depth > SPEC_LIMITS.depth) {
      throw limitError(
        where,
        "(top level)",
        `is nested deeper than ${SPEC_LIMITS.depth} levels, the limit of a spec`,
      );
    }
    const children = Object.values(value);
    values += children.length;
    if (values > SPEC_LIMITS.values) {
      throw limitError(
        where,
        "(top level)",
        `holds more than ${SPEC_LIMITS.values} JSON values, the limit of a spec: describe fewer fields, categories or rules`,
      );
    }
    for (const child of children) {
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
    }
  }
}

/**
 * A pattern compiled for RE2 (linear-time matching: no backtracking, so no input can freeze
 * the event loop), or the sentence saying why it cannot be used.
 */
export function compilePattern(pattern: string): RE2JS | string {
  if (pattern.length > SPEC_LIMITS.patternChars) {
    return `is ${pattern.length} characters long; a pattern may be at most ${SPEC_LIMITS.patternChars}`;
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return `is not a valid regular expression for RE2, the linear-time engine modelgate matches patterns with (no backreferences or lookaround): ${why}`;
  }
  if (re.programSize() > SPEC_LIMITS.patternProgram) {
    return `compiles to ${re.programSize()} instructions; a pattern may compile to at most ${SPEC_LIMITS.patternProgram} (use smaller repetition counts)`;
  }
  return re;
}
