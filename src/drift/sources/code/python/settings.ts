/**
 * Pydantic settings: every field of a `BaseSettings` subclass (across modules) is read from the
 * environment as `env_prefix` + its name (upper-cased unless `case_sensitive`), or under its
 * `validation_alias` / `alias` / `env` (v1) names, `AliasChoices(...)` included. Only annotated
 * fields count: never docstrings, methods, validators, `ClassVar`, `model_config` or `_private`.
 *
 * A field without a default is required. `Optional[X]` / `X | None` without a default differs
 * by version: pydantic v1 (`from pydantic import BaseSettings`) gives it an implicit None
 * default, so it is optional; pydantic-settings v2 (`from pydantic_settings import
 * BaseSettings`) requires it to be given (its value may be None), so it is required. A field
 * typed with another model (nested settings, `env_nested_delimiter`) is reported under its own
 * name with need unknown: the value may come as JSON or as nested variables.
 */
import type { Node } from "../syntax.js";
import { stringValue } from "../syntax.js";
import type { Bindings } from "./bindings.js";
import { literal } from "./bindings.js";
import { statements } from "./occurrences.js";
import { callArgs, dotted, unwrap } from "./tree.js";

export interface ClassInfo {
  name: string;
  /** Base class names (last dotted segment). */
  bases: string[];
  prefix?: string;
  caseSensitive?: boolean;
  /** v1 / v2 when a base is BaseSettings and the file's import says which. */
  flavour?: "v1" | "v2";
}

/** Class declarations from a syntax tree, with what pydantic needs from each. */
export function classInfos(root: Node, text: string, b: Bindings): ClassInfo[] {
  return statements(root, text, "class", ["class_definition"]).map((cls) => classInfo(cls, b));
}

/** Class headers found by text in files that are not parsed in pass 1 (names and bases only). */
export function textClassInfos(text: string): ClassInfo[] {
  const out: ClassInfo[] = [];
  for (const m of text.matchAll(/^[ \t]*class\s+(\w+)\s*\(([^)]*)\)/gm)) {
    const bases = (m[2] ?? "")
      .split(",")
      .map((s) => s.trim().split("[")[0]?.split(".").pop() ?? "")
      .filter((s) => /^\w+$/.test(s));
    out.push({ name: m[1] as string, bases });
  }
  return out;
}

/** One class's name, bases and pydantic configuration. */
export function classInfo(cls: Node, b: Bindings): ClassInfo {
  const info: ClassInfo = { name: cls.childForFieldName("name")?.text ?? "", bases: [] };
  for (const arg of cls.childForFieldName("superclasses")?.namedChildren ?? []) {
    if (arg.type === "keyword_argument") {
      configure(info, arg.childForFieldName("name")?.text, arg.childForFieldName("value"));
      continue;
    }
    const base = dotted(arg.type === "subscript" ? arg.childForFieldName("value") : arg);
    if (!base) continue;
    info.bases.push(base.split(".").pop() ?? base);
    if (base.endsWith("BaseSettings")) info.flavour = flavourOf(base, b);
  }
  for (const stmt of cls.childForFieldName("body")?.namedChildren ?? []) {
    if (stmt.type === "class_definition" && stmt.childForFieldName("name")?.text === "Config") {
      for (const inner of stmt.childForFieldName("body")?.namedChildren ?? []) {
        const a = inner.namedChild(0);
        if (a?.type === "assignment")
          configure(info, a.childForFieldName("left")?.text, a.childForFieldName("right"));
      }
    }
    const a = stmt.type === "expression_statement" ? stmt.namedChild(0) : undefined;
    if (a?.type !== "assignment" || a.childForFieldName("left")?.text !== "model_config") continue;
    const value = a.childForFieldName("right");
    if (value?.type === "call") for (const [k, v] of callArgs(value).keyword) configure(info, k, v);
    if (value?.type === "dictionary")
      for (const pair of value.namedChildren)
        configure(
          info,
          literal(pair.childForFieldName("key") ?? undefined),
          pair.childForFieldName("value"),
        );
  }
  return info;
}

function configure(info: ClassInfo, key: string | undefined, value: Node | null): void {
  if (!value) return;
  if (key === "env_prefix") info.prefix = stringValue(value) ?? info.prefix;
  if (key === "case_sensitive") info.caseSensitive = value.type === "true";
}

/** Where BaseSettings came from: pydantic (v1, and pydantic.v1) or pydantic_settings (v2). */
function flavourOf(base: string, b: Bindings): "v1" | "v2" | undefined {
  const head = base.includes(".") ? base.slice(0, base.lastIndexOf(".")) : undefined;
  const bound = head ? b.get(head.split(".")[0] ?? "") : b.get(base);
  const module =
    bound?.kind === "imported" ? bound.module : bound?.kind === "module" ? bound.path : head;
  if (module === undefined) return undefined;
  if (module.startsWith("pydantic_settings")) return "v2";
  return module === "pydantic" || module.startsWith("pydantic.") ? "v1" : undefined;
}

/** A field as read: its names, whether a default is given, and what its type says. */
export interface Field {
  node: Node;
  names: string[];
  /** Names come from an alias (the prefix does not apply). */
  aliased: boolean;
  hasDefault: boolean;
  optionalType: boolean;
  /** Base names used in the annotation, to tell nested models. */
  typeNames: string[];
}

/** The annotated fields of a class body. */
export function fields(cls: Node): Field[] {
  const out: Field[] = [];
  for (const stmt of cls.childForFieldName("body")?.namedChildren ?? []) {
    const a = stmt.type === "expression_statement" ? stmt.namedChild(0) : undefined;
    const left = a?.childForFieldName("left");
    const type = a?.childForFieldName("type");
    if (!a || a.type !== "assignment" || left?.type !== "identifier" || !type) continue;
    const name = left.text;
    if (name.startsWith("_") || name === "model_config") continue;
    const typeNames = type.descendantsOfType("identifier").map((i) => i.text);
    if (typeNames.includes("ClassVar")) continue;
    const right = a.childForFieldName("right");
    const field = fieldCall(right) ?? fieldCall(annotatedField(type));
    const spec = field ? fieldSpec(field) : { hasDefault: right !== null, names: [] };
    out.push({
      node: left,
      names: spec.names.length > 0 ? spec.names : [name],
      aliased: spec.names.length > 0,
      hasDefault: spec.hasDefault || (field !== undefined && right !== null && !isField(right)),
      optionalType: typeNames.includes("Optional") || type.descendantsOfType("none").length > 0,
      typeNames,
    });
  }
  return out;
}

function isField(node: Node): boolean {
  return /(?:^|\.)Field$/.test(dotted(node.childForFieldName("function")) ?? "");
}

function fieldCall(node: Node | null | undefined): Node | undefined {
  return node?.type === "call" && isField(node) ? node : undefined;
}

/** `Annotated[str, Field(alias="X")]`. */
function annotatedField(type: Node): Node | undefined {
  return type.descendantsOfType("call").find(isField);
}

function fieldSpec(call: Node): { hasDefault: boolean; names: string[] } {
  const args = callArgs(call);
  const first = args.positional[0];
  const given = first ?? args.keyword.get("default");
  const hasDefault =
    (given !== undefined && unwrap(given).type !== "ellipsis") ||
    args.keyword.has("default_factory");
  for (const key of ["validation_alias", "alias", "env"]) {
    const value = args.keyword.get(key);
    if (!value) continue;
    const names = aliasNames(value);
    if (names.length > 0) return { hasDefault, names };
  }
  return { hasDefault, names: [] };
}

/** `"X"`, `["A", "B"]`, `AliasChoices("A", "B")`, `AliasPath("A", 0)` → the variable names. */
function aliasNames(value: Node): string[] {
  const v = unwrap(value);
  const one = stringValue(v);
  if (one !== undefined) return [one];
  if (v.type === "list" || v.type === "tuple") return v.namedChildren.flatMap(aliasNames);
  if (v.type === "call") {
    const callee = dotted(v.childForFieldName("function")) ?? "";
    const args = callArgs(v).positional;
    if (callee.endsWith("AliasChoices")) return args.flatMap(aliasNames);
    if (callee.endsWith("AliasPath")) return args.slice(0, 1).flatMap(aliasNames);
  }
  return [];
}
