/**
 * What can still be said of a function call whose arguments are partly unknown. Terraform would
 * make the result wholly unknown; keeping the known part is what lets a container whose variable
 * names are literal be compared when its image, a value or one spliced list is not known:
 * - jsonencode() keeps the value it encodes (`structured`);
 * - concat() keeps known elements, an unknown list becoming an unknown stretch (`spread`);
 * - merge() keeps the known keys (`partial`: more may come);
 * - join() and format() keep their literal text (`pattern`), so `"[${join(",", …)}]"` can still be
 *   read as JSON, and a family `api-${var.env}` matched by pattern.
 */
import { format } from "./fn-strings.js";
import { FnError } from "./fn-support.js";
import type { Value, ValueObject } from "./value.js";
import { Unknown, combine, isValueObject, toStr, unknownsIn } from "./value.js";

/** An argument a structural function cannot look through: unknown, or with unknown stretches. */
export function isOpaque(v: Value): boolean {
  if (v instanceof Unknown) return true;
  return (
    Array.isArray(v) && v.some((e) => e instanceof Unknown && (e.spread || e.maybe !== undefined))
  );
}

/** The first Unknown among the arguments, when every unknown there is an error. */
function errorOnly(args: Value[], text: string): Unknown | undefined {
  const all = args.flatMap((a) => unknownsIn(a));
  return all.length > 0 && all.every((u) => u.error) ? combine(text, args) : undefined;
}

function spreadOf(u: Unknown): Unknown {
  return u.spread ? u : new Unknown(u.text, u.reason, { spread: true, error: u.error });
}

function concat(args: Value[]): Value | undefined {
  if (!args.every((a) => Array.isArray(a) || a instanceof Unknown)) return undefined;
  return args.flatMap((a) => (a instanceof Unknown ? [spreadOf(a)] : (a as Value[])));
}

function merge(args: Value[], text: string): Value | undefined {
  const known: ValueObject = {};
  let open: Unknown | undefined;
  for (const a of args) {
    if (a === null) continue;
    if (a instanceof Unknown) {
      open ??= a;
      if (a.partial) Object.assign(known, a.partial);
    } else if (isValueObject(a)) Object.assign(known, a);
    else return undefined;
  }
  return open ? new Unknown(text, open.reason, { partial: known }) : known;
}

function flatten(args: Value[]): Value | undefined {
  const [v] = args;
  if (!Array.isArray(v)) return undefined;
  const out: Value[] = [];
  const walk = (items: Value[]) => {
    for (const item of items) {
      if (Array.isArray(item)) walk(item);
      else if (item instanceof Unknown && !item.spread && item.maybe === undefined)
        out.push(spreadOf(item)); // it may be a list of any length
      else out.push(item);
    }
  };
  walk(v);
  return out;
}

function join(args: Value[], text: string): Value | undefined {
  const [sep, ...lists] = args;
  if (typeof sep !== "string" || !lists.every(Array.isArray)) return undefined;
  const items = (lists as Value[][]).flat();
  const pattern: (string | Unknown)[] = [];
  items.forEach((item, i) => {
    if (i > 0) pattern.push(sep);
    pattern.push(item instanceof Unknown ? item : (toStr(item) ?? ""));
  });
  return patterned(text, pattern);
}

/** A string made of known text and unknown parts. */
export function patterned(text: string, parts: (string | Unknown)[]): Value {
  const merged: (string | Unknown)[] = [];
  // A partly known string inside another is spliced in, so its known text stays known.
  const flat = parts.flatMap((p) =>
    p instanceof Unknown && p.pattern && p.structured === undefined ? p.pattern : [p],
  );
  for (const p of flat) {
    const last = merged[merged.length - 1];
    if (p === "") continue;
    if (typeof p === "string" && typeof last === "string") merged[merged.length - 1] = last + p;
    else merged.push(p);
  }
  const first = merged.find((p): p is Unknown => p instanceof Unknown);
  if (!first) return merged.join("");
  return new Unknown(text, first.reason, { pattern: merged });
}

function formatPartial(args: Value[], text: string): Value | undefined {
  const [spec, ...rest] = args;
  if (typeof spec !== "string") return undefined;
  // Each verb is rendered alone, so an unknown argument only hides its own part.
  const pattern: (string | Unknown)[] = [];
  let next = 0;
  let at = 0;
  for (const m of spec.matchAll(/%(?:(%)|([-+ #0]*)(?:\[(\d+)\])?(\d+)?(?:\.(\d+))?([a-zA-Z]))/g)) {
    pattern.push(spec.slice(at, m.index));
    at = m.index + m[0].length;
    if (m[1]) {
      pattern.push("%");
      continue;
    }
    if (m[3] !== undefined) next = Number(m[3]) - 1;
    const arg = rest[next++] ?? null;
    if (arg instanceof Unknown) pattern.push(arg);
    else {
      try {
        pattern.push(format(m[0].replace(/\[\d+\]/, ""), [arg]));
      } catch (err) {
        if (err instanceof FnError) return undefined;
        throw err;
      }
    }
  }
  pattern.push(spec.slice(at));
  return patterned(text, pattern);
}

const PARTIAL: Record<string, (args: Value[], text: string) => Value | undefined> = {
  jsonencode: ([v], text) =>
    new Unknown(text, combine(text, [v ?? null]).reason, { structured: v ?? null }),
  concat,
  merge,
  flatten,
  join,
  format: formatPartial,
  tolist: ([v]) => (Array.isArray(v) ? v : undefined),
  toset: ([v]) => (Array.isArray(v) ? v : undefined),
  coalesce: (args, text) => {
    // Terraform returns the first known, non-null, non-empty argument, unless an unknown comes first.
    for (const a of args) {
      if (a instanceof Unknown) return a.derive(text);
      if (a !== null && a !== "") return a;
    }
    return undefined;
  },
};

/** The known part of a call with unknown arguments, or undefined when nothing can be said. */
export function partialCall(name: string, args: Value[], text: string): Value | undefined {
  const failed = errorOnly(args, text);
  if (failed) return failed;
  return PARTIAL[name]?.(args, text);
}
