/** Values of evaluated Terraform expressions, with "unknown" for what cannot be known statically. */

/** What else is known about an Unknown, beyond its text and reason. */
export interface UnknownParts {
  /** A string template with some unknown parts keeps its known text around them. */
  pattern?: (string | Unknown)[];
  /** A jsonencode() of a partly unknown value: the value the JSON text encodes. */
  structured?: Value;
  /**
   * Terraform itself would fail here (a missing key, a bad argument), as opposed to a value only
   * known when Terraform runs: try() moves on from an error, but not from an unknown.
   */
  error?: boolean;
  /** Inside a list: stands for any number of elements (an unknown list spliced in by concat()). */
  spread?: boolean;
  /** A map with these keys at least, and maybe more (merge() with an unknown map). */
  partial?: ValueObject;
  /** Inside a list: this element, present only if a condition that cannot be resolved holds. */
  maybe?: Value;
}

/**
 * A value that cannot be determined without running Terraform. `text` is the expression as
 * written, `reason` says why in a clause; `parts` keeps whatever is still known.
 */
export class Unknown {
  readonly pattern?: (string | Unknown)[];
  readonly structured?: Value;
  readonly error: boolean;
  readonly spread: boolean;
  readonly partial?: ValueObject;
  readonly maybe?: Value;

  constructor(
    readonly text: string,
    readonly reason: string,
    parts: UnknownParts = {},
  ) {
    this.pattern = parts.pattern;
    this.structured = parts.structured;
    this.error = parts.error ?? false;
    this.spread = parts.spread ?? false;
    this.partial = parts.partial;
    this.maybe = parts.maybe;
  }

  /** Something Terraform would refuse (a missing key, a wrong argument). */
  static error(text: string, reason: string): Unknown {
    return new Unknown(text, reason, { error: true });
  }

  /** The same unknown under another expression: errors stay errors. */
  derive(text: string, reason = this.reason): Unknown {
    return new Unknown(text, reason, { error: this.error });
  }
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

/** The Unknowns inside a value, outermost first. */
export function unknownsIn(v: Value, out: Unknown[] = []): Unknown[] {
  if (v instanceof Unknown) out.push(v);
  else if (Array.isArray(v)) for (const item of v) unknownsIn(item, out);
  else if (isValueObject(v)) for (const item of Object.values(v)) unknownsIn(item, out);
  return out;
}

/** The first Unknown inside a value, if any. */
export function firstUnknown(v: Value): Unknown | undefined {
  return unknownsIn(v)[0];
}

/**
 * One Unknown for an expression whose inputs hold these Unknowns. As in Terraform's try(), a
 * value that depends on something unknown is unknown even if another input is an error.
 */
export function combine(text: string, inputs: Value[]): Unknown {
  const all = inputs.flatMap((v) => unknownsIn(v));
  const pending = all.find((u) => !u.error);
  const first = pending ?? all[0];
  return new Unknown(text, first?.reason ?? "it cannot be resolved", { error: !pending });
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
  if (typeof v === "number") return formatNumber(v);
  if (typeof v === "boolean") return String(v);
  return undefined;
}

/**
 * A number as Terraform prints it. Terraform computes with 512-bit floats, so 0.1 + 0.2 is 0.3;
 * rounding to 15 significant digits gives the same text for the sums and products of everyday
 * configuration.
 */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const rounded = Number(n.toPrecision(15));
  if (Number.isInteger(rounded) && Math.abs(rounded) < 1e21) return BigInt(rounded).toString();
  return String(rounded);
}

export function typeName(v: Value): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "list";
  if (v instanceof Unknown) return "unknown";
  return typeof v === "object" ? "object" : typeof v;
}
