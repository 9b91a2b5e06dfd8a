/**
 * Context that softens a read that would otherwise fail when the variable is absent:
 * a `try` whose handler catches the error (`except KeyError`, `except (KeyError, …)`, a bare
 * `except`, `except Exception`), `with suppress(KeyError):`, and a condition on configuration
 * (`if "X" in os.environ: … os.environ["X"]` is optional; under `if os.getenv("USE_S3"):` a read
 * of another variable is needed only when that one is set, which the code alone cannot tell).
 */
import type { Node } from "../syntax.js";
import { dotted, unwrap } from "./tree.js";

/** Handlers that catch every error a missing variable can raise. */
const CATCH_ALL = new Set(["Exception", "BaseException", "LookupError"]);

/** The errors each reader raises when the variable is absent. */
export const KEY_ERRORS: ReadonlySet<string> = new Set(["KeyError"]);
export const LIBRARY_ERRORS: ReadonlySet<string> = new Set([
  "KeyError",
  "UndefinedValueError", // python-decouple
  "ImproperlyConfigured", // django-environ
  "EnvError", // environs
  "EnvValidationError",
]);

/** True when the node runs where an error from `errors` is caught or suppressed. */
export function caught(node: Node, errors: ReadonlySet<string>): boolean {
  for (let n = node; n.parent; n = n.parent) {
    const p = n.parent;
    if (p.type === "function_definition" || p.type === "lambda") return false;
    if (p.type === "try_statement" && p.childForFieldName("body")?.id === n.id) {
      if (p.namedChildren.some((c) => c.type === "except_clause" && catches(c, errors)))
        return true;
    }
    if (p.type === "with_statement" && p.childForFieldName("body")?.id === n.id) {
      if (suppresses(p, errors)) return true;
    }
  }
  return false;
}

function catches(clause: Node, errors: ReadonlySet<string>): boolean {
  const head = clause.namedChildren.find((c) => c.type !== "block" && c.type !== "comment");
  if (!head) return true; // a bare `except:`
  const types = head.type === "as_pattern" ? head.namedChild(0) : head;
  return types ? errorNames(types).some((n) => errors.has(n) || CATCH_ALL.has(n)) : false;
}

/** `with suppress(KeyError):` / `contextlib.suppress(...)`. */
function suppresses(stmt: Node, errors: ReadonlySet<string>): boolean {
  const clause = stmt.namedChildren.find((c) => c.type === "with_clause");
  for (const item of clause?.namedChildren ?? []) {
    const value = item.childForFieldName("value");
    if (value?.type !== "call") continue;
    if (!/(?:^|\.)suppress$/.test(dotted(value.childForFieldName("function")) ?? "")) continue;
    const args = value.childForFieldName("arguments")?.namedChildren ?? [];
    if (args.some((a) => errorNames(a).some((n) => errors.has(n) || CATCH_ALL.has(n)))) return true;
  }
  return false;
}

/** `KeyError`, `(KeyError, ValueError)`, `errors.EnvError` → their last names. */
function errorNames(node: Node): string[] {
  const n = unwrap(node);
  if (n.type === "tuple" || n.type === "list") return n.namedChildren.flatMap(errorNames);
  const text = dotted(n);
  return text ? [text.split(".").pop() ?? text] : [];
}

/**
 * The configuration condition a read sits under: `self` when the condition reads the same
 * variable (a presence guard), `other` when it reads only other variables, else undefined.
 * `readsIn` names the variables a condition reads.
 */
export function condition(
  node: Node,
  name: string,
  readsIn: (condition: Node) => string[],
): "self" | "other" | undefined {
  let found: "other" | undefined;
  for (let n = node; n.parent; n = n.parent) {
    const p = n.parent;
    if (p.type === "function_definition" || p.type === "lambda") break;
    const names = conditionsOf(p, n).flatMap(readsIn);
    if (names.includes(name)) return "self";
    if (names.length > 0) found = "other";
  }
  return found;
}

/** The conditions deciding whether `child` of `p` runs, if `p` branches. */
function conditionsOf(p: Node, child: Node): Node[] {
  if (p.type === "if_statement" || p.type === "elif_clause") {
    const test = p.childForFieldName("condition");
    return test && test.id !== child.id ? [test] : [];
  }
  if (p.type === "else_clause") {
    // `else` runs when the `if` and every `elif` before it were false.
    const owner = p.parent;
    if (owner?.type !== "if_statement") return [];
    const elifs = owner.childrenForFieldName("alternative").filter((a) => a.type === "elif_clause");
    return [owner, ...elifs]
      .map((c) => c.childForFieldName("condition"))
      .filter((c): c is Node => c !== null);
  }
  if (p.type === "conditional_expression" && p.namedChild(1)?.id !== child.id) {
    const test = p.namedChild(1);
    return test ? [test] : [];
  }
  return [];
}
