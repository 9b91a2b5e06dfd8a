/**
 * Settings schemas and what each field needs: zod (`z.object({...})` with `.optional()`,
 * `.default()`, `.extend`, `.merge`, `.partial`, `.pick`, `.omit`), TypeBox (`Type.Object` with
 * `Type.Optional` or a `default`) and envalid specs (`str()`, `num({ default: 3 })`). A field with
 * no default and not optional is required: the library fails at start-up without it.
 */
import type { Location, Need } from "../../../model.js";
import type { Node } from "../syntax.js";
import type { SchemaField } from "./model.js";
import { callArgs, calleeText, field, inner, keyName, pairs } from "./tree.js";

/** A name's value in the same file (a node), or a schema found in another module (fields). */
export type Resolve = (name: string) => Node | SchemaField[] | undefined;

export interface SchemaReader {
  resolve: Resolve;
  at: (node: Node) => Location;
}

export type Kind = "zod" | "typebox" | "envalid";

/** zod: what makes a field optional somewhere along its chain. */
const ZOD_OPTIONAL = new Set(["optional", "nullish", "default", "catch", "prefault"]);
/** zod: methods that keep an object schema's fields as they are. */
const ZOD_KEEP = new Set([
  "strict",
  "passthrough",
  "strip",
  "loose",
  "refine",
  "superRefine",
  "transform",
  "describe",
  "catchall",
  "readonly",
  "brand",
]);
const MAX_DEPTH = 12;

/** The fields of a schema expression, or undefined when it is not one this reader knows. */
export function schemaFields(
  kind: Kind,
  expr: Node,
  r: SchemaReader,
  depth = 0,
): SchemaField[] | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const node = inner(expr);
  if (node.type === "identifier") {
    const value = r.resolve(node.text);
    if (Array.isArray(value)) return value;
    return value ? schemaFields(kind, value, r, depth + 1) : undefined;
  }
  if (node.type === "object" && kind === "envalid") return objectFields(kind, node, r, depth);
  if (node.type !== "call_expression") return undefined;
  const args = callArgs(node);
  const arg = args[0];
  if (kind === "typebox") {
    const callee = calleeText(node).replace(/^.*\./, "");
    if (callee === "Object" && arg) return objectFields(kind, arg, r, depth);
    if (callee === "Partial" && arg) return optional(schemaFields(kind, arg, r, depth + 1));
    if ((callee === "Composite" || callee === "Intersect") && arg?.type === "array") {
      return merge(arg.namedChildren.map((c) => (c ? schemaFields(kind, c, r, depth + 1) : [])));
    }
    return undefined;
  }
  const fn = field(node, "function");
  const method = fn?.type === "member_expression" ? field(fn, "property")?.text : undefined;
  const object = fn?.type === "member_expression" ? field(fn, "object") : null;
  if (!method || !object) return undefined;
  if (method === "object" || method === "strictObject" || method === "looseObject")
    return arg ? objectFields(kind, arg, r, depth) : undefined;
  const base = schemaFields(kind, object, r, depth + 1);
  if (!base) return undefined;
  if (ZOD_KEEP.has(method)) return base;
  if (method === "partial") return optional(base);
  if (method === "extend" && arg) return merge([base, objectFields(kind, arg, r, depth)]);
  if (method === "merge" && arg) return merge([base, schemaFields(kind, arg, r, depth + 1)]);
  if ((method === "pick" || method === "omit") && arg?.type === "object") {
    const keys = new Set(pairs(arg).map(([k]) => k));
    return base.filter((f) => keys.has(f.name) === (method === "pick"));
  }
  return undefined;
}

/** A shape (`{ A: z.string() }`, or a name for one): each field with what it needs. */
export function shapeFields(kind: Kind, expr: Node, r: SchemaReader): SchemaField[] {
  return objectFields(kind, expr, r, 0);
}

/** `{ A: z.string(), ...shared, B }`: each field with what it needs. */
function objectFields(kind: Kind, expr: Node, r: SchemaReader, depth: number): SchemaField[] {
  let object = inner(expr);
  if (object.type === "identifier") {
    const value = r.resolve(object.text);
    if (Array.isArray(value)) return value;
    if (!value) return [];
    object = inner(value);
  }
  if (object.type !== "object") return [];
  const out: SchemaField[][] = [];
  for (const child of object.namedChildren) {
    if (child?.type === "pair") {
      const name = keyName(field(child, "key"));
      const value = field(child, "value");
      if (name && value)
        out.push([{ name, need: fieldNeed(kind, value, r, depth), location: r.at(child) }]);
    } else if (child?.type === "shorthand_property_identifier") {
      out.push([
        { name: child.text, need: fieldNeed(kind, child, r, depth), location: r.at(child) },
      ]);
    } else if (child?.type === "spread_element" && child.namedChildren[0]) {
      out.push(objectFields(kind, child.namedChildren[0], r, depth + 1));
    }
  }
  return merge(out);
}

function fieldNeed(kind: Kind, value: Node, r: SchemaReader, depth: number): Need {
  let node = inner(value);
  for (let i = depth; i < MAX_DEPTH * 2; i++) {
    if (node.type === "identifier" || node.type === "shorthand_property_identifier") {
      const found = r.resolve(node.text);
      if (!found || Array.isArray(found)) return "required";
      node = inner(found);
      continue;
    }
    if (node.type === "ternary_expression") return chosen(kind, node, r, depth);
    if (node.type !== "call_expression") return "required";
    if (kind === "envalid") return hasKey(callArgs(node)[0], "default") ? "optional" : "required";
    if (kind === "typebox") {
      if (calleeText(node).endsWith(".Optional")) return "optional";
      return callArgs(node).some((a) => hasKey(a, "default")) ? "optional" : "required";
    }
    const fn = field(node, "function");
    if (fn?.type !== "member_expression") return "required";
    if (ZOD_OPTIONAL.has(field(fn, "property")?.text ?? "")) return "optional";
    const object = field(fn, "object");
    if (!object) return "required";
    node = inner(object);
  }
  return "required";
}

/**
 * `NODE_ENV === "production" ? z.string() : z.string().optional()`: what production needs, since
 * deployments are what is checked; any other condition decides nothing unless both sides agree.
 */
function chosen(kind: Kind, node: Node, r: SchemaReader, depth: number): Need {
  const test = field(node, "condition")?.text.replace(/\s+/g, "") ?? "";
  const yes = field(node, "consequence");
  const no = field(node, "alternative");
  if (!yes || !no) return "unknown";
  const production = /NODE_ENV(!==?|===?)["'`]production["'`]/.exec(test);
  if (production) return fieldNeed(kind, production[1]?.startsWith("!") ? no : yes, r, depth + 1);
  const [a, b] = [fieldNeed(kind, yes, r, depth + 1), fieldNeed(kind, no, r, depth + 1)];
  return a === b ? a : "unknown";
}

function hasKey(node: Node | undefined, key: string): boolean {
  return node?.type === "object" && pairs(node).some(([k]) => k === key);
}

function optional(fields: SchemaField[] | undefined): SchemaField[] | undefined {
  return fields?.map((f) => ({ ...f, need: "optional" }));
}

/** Later fields replace earlier ones of the same name, as `.extend` and spreads do. */
function merge(lists: (SchemaField[] | undefined)[]): SchemaField[] {
  const byName = new Map<string, SchemaField>();
  for (const list of lists) for (const f of list ?? []) byName.set(f.name, f);
  return [...byName.values()];
}
