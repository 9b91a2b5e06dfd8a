/** Operators and iteration over known values (Unknowns are handled by the caller). */
import type { Value } from "./value.js";
import { Unknown, isValueObject } from "./value.js";

/** Key/value pairs of a list (index → item) or a map (sorted keys, as Terraform iterates). */
export function entriesOf(coll: Value): [Value, Value][] {
  if (Array.isArray(coll)) return coll.map((v, i) => [i, v]);
  if (isValueObject(coll)) {
    return Object.keys(coll)
      .sort()
      .map((k) => [k, coll[k] as Value]);
  }
  return [];
}

/** A canonical text of a value: maps compare equal whatever the order of their keys. */
export function canonical(v: Value): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (isValueObject(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k] as Value)}`)
      .join(",")}}`;
  return JSON.stringify(v);
}

/** A number from a number or a numeric string, as Terraform converts operands. */
export function toNumber(v: Value): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^[-+]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v)) return Number(v);
  return undefined;
}

/** A bool from a bool or its text, as Terraform converts a condition or an operand. */
export function toBool(v: Value): boolean | undefined {
  if (v === true || v === "true" || v === "1") return true;
  if (v === false || v === "false" || v === "0") return false;
  return undefined;
}

/** Rounds away binary noise (0.1 + 0.2), as Terraform's 512-bit arithmetic does not make it. */
function tidy(n: number): number {
  return Number.isInteger(n) || !Number.isFinite(n) ? n : Number(n.toPrecision(15));
}

export function applyOperator(op: string, l: Value, r: Value, text: string): Value {
  if (op === "==") return canonical(l) === canonical(r);
  if (op === "!=") return canonical(l) !== canonical(r);
  if (op === "&&" || op === "||") {
    const a = toBool(l);
    const b = toBool(r);
    if (a === undefined || b === undefined) return Unknown.error(text, `${op} needs two bools`);
    return op === "&&" ? a && b : a || b;
  }
  const a = toNumber(l);
  const b = toNumber(r);
  if (a === undefined || b === undefined) return Unknown.error(text, `${op} needs two numbers`);
  switch (op) {
    case ">":
      return a > b;
    case ">=":
      return a >= b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case "+":
      return tidy(a + b);
    case "-":
      return tidy(a - b);
    case "*":
      return tidy(a * b);
    case "/":
      return tidy(a / b);
    default:
      return tidy(a % b);
  }
}
