/**
 * Small helpers over Go syntax trees (tree-sitter-go), shared by the scanner's parts. Nodes are
 * compared by position, never by object identity: web-tree-sitter hands out a fresh object each
 * time a node is reached.
 */
import type { Node } from "../syntax.js";
import { stringValue } from "../syntax.js";

export function same(a: Node | null | undefined, b: Node | null | undefined): boolean {
  return (
    !!a && !!b && a.startIndex === b.startIndex && a.endIndex === b.endIndex && a.type === b.type
  );
}

/** Named children without comments (a comment may sit anywhere in a list). */
export function items(node: Node | null | undefined): Node[] {
  if (!node) return [];
  return node.namedChildren.filter((c): c is Node => !!c && c.type !== "comment");
}

/** The arguments of a call, comments left out. */
export function callArgs(call: Node): Node[] {
  return items(call.childForFieldName("arguments"));
}

/** The callee as written, without spaces: `os.Getenv`, `config.MustGet`, `panic`. */
export function calleeText(call: Node): string {
  return (call.childForFieldName("function")?.text ?? "").replace(/\s+/g, "");
}

/** The operator of a binary or unary expression: `==`, `!`, `&&`. */
export function operator(node: Node): string {
  return node.childForFieldName("operator")?.type ?? "";
}

/** The expression inside parentheses: `((x))` → `x`. */
export function unwrap(node: Node): Node {
  let at = node;
  while (at.type === "parenthesized_expression") {
    const next = items(at)[0];
    if (!next) break;
    at = next;
  }
  return at;
}

/** The statements of a block (a block holds a statement_list, or nothing when empty). */
export function statements(block: Node | null | undefined): Node[] {
  if (!block) return [];
  if (block.type === "statement_list") return items(block);
  const list = items(block).find((c) => c.type === "statement_list");
  return list ? items(list) : items(block).filter((c) => c.type !== "statement_list");
}

export type FunctionNode = Node;
const FUNCTIONS = new Set(["function_declaration", "method_declaration", "func_literal"]);

/** The innermost function (declaration, method or literal) around a node. */
export function enclosingFunction(node: Node): FunctionNode | undefined {
  for (let p = node.parent; p; p = p.parent) if (FUNCTIONS.has(p.type)) return p;
  return undefined;
}

/** A function's parameter names in order (`func f(a, b string, c ...int)` → a, b, c). */
export function paramNames(fn: FunctionNode): string[] {
  const out: string[] = [];
  for (const decl of items(fn.childForFieldName("parameters"))) {
    const names = decl.childrenForFieldName("name");
    if (names.length === 0) out.push("_");
    for (const n of names) out.push(n.text);
  }
  return out;
}

/** How many results a function returns, and which one is an `error` (the last, by convention). */
export function results(fn: FunctionNode): { count: number; errorAt?: number } {
  const result = fn.childForFieldName("result");
  if (!result) return { count: 0 };
  if (result.type !== "parameter_list")
    return { count: 1, ...(result.text === "error" ? { errorAt: 0 } : {}) };
  const types: string[] = [];
  for (const decl of items(result)) {
    const n = Math.max(1, decl.childrenForFieldName("name").length);
    for (let i = 0; i < n; i++) types.push(decl.childForFieldName("type")?.text ?? "");
  }
  const last = types.length - 1;
  return { count: types.length, ...(types[last] === "error" ? { errorAt: last } : {}) };
}

/** `""`, nil, false or 0: what an absent variable, a nil error or a false flag compares equal to. */
export function isZeroLiteral(node: Node): boolean {
  const n = unwrap(node);
  if (n.type === "nil" || n.type === "false") return true;
  if (n.type === "int_literal") return Number(n.text) === 0;
  return stringValue(n) === "";
}

/** Import alias → import path. A dot import is under ".", a blank one is left out. */
export function importsOf(root: Node): Map<string, string> {
  const out = new Map<string, string>();
  for (const spec of root.descendantsOfType("import_spec")) {
    const path = stringValue(spec.childForFieldName("path"));
    if (path === undefined) continue;
    const name = spec.childForFieldName("name")?.text;
    if (name === "_") continue;
    out.set(name ?? defaultAlias(path), path);
  }
  return out;
}

/**
 * The name a package is used by when imported without an alias: its last path element, without
 * a major version (`/v2`, `.v3`) and a `go-` prefix or `-go` suffix (sethvargo/go-envconfig is
 * `envconfig`). Wrong only for packages whose name differs otherwise; those are rare.
 */
export function defaultAlias(path: string): string {
  const parts = path.split("/");
  let last = parts[parts.length - 1] ?? path;
  if (/^v\d+$/.test(last) && parts.length > 1) last = parts[parts.length - 2] ?? last;
  return last
    .replace(/\.v\d+$/, "")
    .replace(/^go-/, "")
    .replace(/-go$/, "")
    .replace(/[^A-Za-z0-9_]/g, "");
}

/** Whether `alias.Name` in this file refers to a package with one of the given import paths. */
export function refersTo(
  imports: Map<string, string>,
  alias: string,
  paths: readonly string[],
): boolean {
  const path = imports.get(alias);
  return path !== undefined && paths.some((p) => path === p || path.startsWith(`${p}/v`));
}

/** Is this identifier (or selector) written to, as the left side of `=`, `:=` or `+=`? */
export function isAssigned(node: Node): boolean {
  const list = node.parent;
  if (!list || list.type !== "expression_list") return false;
  const stmt = list.parent;
  if (!stmt) return false;
  if (stmt.type !== "assignment_statement" && stmt.type !== "short_var_declaration") return false;
  return same(stmt.childForFieldName("left"), list);
}
