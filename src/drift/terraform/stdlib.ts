/**
 * Terraform's pure functions over known values: strings, collections, encoding. A function not
 * listed here (or in ./functions.ts) is reported as not evaluated, never guessed.
 */
import { dirname, resolve } from "node:path";
import type { Value, ValueObject } from "./value.js";
import { fromJson, isValueObject, toStr } from "./value.js";

export type PureFn = (args: Value[]) => Value;

export const str = (v: Value): string => toStr(v) ?? "";
export const list = (v: Value): Value[] =>
  Array.isArray(v) ? v : isValueObject(v) ? Object.values(v) : [];

function format(spec: string, args: Value[]): string {
  let i = 0;
  return spec.replace(/%(%|[-+ 0#]*\d*(?:\.\d+)?[sdvqftbxXoeEgG])/g, (m, verb: string) => {
    if (verb === "%") return "%";
    const v = args[i++] ?? null;
    if (verb.endsWith("q")) return JSON.stringify(str(v));
    if (verb.endsWith("v") && typeof v === "object") return JSON.stringify(v);
    return str(v);
  });
}

export const PURE_FUNCTIONS: Record<string, PureFn> = {
  jsonencode: ([v]) => JSON.stringify(v ?? null),
  jsondecode: ([v]) => fromJson(JSON.parse(str(v ?? ""))),
  tostring: ([v]) => (v === null || v === undefined ? null : str(v)),
  tonumber: ([v]) => (v === null || v === undefined ? null : Number(v)),
  tobool: ([v]) => (v === null || v === undefined ? null : v === true || v === "true"),
  tolist: ([v]) => list(v ?? []),
  toset: ([v]) =>
    [...new Set(list(v ?? []).map((x) => JSON.stringify(x)))].map((x) => JSON.parse(x) as Value),
  tomap: ([v]) => v ?? {},
  lower: ([v]) => str(v ?? "").toLowerCase(),
  upper: ([v]) => str(v ?? "").toUpperCase(),
  title: ([v]) => str(v ?? "").replace(/\b\w/g, (c) => c.toUpperCase()),
  trimspace: ([v]) => str(v ?? "").trim(),
  trimprefix: ([v, p]) =>
    str(v ?? "").startsWith(str(p ?? "")) ? str(v ?? "").slice(str(p ?? "").length) : str(v ?? ""),
  trimsuffix: ([v, p]) =>
    str(v ?? "").endsWith(str(p ?? "")) && str(p ?? "") !== ""
      ? str(v ?? "").slice(0, -str(p ?? "").length)
      : str(v ?? ""),
  format: ([spec, ...rest]) => format(str(spec ?? ""), rest),
  join: ([sep, ...lists]) =>
    lists
      .flatMap(list)
      .map(str)
      .join(str(sep ?? "")),
  split: ([sep, v]) => str(v ?? "").split(str(sep ?? "")),
  replace: ([v, from, to]) => {
    const f = str(from ?? "");
    const re = /^\/(.*)\/$/.exec(f);
    return re
      ? str(v ?? "").replace(new RegExp(re[1] as string, "g"), str(to ?? ""))
      : str(v ?? "")
          .split(f)
          .join(str(to ?? ""));
  },
  substr: ([v, o, l]) => str(v ?? "").substr(Number(o), Number(l) < 0 ? undefined : Number(l)),
  startswith: ([v, p]) => str(v ?? "").startsWith(str(p ?? "")),
  endswith: ([v, p]) => str(v ?? "").endsWith(str(p ?? "")),
  concat: (args) => args.flatMap(list),
  merge: (args) => Object.assign({}, ...args.filter(isValueObject)) as ValueObject,
  lookup: ([m, k, d]) =>
    isValueObject(m ?? null) && str(k ?? "") in (m as ValueObject)
      ? ((m as ValueObject)[str(k ?? "")] as Value)
      : (d ?? null),
  coalesce: (args) => args.find((a) => a !== null && a !== "") ?? null,
  coalescelist: (args) => args.find((a) => Array.isArray(a) && a.length > 0) ?? [],
  compact: ([v]) => list(v ?? []).filter((x) => x !== null && x !== ""),
  distinct: ([v]) =>
    list(v ?? []).filter(
      (x, i, all) => all.findIndex((y) => JSON.stringify(y) === JSON.stringify(x)) === i,
    ),
  flatten: ([v]) => {
    const flat = (x: Value): Value[] => (Array.isArray(x) ? x.flatMap(flat) : [x]);
    return flat(v ?? []);
  },
  keys: ([v]) => (isValueObject(v ?? null) ? Object.keys(v as ValueObject).sort() : []),
  values: ([v]) =>
    isValueObject(v ?? null)
      ? Object.keys(v as ValueObject)
          .sort()
          .map((k) => (v as ValueObject)[k] as Value)
      : [],
  length: ([v]) => (typeof v === "string" ? v.length : list(v ?? []).length),
  element: ([v, i]) => {
    const l = list(v ?? []);
    return l.length === 0 ? null : (l[Number(i) % l.length] as Value);
  },
  contains: ([v, x]) => list(v ?? []).some((y) => JSON.stringify(y) === JSON.stringify(x)),
  zipmap: ([k, v]) =>
    Object.fromEntries(
      list(k ?? []).map((key, i) => [str(key), list(v ?? [])[i] ?? null]),
    ) as ValueObject,
  sort: ([v]) =>
    list(v ?? [])
      .map(str)
      .sort(),
  reverse: ([v]) => [...list(v ?? [])].reverse(),
  range: (args) => {
    const [start, end, step] =
      args.length === 1
        ? [0, Number(args[0]), 1]
        : [Number(args[0]), Number(args[1]), Number(args[2] ?? 1)];
    const out: number[] = [];
    for (let i = start; step > 0 ? i < end : i > end; i += step) out.push(i);
    return out;
  },
  basename: ([v]) =>
    str(v ?? "")
      .split("/")
      .pop() ?? "",
  dirname: ([v]) => dirname(str(v ?? "")),
  abspath: ([v]) => resolve(str(v ?? "")),
};
