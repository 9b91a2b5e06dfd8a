/**
 * One input field's rules (the JSON Schema subset a spec may declare) as a checker function.
 * Interpreted rather than compiled by Ajv: Ajv generated code per field and took seconds for a
 * spec of a few thousand fields; building these closures costs microseconds per field.
 */
import { RE2JS } from "re2js";
import { describeValue } from "./reader.js";
import type { InputProperty, InputType } from "./types.js";

/**
 * Reports one problem with the field `name` (with `index`: with its element `name[index]`); the
 * caller builds the path and the sentence only when it still has room for them (a valid input
 * builds no strings at all).
 */
export type AddProblem = (name: string, problem: () => string, index?: number) => void;

export type FieldCheck = (value: unknown, name: string, add: AddProblem) => void;

type Rule = (value: never, name: string, add: AddProblem) => void;

export function matchesType(value: unknown, type: InputType): boolean {
  if (type === "integer") return Number.isInteger(value);
  if (type === "number") return typeof value === "number" && Number.isFinite(value);
  if (type === "array") return Array.isArray(value);
  return typeof value === type;
}

/** Length in code points, as JSON Schema counts it (an emoji is one character, not two). */
export function codePointLength(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n -= 1;
        i += 1;
      }
    }
  }
  return n;
}

function listValues(values: readonly unknown[]): string {
  const shown = values.slice(0, 12).map((v) => {
    const text = JSON.stringify(v);
    return text.length > 40 ? `${text.slice(0, 39)}…` : text;
  });
  return values.length > 12 ? `${shown.join(", ")}, ...` : shown.join(", ");
}

function numberRules(prop: InputProperty): Rule[] {
  const rules: Rule[] = [];
  const bound = (limit: number | undefined, symbol: string, fails: (v: number) => boolean) => {
    if (limit === undefined) return;
    rules.push((value: number, name, add) => {
      if (fails(value)) add(name, () => `must be ${symbol} ${limit}, got ${value}`);
    });
  };
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = prop;
  bound(maximum, "≤", (v) => maximum !== undefined && v > maximum);
  bound(minimum, "≥", (v) => minimum !== undefined && v < minimum);
  bound(exclusiveMaximum, "<", (v) => exclusiveMaximum !== undefined && v >= exclusiveMaximum);
  bound(exclusiveMinimum, ">", (v) => exclusiveMinimum !== undefined && v <= exclusiveMinimum);
  return rules;
}

function stringRules(prop: InputProperty): Rule[] {
  const rules: Rule[] = [];
  const { minLength, maxLength, pattern } = prop;
  if (maxLength !== undefined) {
    rules.push((value: string, name, add) => {
      // Code points never outnumber UTF-16 units: only a long string needs counting.
      if (value.length > maxLength && codePointLength(value) > maxLength) {
        add(name, () => `must be at most ${maxLength} characters, got ${describeValue(value)}`);
      }
    });
  }
  if (minLength !== undefined) {
    rules.push((value: string, name, add) => {
      if (value.length < minLength || codePointLength(value) < minLength) {
        add(name, () => `must be at least ${minLength} characters, got ${describeValue(value)}`);
      }
    });
  }
  if (pattern !== undefined) {
    // RE2: linear in the value's length whatever the pattern, where the JavaScript engine
    // backtracks (`^(a+)+$` on 31 characters took 5.8 s). parseSpec refused what RE2 cannot run.
    const re = RE2JS.compile(pattern);
    rules.push((value: string, name, add) => {
      if (!re.test(value)) {
        add(name, () => `must match the pattern ${pattern}, got ${describeValue(value)}`);
      }
    });
  }
  return rules;
}

/**
 * An `array` field: exactly `length` numbers, each checked on its own (every bad element is a
 * problem, within the caller's budget). The loop is bounded by the declared length.
 */
function vectorCheck(prop: InputProperty): FieldCheck {
  const length = prop.maxItems ?? 0;
  const itemType = prop.items?.type ?? "number";
  const itemRules = numberRules({ type: itemType, ...prop.items });
  const expected = `an array of ${length} ${itemType === "integer" ? "integers" : "numbers"}`;
  return function checkVector(value, name, add) {
    if (!Array.isArray(value)) {
      add(name, () => `expected ${expected}, got ${describeValue(value)}`);
      return;
    }
    if (value.length !== length) {
      add(name, () => `expected ${expected}, got ${value.length}`);
      return;
    }
    let index = 0;
    const addAt: AddProblem = (n, problem) => add(n, problem, index);
    for (let i = 0; i < length; i++) {
      const item: unknown = value[i];
      index = i;
      if (!matchesType(item, itemType)) {
        add(name, () => `expected ${itemType}, got ${describeValue(item)}`, i);
        continue;
      }
      for (const rule of itemRules) rule(item as never, name, addAt);
    }
  };
}

/** The checker of one declared field: its type first (a wrong type is the one thing said). */
export function compileFieldCheck(prop: InputProperty): FieldCheck {
  const type = prop.type;
  if (type === "array") return vectorCheck(prop);
  const rules =
    type === "number" || type === "integer"
      ? numberRules(prop)
      : type === "string"
        ? stringRules(prop)
        : [];
  const allowed = prop.enum;
  if (allowed !== undefined) {
    const values = new Set<unknown>(allowed);
    rules.push((value: unknown, name, add) => {
      if (!values.has(value)) {
        add(name, () => `must be one of: ${listValues(allowed)}; got ${describeValue(value)}`);
      }
    });
  }
  return function checkField(value, name, add) {
    if (!matchesType(value, type)) {
      add(name, () => `expected ${type}, got ${describeValue(value)}`);
      return;
    }
    for (const rule of rules) rule(value as never, name, add);
  };
}
