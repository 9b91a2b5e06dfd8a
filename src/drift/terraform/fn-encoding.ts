/** Terraform's encoding functions: JSON and YAML as Terraform writes and reads them, hashes. */
import { createHash } from "node:crypto";
import { parseAllDocuments } from "yaml";
import type { PureFn } from "./fn-support.js";
import { FnError, str } from "./fn-support.js";
import { LIMITS } from "./limits.js";
import type { Value } from "./value.js";
import { Unknown, formatNumber, fromJson } from "./value.js";

/** A JSON string literal with Go's escapes: <, > and & as \u003c, \u003e, \u0026. */
function quote(s: string): string {
  return JSON.stringify(s).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** A number in JSON as Terraform writes it: never in exponent form. */
function jsonNumber(n: number): string {
  if (!Number.isFinite(n)) throw new FnError("jsonencode: infinity cannot be written as JSON");
  const text = formatNumber(n);
  if (!/e/i.test(text)) return text;
  const [mantissa, exp] = text.split(/e/i) as [string, string];
  const e = Number(exp);
  const negative = mantissa.startsWith("-");
  const [whole, frac = ""] = mantissa.replace("-", "").split(".") as [string, string?];
  const digits = whole + frac;
  const point = whole.length + e;
  const plain =
    point <= 0
      ? `0.${"0".repeat(-point)}${digits}`
      : point >= digits.length
        ? digits + "0".repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (negative ? "-" : "") + plain;
}

/** jsonencode(): keys sorted (Terraform's objects are), HTML characters escaped. */
export function encodeJson(v: Value): string {
  const size = { n: 0 };
  return encode(v, size);
}

function encode(v: Value, size: { n: number }): string {
  const text = encodeOne(v, size);
  size.n += text.length;
  if (size.n > LIMITS.stringLength * 2)
    throw new FnError(
      `jsonencode: the result would be more than the ${LIMITS.stringLength} characters modelgate evaluates`,
    );
  return text;
}

function encodeOne(v: Value, size: { n: number }): string {
  if (v instanceof Unknown) throw new FnError("jsonencode: the value is not known");
  if (v === null) return "null";
  if (typeof v === "string") return quote(v);
  if (typeof v === "number") return jsonNumber(v);
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => encode(x, size)).join(",")}]`;
  return `{${Object.keys(v)
    .sort()
    .map((k) => `${quote(k)}:${encode(v[k] as Value, size)}`)
    .join(",")}}`;
}

function yamlValue(v: unknown): Value {
  if (v instanceof Date) return v.toISOString().replace(".000Z", "Z");
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Map) {
    const out: Record<string, Value> = {};
    for (const [k, x] of v) out[String(k)] = yamlValue(x);
    return out;
  }
  if (v instanceof Set) return [...v].map(yamlValue);
  if (Array.isArray(v)) return v.map(yamlValue);
  if (typeof v === "object" && v !== null) {
    const out: Record<string, Value> = {};
    for (const [k, x] of Object.entries(v)) out[k] = yamlValue(x);
    return out;
  }
  return fromJson(v);
}

function yamldecode(text: string): Value {
  if (text.length > LIMITS.stringLength)
    throw new FnError(
      `yamldecode: the text is more than the ${LIMITS.stringLength} characters modelgate reads`,
    );
  const docs = parseAllDocuments(text, { version: "1.1", uniqueKeys: true });
  if (!Array.isArray(docs)) throw new FnError("yamldecode: the text is not YAML");
  if (docs.length > 1) throw new FnError("yamldecode: the text holds more than one document");
  const doc = docs[0];
  if (!doc) return null;
  const err = doc.errors[0];
  if (err) throw new FnError(`yamldecode: ${err.message.split("\n")[0] ?? "invalid YAML"}`);
  return yamlValue(doc.toJS({ maxAliasCount: 100 }));
}

const hash = (algorithm: string) => (args: Value[]) =>
  createHash(algorithm).update(str(args[0])).digest("hex");

export const ENCODING_FUNCTIONS: Record<string, PureFn> = {
  jsonencode: ([v]) => encodeJson(v ?? null),
  jsondecode: ([v]) => {
    try {
      return fromJson(JSON.parse(str(v)));
    } catch (err) {
      if (err instanceof FnError) throw err;
      throw new FnError(`jsondecode: ${err instanceof Error ? err.message : "invalid JSON"}`);
    }
  },
  yamldecode: ([v]) => yamldecode(str(v)),
  base64encode: ([v]) => Buffer.from(str(v)).toString("base64"),
  base64decode: ([v]) => Buffer.from(str(v), "base64").toString("utf8"),
  urlencode: ([v]) =>
    encodeURIComponent(str(v)).replace(
      /[!'()*]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    ),
  md5: hash("md5"),
  sha1: hash("sha1"),
  sha256: hash("sha256"),
  sha512: hash("sha512"),
  nonsensitive: ([v]) => v ?? null,
  sensitive: ([v]) => v ?? null,
};
