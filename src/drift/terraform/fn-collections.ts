/** Terraform's collection and numeric functions over known values. */
import type { PureFn } from "./fn-support.js";
import { FnError, arity, int, list, map, num, str } from "./fn-support.js";
import { graphemes } from "./fn-strings.js";
import { LIMITS } from "./limits.js";
import { canonical } from "./operators.js";
import { sortSet, unify } from "./types.js";
import type { Value, ValueObject } from "./value.js";
import { isValueObject } from "./value.js";

function bounded<T>(n: number, what: string, make: () => T): T {
  if (n > LIMITS.collection)
    throw new FnError(
      `${what} would make ${n} elements, more than the ${LIMITS.collection} modelgate evaluates`,
    );
  return make();
}

function range(args: Value[]): number[] {
  arity("range", args, 1, 3);
  const [start, limit] = args.length === 1 ? [0, num(args[0])] : [num(args[0]), num(args[1])];
  const step = args.length === 3 ? num(args[2]) : start <= limit ? 1 : -1;
  if (step === 0) throw new FnError("range: the step must not be zero");
  if ((step > 0 && start > limit) || (step < 0 && start < limit))
    throw new FnError(`range: the step must be ${step > 0 ? "negative" : "positive"} here`);
  const count = Math.max(0, Math.ceil((limit - start) / step));
  return bounded(count, `range(${args.join(", ")})`, () =>
    Array.from({ length: count }, (_, i) => start + i * step),
  );
}

function flatten(v: Value[]): Value[] {
  const out: Value[] = [];
  const walk = (x: Value[]) => {
    for (const item of x) {
      if (Array.isArray(item)) walk(item);
      else out.push(item);
      if (out.length > LIMITS.collection)
        throw new FnError(
          `flatten: the result would have more than the ${LIMITS.collection} elements modelgate evaluates`,
        );
    }
  };
  walk(v);
  return out;
}

const same = (a: Value, b: Value) => canonical(a) === canonical(b);

export const COLLECTION_FUNCTIONS: Record<string, PureFn> = {
  concat: (args) => {
    const n = args.reduce<number>((sum, a) => sum + list(a, "concat: lists").length, 0);
    return bounded(n, "concat()", () => args.flatMap((a) => list(a)));
  },
  merge: (args) => {
    const out: ValueObject = {};
    for (const a of args) if (a !== null) Object.assign(out, map(a, "merge: maps or objects"));
    return out;
  },
  flatten: ([v]) => flatten(list(v)),
  lookup: (args) => {
    arity("lookup", args, 2, 3);
    const m = map(args[0]);
    const k = str(args[1]);
    if (k in m) return m[k] as Value;
    if (args.length === 3) return args[2] as Value;
    throw new FnError(`lookup: the map has no key "${k}" and no default was given`);
  },
  coalesce: (args) => {
    const found = args.find((a) => a !== null && a !== "");
    if (found === undefined) throw new FnError("coalesce: no non-null, non-empty argument");
    return unify([found, ...args])[0] as Value;
  },
  coalescelist: (args) => args.find((a) => Array.isArray(a) && a.length > 0) ?? [],
  compact: ([v]) => list(v).filter((x) => x !== null && x !== ""),
  distinct: ([v]) => list(v).filter((x, i, all) => all.findIndex((y) => same(x, y)) === i),
  keys: ([v]) => Object.keys(map(v)).sort(),
  values: ([v]) => {
    const m = map(v);
    return Object.keys(m)
      .sort()
      .map((k) => m[k] as Value);
  },
  length: ([v]) => {
    if (typeof v === "string") return graphemes(v).length;
    if (Array.isArray(v)) return v.length;
    if (isValueObject(v ?? null)) return Object.keys(v as ValueObject).length;
    throw new FnError("length: a string, list or map is required");
  },
  element: ([v, i]) => {
    const l = list(v);
    const n = int(i);
    if (l.length === 0) throw new FnError("element: the list is empty");
    if (n < 0) throw new FnError("element: the index must not be negative");
    return l[n % l.length] as Value;
  },
  index: ([v, x]) => {
    const at = list(v).findIndex((y) => same(x ?? null, y));
    if (at === -1) throw new FnError("index: the value is not in the list");
    return at;
  },
  contains: ([v, x]) => list(v).some((y) => same(x ?? null, y)),
  zipmap: ([k, v]) => {
    const keys = list(k);
    const values = list(v);
    if (keys.length !== values.length)
      throw new FnError("zipmap: the lists of keys and values differ in length");
    return Object.fromEntries(keys.map((key, i) => [str(key), values[i] as Value])) as ValueObject;
  },
  sort: ([v]) =>
    list(v)
      .map((x) => str(x, "sort: strings"))
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
  reverse: ([v]) => [...list(v)].reverse(),
  slice: ([v, from, to]) => {
    const l = list(v);
    const a = int(from);
    const b = int(to);
    if (a < 0 || b > l.length || a > b) throw new FnError("slice: the indexes are out of range");
    return l.slice(a, b);
  },
  chunklist: ([v, size]) => {
    const l = list(v);
    const n = int(size);
    if (n < 0) throw new FnError("chunklist: the size must not be negative");
    if (n === 0) return [l];
    return Array.from({ length: Math.ceil(l.length / n) }, (_, i) => l.slice(i * n, i * n + n));
  },
  range,
  one: ([v]) => {
    const l = list(v);
    if (l.length > 1) throw new FnError("one: the list has more than one element");
    return l[0] ?? null;
  },
  alltrue: ([v]) => list(v).every((x) => x === true || x === "true"),
  anytrue: ([v]) => list(v).some((x) => x === true || x === "true"),
  sum: ([v]) => {
    const l = list(v);
    if (l.length === 0) throw new FnError("sum: the list is empty");
    return l.reduce<number>((a, x) => a + num(x), 0);
  },
  min: (args) => Math.min(...args.map((a) => num(a))),
  max: (args) => Math.max(...args.map((a) => num(a))),
  abs: ([v]) => Math.abs(num(v)),
  ceil: ([v]) => Math.ceil(num(v)),
  floor: ([v]) => Math.floor(num(v)),
  signum: ([v]) => Math.sign(num(v)),
  pow: ([a, b]) => num(a) ** num(b),
  log: ([a, b]) => Math.log(num(a)) / Math.log(num(b)),
  setunion: (args) => sortSet(args.flatMap((a) => list(a))),
  setintersection: (args) => {
    const [first, ...rest] = args.map((a) => list(a));
    return sortSet((first ?? []).filter((x) => rest.every((r) => r.some((y) => same(x, y)))));
  },
  setsubtract: ([a, b]) => sortSet(list(a).filter((x) => !list(b).some((y) => same(x, y)))),
  setproduct: (args) => {
    const lists = args.map((a) => list(a));
    const n = lists.reduce((p, l) => p * l.length, 1);
    return bounded(n, "setproduct()", () =>
      lists.reduce<Value[][]>((acc, l) => acc.flatMap((p) => l.map((x) => [...p, x])), [[]]),
    );
  },
  transpose: ([v]) => {
    const out: Record<string, string[]> = {};
    for (const [k, l] of Object.entries(map(v)))
      for (const x of list(l)) (out[str(x)] ??= []).push(k);
    for (const k of Object.keys(out)) out[k]?.sort();
    return out;
  },
  matchkeys: ([values, keys, search]) => {
    const v = list(values);
    const k = list(keys);
    return v.filter((_, i) => list(search).some((s) => same(s, k[i] ?? null)));
  },
  tolist: ([v]) => unify(list(v, "tolist: a list or set")),
  toset: ([v]) => sortSet(unify(list(v, "toset: a list or set"))),
  tomap: ([v]) => {
    const m = map(v, "tomap: a map or object");
    const unified = unify(Object.values(m));
    return Object.fromEntries(Object.keys(m).map((k, i) => [k, unified[i] as Value]));
  },
};
