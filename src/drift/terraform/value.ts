/** Values of evaluated Terraform expressions, with "unknown" for what cannot be known statically. */

/**
 * A value that cannot be determined without running Terraform. `text` is the expression as
 * written, `reason` says why in a clause. A string template with some unknown parts keeps them in
 * `pattern`; a jsonencode() of a partly unknown value keeps that value in `structured`.
 */
export class Unknown {
  constructor(
    readonly text: string,
    readonly reason: string,
    readonly pattern?: (string | Unknown)[],
    readonly structured?: Value,
  ) {}
}

export type Value = null | boolean | number | string | Value[] | ValueObject | Unknown;
export interface ValueObject {
  [key: string]: Value;
}

export function isValueObject(v: Value | undefined): v is ValueObject {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Unknown);
}

/** Whether a value is fully known (no Unknown anywhere inside). */
export function isKnown(v: Value): boolean {
  if (v instanceof Unknown) return false;
  if (Array.isArray(v)) return v.every(isKnown);
  if (isValueObject(v)) return Object.values(v).every(isKnown);
  return true;
}

/** The first Unknown inside a value, if any. */
export function firstUnknown(v: Value): Unknown | undefined {
  if (v instanceof Unknown) return v;
  const items = Array.isArray(v) ? v : isValueObject(v) ? Object.values(v) : [];
  for (const item of items) {
    const u = firstUnknown(item);
    if (u) return u;
  }
  return undefined;
}

/** A plain JSON value (from hcl2json output, tfvars or a JSON file) as a Value. */
export function fromJson(v: unknown): Value {
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean")
    return v;
  if (Array.isArray(v)) return v.map(fromJson);
  if (typeof v === "object") {
    const out: ValueObject = {};
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) out[k] = fromJson(item);
    return out;
  }
  return null;
}

/** Terraform's string conversion of a primitive; undefined for collections. */
export function toStr(v: Value): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

export function typeName(v: Value): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "list";
  if (v instanceof Unknown) return "unknown";
  return typeof v === "object" ? "object" : typeof v;
}
