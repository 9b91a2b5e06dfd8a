/**
 * Terraform type constraints (`string`, `list(string)`, `object({ a = optional(number, 5) })`)
 * and the conversions Terraform applies to a variable's value: `"false"` for a bool is false,
 * `"8080"` for a number is 8080, an object gets its optional attributes' defaults, a set is
 * de-duplicated and sorted. A value that cannot be converted is an error Unknown, as Terraform
 * would refuse it.
 */
import type { Node } from "./ast.js";
import { canonical, toNumber } from "./operators.js";
import type { Value, ValueObject } from "./value.js";
import { Unknown, isValueObject, toStr } from "./value.js";

export type TfType =
  | { k: "string" | "number" | "bool" | "any" }
  | { k: "list" | "set" | "map"; of: TfType }
  | { k: "tuple"; items: TfType[] }
  | { k: "object"; attrs: Record<string, Attribute> };

interface Attribute {
  type: TfType;
  optional: boolean;
  default?: Value;
}

const ANY: TfType = { k: "any" };

export class TypeMismatch extends Error {}

/** The type a `type = …` expression denotes; literal values in defaults are evaluated by `lit`. */
export function parseType(node: Node, lit: (n: Node) => Value): TfType {
  if (node.t === "ref") {
    if (["string", "number", "bool", "any"].includes(node.name))
      return { k: node.name as "string" };
    // Terraform 0.11 spelled them as bare words.
    if (node.name === "list" || node.name === "map") return { k: node.name, of: ANY };
    throw new TypeMismatch(`"${node.name}" is not a type`);
  }
  if (node.t === "tpl" && node.parts.length === 1) {
    const only = node.parts[0];
    if (typeof only === "string" && ["string", "list", "map"].includes(only))
      return only === "string" ? { k: "string" } : { k: only as "list", of: ANY };
  }
  if (node.t !== "call")
    throw new TypeMismatch("a type must be a name or a call like list(string)");
  const [a] = node.args;
  switch (node.name) {
    case "list":
    case "set":
    case "map":
      if (!a) throw new TypeMismatch(`${node.name}() needs an element type`);
      return { k: node.name, of: parseType(a, lit) };
    case "tuple":
      if (a?.t !== "tuple") throw new TypeMismatch("tuple() takes a list of types");
      return { k: "tuple", items: a.items.map((i) => parseType(i, lit)) };
    case "object": {
      if (a?.t !== "object") throw new TypeMismatch("object() takes an object of attribute types");
      const attrs: Record<string, Attribute> = {};
      for (const item of a.items) {
        const key = lit(item.key);
        const name = typeof key === "string" ? key : String(key);
        const v = item.value;
        if (v.t === "call" && v.name === "optional") {
          const [inner, dflt] = v.args;
          if (!inner) throw new TypeMismatch("optional() needs a type");
          attrs[name] = {
            type: parseType(inner, lit),
            optional: true,
            ...(dflt ? { default: lit(dflt) } : {}),
          };
        } else attrs[name] = { type: parseType(v, lit), optional: false };
      }
      return { k: "object", attrs };
    }
    default:
      throw new TypeMismatch(`${node.name}() is not a type`);
  }
}

/** Whether TF_VAR_x is taken as a literal string (primitive types, no type) or parsed as HCL. */
export function isPrimitive(t: TfType | undefined): boolean {
  return t === undefined || t.k === "string" || t.k === "number" || t.k === "bool";
}

function fail(path: string, what: string): never {
  throw new TypeMismatch(`${path ? `${path}: ` : ""}${what}`);
}

/** Converts a value to a type as Terraform does for a variable, or throws a TypeMismatch. */
export function convert(v: Value, t: TfType, path = ""): Value {
  if (v === null || v instanceof Unknown || t.k === "any") return v;
  switch (t.k) {
    case "string": {
      const s = toStr(v);
      return s ?? fail(path, "a string is required");
    }
    case "number": {
      if (typeof v === "string") return toNumber(v) ?? fail(path, "a number is required");
      return typeof v === "number" ? v : fail(path, "a number is required");
    }
    case "bool": {
      // cty reads "1" and "0" as bools too.
      if (v === "true" || v === "1") return true;
      if (v === "false" || v === "0") return false;
      return typeof v === "boolean" ? v : fail(path, "a bool is required");
    }
    case "list":
    case "set": {
      if (!Array.isArray(v)) fail(path, `a ${t.k} is required`);
      const items = unify(
        v.map((e, i) => (e instanceof Unknown ? e : convert(e, t.of, `${path}[${i}]`))),
      );
      if (t.k === "list") return items;
      return sortSet(items);
    }
    case "map": {
      if (!isValueObject(v)) fail(path, "a map is required");
      const out: ValueObject = {};
      for (const [k, e] of Object.entries(v)) out[k] = convert(e, t.of, `${path}["${k}"]`);
      const unified = unify(Object.values(out));
      Object.keys(out).forEach((k, i) => (out[k] = unified[i] as Value));
      return out;
    }
    case "tuple": {
      if (!Array.isArray(v) || v.length !== t.items.length)
        fail(path, `a tuple of ${t.items.length} elements is required`);
      return v.map((e, i) => convert(e, t.items[i] as TfType, `${path}[${i}]`));
    }
    case "object": {
      if (!isValueObject(v)) fail(path, "an object is required");
      const out: ValueObject = {};
      for (const [name, attr] of Object.entries(t.attrs)) {
        const given = v[name];
        if (given === undefined || given === null) {
          if (!attr.optional && given === undefined) fail(path, `attribute "${name}" is required`);
          out[name] =
            attr.default !== undefined && attr.default !== null
              ? convert(attr.default, attr.type, `${path}.${name}`)
              : null;
        } else out[name] = convert(given, attr.type, `${path}.${name}`);
      }
      return out;
    }
  }
}

/**
 * The elements of a list, set or map have one type: mixed strings, numbers and bools all become
 * strings, as Terraform unifies them.
 */
export function unify(items: Value[]): Value[] {
  const kinds = new Set(
    items.filter((i) => i !== null && !(i instanceof Unknown)).map((i) => typeof i),
  );
  const primitive = [...kinds].every((k) => k === "string" || k === "number" || k === "boolean");
  if (kinds.size <= 1 || !primitive) return items;
  return items.map((i) => (i === null || i instanceof Unknown ? i : (toStr(i) ?? i)));
}

/** A set's elements: distinct, in Terraform's order (numbers by value, strings by code point). */
export function sortSet(items: Value[]): Value[] {
  const seen = new Map<string, Value>();
  for (const i of items) seen.set(canonical(i), i);
  const out = [...seen.values()];
  if (out.every((i) => typeof i === "number")) return (out as number[]).sort((a, b) => a - b);
  if (out.every((i) => typeof i === "string"))
    return (out as string[]).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return out;
}
