/** Operators and iteration over known values (Unknowns are handled by the caller). */
import type { Value } from "./value.js";
import { isValueObject } from "./value.js";

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

export function applyOperator(op: string, l: Value, r: Value): Value {
  const a = l as never;
  const b = r as never;
  switch (op) {
    case "==":
      return JSON.stringify(l) === JSON.stringify(r);
    case "!=":
      return JSON.stringify(l) !== JSON.stringify(r);
    case "&&":
      return Boolean(l) && Boolean(r);
    case "||":
      return Boolean(l) || Boolean(r);
    case ">":
      return a > b;
    case ">=":
      return a >= b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case "+":
      return Number(l) + Number(r);
    case "-":
      return Number(l) - Number(r);
    case "*":
      return Number(l) * Number(r);
    case "/":
      return Number(l) / Number(r);
    default:
      return Number(l) % Number(r);
  }
}
