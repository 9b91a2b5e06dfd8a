/** Terraform's string functions (format, join, split, replace with RE2 regular expressions, …). */
import { RE2JS } from "re2js";
import type { PureFn } from "./fn-support.js";
import { FnError, arity, int, list, num, str } from "./fn-support.js";
import { LIMITS } from "./limits.js";
import { encodeJson } from "./fn-encoding.js";
import type { Value, ValueObject } from "./value.js";
import { formatNumber, toStr } from "./value.js";

const segmenter = new Intl.Segmenter("en", { granularity: "grapheme" });
/** Characters as Terraform counts them: grapheme clusters. */
export const graphemes = (s: string): string[] => [...segmenter.segment(s)].map((x) => x.segment);

function pad(text: string, flags: string, width: number | undefined): string {
  if (width === undefined || text.length >= width) return text;
  if (width > LIMITS.stringLength)
    throw new FnError(
      `format: a width of ${width} is more than the ${LIMITS.stringLength} characters modelgate evaluates`,
    );
  if (flags.includes("-")) return text.padEnd(width);
  if (flags.includes("0") && /^[+-]?\d/.test(text)) {
    const sign = /^[+-]/.test(text) ? (text[0] as string) : "";
    return sign + text.slice(sign.length).padStart(width - sign.length, "0");
  }
  return text.padStart(width);
}

function signed(n: number, text: string, flags: string): string {
  if (n >= 0 && flags.includes("+")) return `+${text}`;
  if (n >= 0 && flags.includes(" ")) return ` ${text}`;
  return text;
}

function verb(v: Value, verbChar: string, flags: string, precision: number | undefined): string {
  switch (verbChar) {
    case "v":
      if (flags.includes("#")) return encodeJson(v);
      return v === null ? "null" : (toStr(v) ?? encodeJson(v));
    case "s":
      return str(v, "%s: a string");
    case "q":
      return JSON.stringify(str(v, "%q: a string"));
    case "t":
      if (typeof v !== "boolean") throw new FnError("%t needs a bool");
      return String(v);
    case "d": {
      const n = int(v, "%d: a whole number");
      return signed(n, String(n), flags);
    }
    case "b":
    case "o":
    case "x":
    case "X": {
      if (verbChar.toLowerCase() === "x" && typeof v === "string") {
        const hex = Buffer.from(v).toString("hex");
        return verbChar === "X" ? hex.toUpperCase() : hex;
      }
      const n = int(v, `%${verbChar}: a whole number`);
      const base = { b: 2, o: 8, x: 16, X: 16 }[verbChar] as number;
      const text = n.toString(base);
      return signed(n, verbChar === "X" ? text.toUpperCase() : text, flags);
    }
    case "e":
    case "E": {
      const n = num(v, `%${verbChar}: a number`);
      const text = n.toExponential(precision ?? 6).replace(/e([+-])(\d)$/, "e$10$2");
      return signed(n, verbChar === "E" ? text.toUpperCase() : text, flags);
    }
    case "f":
    case "F": {
      const n = num(v, "%f: a number");
      return signed(n, n.toFixed(precision ?? 6), flags);
    }
    case "g":
    case "G": {
      const n = num(v, `%${verbChar}: a number`);
      const text =
        precision === undefined ? formatNumber(n) : String(Number(n.toPrecision(precision)));
      return signed(n, verbChar === "G" ? text.toUpperCase() : text, flags);
    }
    default:
      throw new FnError(`format: the verb %${verbChar} is not supported`);
  }
}

/** format(): Terraform's Go-like verbs with flags, width, precision and `%[n]` argument indexes. */
export function format(spec: string, args: Value[]): string {
  let next = 0;
  const out = spec.replace(
    /%(?:(%)|([-+ #0]*)(?:\[(\d+)\])?(\d+)?(?:\.(\d+))?([a-zA-Z]))/g,
    (_m, percent: string | undefined, flags: string, index, width, precision, v: string) => {
      if (percent) return "%";
      if (index !== undefined) next = Number(index) - 1;
      if (next >= args.length) throw new FnError(`format: too few arguments for "${spec}"`);
      const text = verb(
        args[next++] as Value,
        v,
        flags,
        precision === undefined ? undefined : Number(precision),
      );
      return pad(text, flags, width === undefined ? undefined : Number(width));
    },
  );
  if (out.length > LIMITS.stringLength)
    throw new FnError(
      `format: the result would be ${out.length} characters, more than the ${LIMITS.stringLength} modelgate evaluates`,
    );
  return out;
}

function compile(pattern: string): RE2JS {
  try {
    return RE2JS.compile(pattern);
  } catch (err) {
    throw new FnError(`invalid regular expression: ${err instanceof Error ? err.message : ""}`);
  }
}

/** Go's Regexp.Expand: $1, ${1}, $name, ${name} in a replacement. */
function expand(template: string, group: (ref: string) => string): string {
  return template.replace(/\$(?:\{(\w+)\}|(\w+)|(\$))/g, (_m, braced, bare, dollar) =>
    dollar ? "$" : group((braced ?? bare) as string),
  );
}

function replace(s: string, from: string, to: string): string {
  if (!(from.length >= 2 && from.startsWith("/") && from.endsWith("/"))) {
    if (from === "") return s;
    const count = s.split(from).length - 1;
    if (s.length + count * (to.length - from.length) > LIMITS.stringLength)
      throw new FnError(
        `replace: the result would be more than the ${LIMITS.stringLength} characters modelgate evaluates`,
      );
    return s.split(from).join(to);
  }
  const re = compile(from.slice(1, -1));
  const m = re.matcher(s);
  let out = "";
  let at = 0;
  while (m.find()) {
    out += s.slice(at, m.start());
    out += expand(to, (ref) => (/^\d+$/.test(ref) ? m.group(Number(ref)) : m.group(ref)) ?? "");
    at = m.end();
    if (m.end() === m.start() && at >= s.length) break;
    if (out.length > LIMITS.stringLength)
      throw new FnError(
        `replace: the result would be more than the ${LIMITS.stringLength} characters modelgate evaluates`,
      );
  }
  return out + s.slice(at);
}

/** The captures of one match, shaped as Terraform's regex() returns them. */
function captures(re: RE2JS, m: ReturnType<RE2JS["matcher"]>): Value {
  const names = re.namedGroups();
  const count = m.groupCount();
  if (count === 0) return m.group(0) ?? "";
  if (Object.keys(names).length > 0) {
    const out: ValueObject = {};
    for (const [name, i] of Object.entries(names)) out[name] = m.group(i) ?? null;
    return out;
  }
  return Array.from({ length: count }, (_, i) => m.group(i + 1) ?? null);
}

export const STRING_FUNCTIONS: Record<string, PureFn> = {
  format: (args) => {
    arity("format", args, 1, Infinity);
    return format(str(args[0]), args.slice(1));
  },
  formatlist: (args) => {
    arity("formatlist", args, 1, Infinity);
    const spec = str(args[0]);
    const lists = args.slice(1).filter(Array.isArray);
    const n = lists.length === 0 ? 1 : Math.min(...lists.map((l) => l.length));
    return Array.from({ length: n }, (_, i) =>
      format(
        spec,
        args.slice(1).map((a) => (Array.isArray(a) ? (a[i] as Value) : a)),
      ),
    );
  },
  join: (args) => {
    arity("join", args, 2, Infinity);
    const sep = str(args[0]);
    const items = args
      .slice(1)
      .flatMap((l) => list(l, "join: a list of strings"))
      .map((i) => str(i, "join: each element must be a string and"));
    const length = items.reduce((n, i) => n + i.length + sep.length, 0);
    if (length > LIMITS.stringLength)
      throw new FnError(
        `join: the result would be ${length} characters, more than the ${LIMITS.stringLength} modelgate evaluates`,
      );
    return items.join(sep);
  },
  split: ([sep, s]) => str(s).split(str(sep)),
  replace: ([s, from, to]) => replace(str(s), str(from), str(to)),
  regex: ([pattern, s]) => {
    const re = compile(str(pattern));
    const m = re.matcher(str(s));
    if (!m.find()) throw new FnError("regex: the pattern did not match any part of the string");
    return captures(re, m);
  },
  regexall: ([pattern, s]) => {
    const re = compile(str(pattern));
    const m = re.matcher(str(s));
    const out: Value[] = [];
    while (m.find() && out.length <= LIMITS.collection) out.push(captures(re, m));
    return out;
  },
  lower: ([s]) => str(s).toLowerCase(),
  upper: ([s]) => str(s).toUpperCase(),
  // Go's strings.Title: a word starts after a space or an ASCII character that is not a letter,
  // digit or underscore.
  title: ([s]) =>
    str(s).replace(
      /(^|[\s\x21-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7e])(\p{L})/gu,
      (_m, a: string, b: string) => a + b.toUpperCase(),
    ),
  trimspace: ([s]) => str(s).trim(),
  trim: ([s, cut]) => {
    const set = new Set(str(cut));
    const chars = [...str(s)];
    let a = 0;
    let b = chars.length;
    while (a < b && set.has(chars[a] as string)) a++;
    while (b > a && set.has(chars[b - 1] as string)) b--;
    return chars.slice(a, b).join("");
  },
  trimprefix: ([s, p]) => (str(s).startsWith(str(p)) ? str(s).slice(str(p).length) : str(s)),
  trimsuffix: ([s, p]) =>
    str(p) !== "" && str(s).endsWith(str(p)) ? str(s).slice(0, -str(p).length) : str(s),
  chomp: ([s]) => str(s).replace(/(?:\r\n|\r|\n)+$/, ""),
  indent: ([n, s]) => str(s).replace(/\n/g, `\n${" ".repeat(Math.min(int(n), 1000))}`),
  substr: ([s, offset, length]) => {
    const chars = graphemes(str(s));
    let o = int(offset);
    if (o < 0) o = Math.max(0, chars.length + o);
    const l = int(length);
    return chars.slice(o, l < 0 ? undefined : o + l).join("");
  },
  strrev: ([s]) => graphemes(str(s)).reverse().join(""),
  startswith: ([s, p]) => str(s).startsWith(str(p)),
  endswith: ([s, p]) => str(s).endsWith(str(p)),
  strcontains: ([s, p]) => str(s).includes(str(p)),
  tostring: ([v]) => {
    if (v === null || v === undefined) return null;
    const s = toStr(v);
    if (s === undefined) throw new FnError("tostring: only a string, number or bool converts");
    return s;
  },
  tonumber: ([v]) => (v === null || v === undefined ? null : num(v, "tonumber: a number")),
  tobool: ([v]) => {
    if (v === null || v === undefined) return null;
    if (v === true || v === "true") return true;
    if (v === false || v === "false") return false;
    throw new FnError('tobool: only true, false, "true" or "false" converts');
  },
  parseint: ([s, base]) => {
    const b = int(base);
    const text = str(s);
    const digits = "0123456789abcdefghijklmnopqrstuvwxyz".slice(0, b);
    if (b < 2 || b > 62 || !new RegExp(`^[-+]?[${digits}]+$`, "i").test(text))
      throw new FnError(`parseint: "${text}" is not a number in base ${b}`);
    return parseInt(text, b);
  },
};
