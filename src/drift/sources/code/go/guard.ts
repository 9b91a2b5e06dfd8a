/**
 * Code that cannot run when the variable is absent says nothing about absence. A use of `s`
 * inside `if s != "" { … }`, in the `else` of `if s == "" { … } else { … }`, or after
 * `if s == "" { return }` only ever sees a set variable: a parse error there is not a failure
 * on absence (`if s := os.Getenv("EXTRA_LATENCY"); s != "" { d, err := time.ParseDuration(s);
 * if err != nil { log.Fatal(…) } }` keeps EXTRA_LATENCY optional).
 */
import type { Node } from "../syntax.js";
import { stringValue } from "../syntax.js";
import { calleeText, callArgs, isZeroLiteral, operator, same, unwrap } from "./ast.js";
import type { Failures } from "./fail.js";
import type { GoFile } from "./world.js";

/** Conditions nested deeper than this (`a && b && …`) are not evaluated: a bound on recursion. */
const MAX_CONDITION_DEPTH = 40;
const FUNCTIONS = /^(?:function_declaration|method_declaration|func_literal)$/;
/** Calls that are zero exactly when their argument is (`len(s) == 0`, `strings.TrimSpace(s) == ""`). */
const ZERO_PRESERVING = /^(?:len|strings\.(?:TrimSpace|ToLower|ToUpper))$/;

/**
 * What expressions (by their text, spaces removed) are when the variable is absent: "zero"
 * (the read, a string or `ok` holding it) or a known boolean (`tracing := os.Getenv("T") == "1"`
 * is false).
 */
export type Absent = ReadonlyMap<string, "zero" | boolean>;

export function zeroes(names: Iterable<string>): Absent {
  return new Map([...names].map((n) => [n, "zero" as const]));
}

/**
 * The conditions `node` runs under inside its function: the `if`s around it (true in the
 * consequence, false in the else) and the earlier `if`s without else whose branch leaves
 * (`if v == "" { return }`: what follows runs when the condition is false), each with the
 * block that runs instead.
 */
export function* conditionsAround(
  node: Node,
  failures: Failures,
  file: GoFile,
): Generator<{ cond: Node; runsWhen: boolean; instead: Node | null }> {
  for (let n = node, p = node.parent; p && !FUNCTIONS.test(p.type); n = p, p = p.parent) {
    const cond = p.type === "if_statement" ? p.childForFieldName("condition") : null;
    const consequence = p.childForFieldName("consequence");
    const alternative = p.childForFieldName("alternative");
    if (cond && same(consequence, n)) yield { cond, runsWhen: true, instead: alternative };
    if (cond && same(alternative, n)) yield { cond, runsWhen: false, instead: consequence };
    if (p.type !== "statement_list") continue;
    for (let s = n.previousNamedSibling; s; s = s.previousNamedSibling) {
      const c = s.type === "if_statement" ? s.childForFieldName("condition") : null;
      const left = s.childForFieldName("consequence");
      if (!c || s.childForFieldName("alternative") || !failures.leaves(left, file)) continue;
      yield { cond: c, runsWhen: false, instead: left };
    }
  }
}

/** Is `use` unreachable while the variable is absent? */
export function guarded(use: Node, absent: Absent, failures: Failures, file: GoFile): boolean {
  for (const { cond, runsWhen } of conditionsAround(use, failures, file)) {
    const truth = whenAbsent(cond, absent);
    if (truth !== undefined && truth !== runsWhen) return true;
  }
  return false;
}

/** A condition's truth when the variable is absent; undefined when it cannot be told. */
export function whenAbsent(
  cond: Node | null | undefined,
  absent: Absent,
  depth = 0,
): boolean | undefined {
  if (!cond || depth > MAX_CONDITION_DEPTH) return undefined;
  const n = unwrap(cond);
  const known = absent.get(n.text.replace(/\s+/g, ""));
  if (known !== undefined) return known === "zero" ? false : known;
  if (n.type === "unary_expression" && operator(n) === "!") {
    const inner = whenAbsent(n.childForFieldName("operand"), absent, depth + 1);
    return inner === undefined ? undefined : !inner;
  }
  if (n.type !== "binary_expression") return undefined;
  const op = operator(n);
  const left = n.childForFieldName("left");
  const right = n.childForFieldName("right");
  if (!left || !right) return undefined;
  if (op === "&&" || op === "||") {
    const a = whenAbsent(left, absent, depth + 1);
    const b = whenAbsent(right, absent, depth + 1);
    if (op === "&&")
      return a === false || b === false ? false : a === true && b === true ? true : undefined;
    return a === true || b === true ? true : a === false && b === false ? false : undefined;
  }
  if (op !== "==" && op !== "!=") return undefined;
  // One side is zero when absent; the other a literal: "" (equal) or another string (not equal).
  const [tested, other] = isZeroWhenAbsent(left, absent) ? [left, right] : [right, left];
  if (!isZeroWhenAbsent(tested, absent)) return undefined;
  const value = stringValue(unwrap(other));
  if (isZeroLiteral(other)) return op === "==";
  return value !== undefined ? op === "!=" : undefined;
}

function isZeroWhenAbsent(node: Node, absent: Absent): boolean {
  const n = unwrap(node);
  if (absent.get(n.text.replace(/\s+/g, "")) === "zero") return true;
  if (n.type !== "call_expression" || !ZERO_PRESERVING.test(calleeText(n))) return false;
  const arg = callArgs(n)[0];
  return !!arg && isZeroWhenAbsent(arg, absent);
}
