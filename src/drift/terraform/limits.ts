/**
 * Bounds on what one Terraform configuration can make the evaluator do. A configuration is input
 * from a repository nobody here wrote: `range(1e9)`, a for-expression over itself or a template
 * that doubles a string in a loop must stop with a sentence naming the limit, not exhaust memory.
 * Hitting a limit yields an Unknown (the part is reported as not read), never a crash.
 */
import { Unknown } from "./value.js";

export const LIMITS = {
  /** Nesting of expressions being evaluated (calls within calls, for within for). */
  depth: 256,
  /** Expression nodes evaluated for one --terraform folder, modules included. */
  steps: 1_000_000,
  /** Characters in one string value (a rendered template, a jsonencode() result). */
  stringLength: 4 * 1024 * 1024,
  /** Elements in one list or map (range(), a for-expression, flatten(), concat()). */
  collection: 10_000,
} as const;

/** What one run has spent; shared by every evaluator of the run. */
export class Budget {
  steps = 0;
  depth = 0;
  constructor(readonly maxSteps: number = LIMITS.steps) {}
}

export function tooLong(text: string, length: number): Unknown {
  return new Unknown(
    text,
    `its result would be ${length} characters, more than the ${LIMITS.stringLength} modelgate evaluates`,
  );
}

export function tooMany(text: string, count: number): Unknown {
  return new Unknown(
    text,
    `it would make ${count} elements, more than the ${LIMITS.collection} modelgate evaluates`,
  );
}

/** A string or collection result checked against the limits; undefined when it is within them. */
export function overLimit(text: string, v: unknown): Unknown | undefined {
  if (typeof v === "string" && v.length > LIMITS.stringLength) return tooLong(text, v.length);
  if (Array.isArray(v) && v.length > LIMITS.collection) return tooMany(text, v.length);
  if (typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Unknown)) {
    const n = Object.keys(v).length;
    if (n > LIMITS.collection) return tooMany(text, n);
  }
  return undefined;
}
