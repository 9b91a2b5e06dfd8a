/**
 * Small helpers over JavaScript / TypeScript syntax trees, shared by the scanner's parts.
 *
 * The scanner does not walk every node of a file: it finds candidate identifiers by their text
 * (`process`, an alias, a wrapper's name) and asks the tree what sits there. A match inside a
 * comment or a string lands on a comment or string node and is dropped, so text can only ever
 * propose, and the tree decides.
 */
import type { Node } from "../syntax.js";
import { stringValue } from "../syntax.js";

/** Wrappers that change neither the value nor what its absence does: parentheses and types. */
const PASS_THROUGH = new Set([
  "parenthesized_expression",
  "as_expression",
  "satisfies_expression",
  "type_assertion",
]);

/** The node itself, or the outermost pass-through wrapper around it (`(x as string)`). */
export function outer(node: Node): Node {
  let at = node;
  for (let p = at.parent; p && PASS_THROUGH.has(p.type); p = at.parent) at = p;
  return at;
}

/** The expression inside pass-through wrappers (`(x as string)`, `x!` → `x`). */
export function inner(node: Node): Node {
  let at = node;
  while (PASS_THROUGH.has(at.type) || at.type === "non_null_expression") {
    const next = at.namedChildren.find((c) => c && c.type !== "comment");
    if (!next) break;
    at = next;
  }
  return at;
}

export function same(a: Node | null | undefined, b: Node | null | undefined): boolean {
  return !!a && !!b && a.id === b.id;
}

export function field(node: Node, name: string): Node | null {
  return node.childForFieldName(name);
}

/** A string literal's value (quotes, or a template without substitutions), through wrappers. */
export function literal(node: Node | null | undefined): string | undefined {
  if (!node) return undefined;
  const at = inner(node);
  // A template's text is a `string_fragment` child; a `${…}` makes it not a literal.
  if (at.type === "template_string" && at.namedChildren.every((c) => c?.type === "string_fragment"))
    return at.text.slice(1, -1);
  return stringValue(at);
}

/** The arguments of a call or `new`, comments left out. */
export function callArgs(call: Node): Node[] {
  const args = field(call, "arguments");
  if (!args) return [];
  return args.namedChildren.filter((c): c is Node => !!c && c.type !== "comment");
}

/** The callee as written, without spaces and with `?.` read as `.`: `this.config.get`. */
export function calleeText(call: Node): string {
  const fn = field(call, call.type === "new_expression" ? "constructor" : "function");
  return fn ? fn.text.replace(/\s+/g, "").replace(/\?\./g, ".") : "";
}

/** The binary operator of a binary expression (`??`, `===`, `in`). */
export function operator(node: Node): string {
  return field(node, "operator")?.text ?? "";
}

/** The key of an object-literal pair or pattern as a name (`X`, `"X"`), if it is literal. */
export function keyName(key: Node | null): string | undefined {
  if (!key) return undefined;
  if (key.type === "property_identifier" || key.type === "identifier") return key.text;
  return literal(key);
}

/** The `pair` children of an object literal, each as [key, value]. */
export function pairs(object: Node): [string, Node, Node][] {
  const out: [string, Node, Node][] = [];
  for (const child of object.namedChildren) {
    if (child?.type !== "pair") continue;
    const key = field(child, "key");
    const name = keyName(key);
    const value = field(child, "value");
    if (name !== undefined && key && value) out.push([name, value, key]);
  }
  return out;
}

const WORD = /[\w$]/;

/**
 * Offsets of `name` as a whole identifier in `text[from, to)`. Bounded: a name cannot make the
 * scanner look at more than `limit` places in one file.
 */
export function occurrences(text: string, name: string, from = 0, to = text.length): number[] {
  const out: number[] = [];
  const limit = 2000;
  for (let i = text.indexOf(name, from); i !== -1 && i < to; i = text.indexOf(name, i + 1)) {
    if (WORD.test(text[i - 1] ?? "") || WORD.test(text[i + name.length] ?? "")) continue;
    out.push(i);
    if (out.length >= limit) break;
  }
  return out;
}

/** The smallest node covering `name` at `offset`: a comment or string when it sits in one. */
export function nodeAt(root: Node, offset: number, length: number): Node | null {
  return root.descendantForIndex(offset, offset + length);
}

const IDENTIFIERS = new Set([
  "identifier",
  "property_identifier",
  "shorthand_property_identifier",
  "shorthand_property_identifier_pattern",
  "type_identifier",
]);

/** The identifier nodes spelled `name` in `[from, to)` of the file: never a comment or string. */
export function identifiersNamed(
  root: Node,
  text: string,
  name: string,
  from = 0,
  to = text.length,
): Node[] {
  const out: Node[] = [];
  for (const at of occurrences(text, name, from, to)) {
    const node = nodeAt(root, at, name.length);
    if (node && IDENTIFIERS.has(node.type) && node.startIndex === at) out.push(node);
  }
  return out;
}

/** The nearest ancestor of one of `types`, if any. */
export function ancestor(node: Node, types: ReadonlySet<string>): Node | null {
  for (let p = node.parent; p; p = p.parent) if (types.has(p.type)) return p;
  return null;
}

export const FUNCTIONS = new Set([
  "function_declaration",
  "function_expression",
  "function",
  "generator_function_declaration",
  "generator_function",
  "arrow_function",
  "method_definition",
]);

export interface Param {
  /** Empty for a pattern (`{ a }`, `...rest`): it keeps the position only. */
  name: string;
  hasDefault: boolean;
}

export function parameters(fn: Node): Param[] {
  const single = field(fn, "parameter");
  if (single) return [{ name: single.text, hasDefault: false }];
  const out: Param[] = [];
  for (const p of field(fn, "parameters")?.namedChildren ?? []) {
    if (!p || p.type === "comment") continue;
    const id = p.type === "identifier" ? p : (field(p, "pattern") ?? field(p, "left"));
    const hasDefault = p.type === "assignment_pattern" || !!field(p, "value");
    out.push({ name: id?.type === "identifier" ? id.text : "", hasDefault });
  }
  return out;
}

/**
 * Whether `name` at `use` means something declared between it and `scope`: a parameter of a
 * function in between, or a `const`/`let`/`var` of a block in between. Such a use is another
 * variable with the same name.
 */
export function shadowed(use: Node, name: string, scope: Node): boolean {
  for (let p = use.parent; p && p.id !== scope.id; p = p.parent) {
    if (FUNCTIONS.has(p.type) && parameters(p).some((param) => param.name === name)) return true;
    if (p.type === "statement_block" && declares(p, name)) return true;
  }
  return false;
}

/** The block, module or function that declares `name` as seen from `node` (else the module). */
export function declarationScope(node: Node, name: string): Node {
  for (let p = node.parent; p; p = p.parent) {
    if (FUNCTIONS.has(p.type) && parameters(p).some((param) => param.name === name)) return p;
    if ((p.type === "statement_block" || p.type === "program") && declares(p, name)) return p;
  }
  return node.tree.rootNode;
}

/** A declaration of `name` among a block's own statements (`const name = …`, `const { name }`). */
function declares(block: Node, name: string): boolean {
  for (const statement of block.namedChildren) {
    if (statement?.type !== "lexical_declaration" && statement?.type !== "variable_declaration")
      continue;
    for (const decl of statement.namedChildren) {
      const target = decl?.type === "variable_declarator" ? field(decl, "name") : null;
      if (!target) continue;
      if (target.type === "identifier" ? target.text === name : patternNames(target).has(name))
        return true;
    }
  }
  return false;
}

function patternNames(pattern: Node): Set<string> {
  const names = new Set<string>();
  for (const m of pattern.text.matchAll(/[A-Za-z_$][\w$]*/g)) names.add(m[0]);
  return names;
}

/** Where a `const`/`let` declared here is visible: its block, or the module. */
export function scopeOf(node: Node): Node {
  const scope = ancestor(node, SCOPES);
  return scope ?? node.tree.rootNode;
}
const SCOPES = new Set(["statement_block", "program", "class_body"]);

/** Environment variable names as configuration libraries spell them (`JWT_SECRET`). */
export function isUpperName(name: string): boolean {
  return /^[A-Z][A-Z0-9_]*$/.test(name);
}
