/** Argument checks shared by the Terraform function implementations. */
import type { Value, ValueObject } from "./value.js";
import { Unknown, isValueObject, toStr } from "./value.js";

export type PureFn = (args: Value[]) => Value;

/** An argument Terraform would refuse; becomes an error Unknown naming the call. */
export class FnError extends Error {}

export function str(v: Value | undefined, what = "a string"): string {
  const s = v === undefined || v instanceof Unknown ? undefined : toStr(v);
  if (s === undefined) throw new FnError(`${what} is required`);
  return s;
}

export function num(v: Value | undefined, what = "a number"): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v))) return Number(v);
  throw new FnError(`${what} is required`);
}

export function int(v: Value | undefined, what = "a whole number"): number {
  const n = num(v, what);
  if (!Number.isInteger(n)) throw new FnError(`${what} is required`);
  return n;
}

export function list(v: Value | undefined, what = "a list"): Value[] {
  if (Array.isArray(v)) return v;
  throw new FnError(`${what} is required`);
}

export function map(v: Value | undefined, what = "a map"): ValueObject {
  if (isValueObject(v)) return v;
  throw new FnError(`${what} is required`);
}

export function arity(name: string, args: Value[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new FnError(`${name}() takes ${want} argument(s), not ${args.length}`);
  }
}
