/**
 * Code that cannot run when the variable is absent says nothing about absence. A use of `s`
 * inside `if s != "" { … }`, in the `else` of `if s == "" { … } else { … }`, or after
 * `if s == "" { return }` only ever sees a set variable: a parse error there is not a failure
 * on absence (`if s := os.Getenv("EXTRA_LATENCY"); s != "" { d, err := time.ParseDuration(s);
 * if err != nil { log.Fatal(…) } }` keeps EXTRA_LATENCY optional).
 */
import type { Node } from "../syntax.js";
import { calleeText, callArgs, isZeroLiteral, operator, same, unwrap } from "./ast.js";
import type { Failures } from "./fail.js";
import type { GoFile } from "./world.js";

const FUNCTIONS = /^(?:function_declaration|method_declaration|func_literal)$/;
/** Calls that are zero exactly when their argument is (`len(s) == 0`, `strings.TrimSpace(s) == ""`). */
const ZERO_PRESERVING = /^(?:len|strings\.(?:TrimSpace|ToLower|ToUpper))$/;

/**
 * Is `use` unreachable while the things spelled `names` (the variable, or the read call's text)
 * are zero — the variable absent?
 */
export function guarded(
  use: Node,
  names: ReadonlySet<string>,
  failures: Failures,
  file: GoFile,
): boolean {
  for (let n = use, p = use.parent; p && !FUNCTIONS.test(p.type); n = p, p = p.parent) {
    if (p.type === "if_statement") {
      const truth = whenAbsent(p.childForFieldName("condition"), names);
      if (truth === false && same(p.childForFieldName("consequence"), n)) return true;
      if (truth === true && same(p.childForFieldName("alternative"), n)) return true;
    }
    if (p.type === "statement_list") {
      for (let s = n.previousNamedSibling; s; s = s.previousNamedSibling) {
        if (s.type !== "if_statement" || s.childForFieldName("alternative")) continue;
        if (whenAbsent(s.childForFieldName("condition"), names) !== true) continue;
        if (failures.leaves(s.childForFieldName("consequence"), file)) return true;
      }
    }
  }
  return false;
}

/** A condition's truth when every name in `names` is zero; undefined when it cannot be told. */
export function whenAbsent(
  cond: Node | null | undefined,
  names: ReadonlySet<string>,
): boolean | undefined {
  if (!cond) return undefined;
  const n = unwrap(cond);
  if (n.type === "unary_expression" && operator(n) === "!") {
    const inner = whenAbsent(n.childForFieldName("operand"), names);
    return inner === undefined ? undefined : !inner;
  }
  if (n.type === "identifier") return names.has(n.text) ? false : undefined;
  if (n.type !== "binary_expression") return undefined;
  const op = operator(n);
  const left = n.childForFieldName("left");
  const right = n.childForFieldName("right");
  if (!left || !right) return undefined;
  if (op === "&&" || op === "||") {
    const a = whenAbsent(left, names);
    const b = whenAbsent(right, names);
    if (op === "&&")
      return a === false || b === false ? false : a === true && b === true ? true : undefined;
    return a === true || b === true ? true : a === false && b === false ? false : undefined;
  }
  if (op !== "==" && op !== "!=") return undefined;
  const tested = isZeroLiteral(right) ? left : isZeroLiteral(left) ? right : undefined;
  return tested && isZeroWhenAbsent(tested, names) ? op === "==" : undefined;
}

function isZeroWhenAbsent(node: Node, names: ReadonlySet<string>): boolean {
  const n = unwrap(node);
  if (names.has(n.text.replace(/\s+/g, ""))) return true;
  if (n.type !== "call_expression" || !ZERO_PRESERVING.test(calleeText(n))) return false;
  const arg = callArgs(n)[0];
  return !!arg && isZeroWhenAbsent(arg, names);
}
