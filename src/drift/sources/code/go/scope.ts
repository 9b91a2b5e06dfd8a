/**
 * Where a Go variable lives: a local's scope (its function, or the `if`/`for`/`switch` whose
 * initializer declares it), a shadowing declaration, a declaration as opposed to a use.
 * Approximate on purpose: a name declared anywhere in a function shadows the package-level one
 * throughout it.
 */
import type { Node } from "../syntax.js";
import { enclosingFunction, items, paramNames, same } from "./ast.js";

const INITIALIZED = new Set([
  "if_statement",
  "for_clause",
  "expression_switch_statement",
  "type_switch_statement",
]);

/**
 * The scope of a variable written at `id` when it is local: its function body, or the
 * `if`/`for`/`switch` whose initializer declares it. Undefined for a package-level variable.
 */
export function localScope(id: Node): Node | undefined {
  const fn = enclosingFunction(id);
  if (!fn) return undefined;
  const decl = id.parent?.type === "expression_list" ? id.parent.parent : id.parent;
  if (decl?.type === "short_var_declaration" && decl.parent && INITIALIZED.has(decl.parent.type))
    return decl.parent;
  if (
    decl?.type === "short_var_declaration" ||
    decl?.type === "var_spec" ||
    decl?.type === "range_clause"
  )
    return fn.childForFieldName("body") ?? fn;
  return declaringFunction(id);
}

/** The body of the innermost function around `id` that declares its name (a shadowing local). */
export function declaringFunction(id: Node): Node | undefined {
  for (let f = enclosingFunction(id); f; f = enclosingFunction(f)) {
    if (paramNames(f).includes(id.text) || declares(f, id.text))
      return f.childForFieldName("body") ?? f;
  }
  return undefined;
}

function declares(fn: Node, name: string): boolean {
  for (const d of fn.descendantsOfType(["short_var_declaration", "var_spec", "range_clause"])) {
    const names =
      d.type === "var_spec" ? d.childrenForFieldName("name") : items(d.childForFieldName("left"));
    if (names.some((n) => n.text === name)) return true;
  }
  return false;
}

/**
 * The names that are zero when the variable is absent, for a variable written at `t`: itself,
 * and with `v, ok := os.LookupEnv(…)` both v and ok.
 */
export function zeroPeers(t: Node): Set<string> {
  const out = new Set([t.text]);
  const stmt = t.parent?.parent;
  const right = stmt?.childForFieldName("right");
  if (right && /(?:^|\.)LookupEnv\(/.test(right.text))
    for (const n of items(stmt?.childForFieldName("left"))) out.add(n.text);
  return out;
}

/** A name being declared (var/const/func/param/field key), not a use of it. */
export function isDeclaration(id: Node): boolean {
  const p = id.parent;
  if (!p) return false;
  if (
    /^(?:var_spec|const_spec|function_declaration|parameter_declaration|variadic_parameter_declaration|type_spec)$/.test(
      p.type,
    )
  )
    return (
      same(p.childForFieldName("name"), id) ||
      p.childrenForFieldName("name").some((n) => same(n, id))
    );
  if (p.type === "literal_element" && p.parent?.type === "keyed_element")
    return same(p.parent.childForFieldName("key"), p);
  if (p.type === "expression_list" && p.parent?.type === "short_var_declaration")
    return same(p.parent.childForFieldName("left"), p);
  return false;
}

/** The statement list holding the statement that declares `t`. */
export function homeList(t: Node): Node | undefined {
  for (let p = t.parent; p; p = p.parent) if (p.parent?.type === "statement_list") return p.parent;
  return undefined;
}
