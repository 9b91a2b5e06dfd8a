/**
 * Presence tests: where a read is used as a condition, whether its absence leads to a failure.
 *
 * `polarity` says which way the test goes when the variable is absent: +1 when the condition is
 * then false (`if (X)`, `X && Y`), -1 when it is then true (`if (!X)`, `X === undefined`). A `!`
 * flips it; `&&` keeps a +1 test decided and `||` a -1 one (either operand missing decides the
 * whole); any other combination no longer depends on this variable alone, and is a presence test.
 */
import type { Need } from "../../../model.js";
import type { Node } from "../syntax.js";
import { callArgs, calleeText, field, operator, same } from "./tree.js";

/** Calls that end the process or the request for good: `process.exit(1)`, `assert.fail(…)`. */
const EXITS = /(?:^|\.)(?:process\.exit|process\.abort|exit|abort|assert\.fail)$/;
/** Calls that fail when their first argument is falsy: `assert(X)`. */
export const ASSERTS = new Set([
  "assert",
  "assert.ok",
  "assert.strict",
  "ok",
  "invariant",
  "assertIsDefined",
]);

export function testNeed(start: Node, polarity: number): Need {
  let node = start;
  let sign = polarity;
  for (;;) {
    const p = node.parent;
    if (!p) return "optional";
    switch (p.type) {
      case "parenthesized_expression":
        node = p;
        continue;
      case "unary_expression":
        if (operator(p) !== "!") return "optional";
        sign = -sign;
        node = p;
        continue;
      case "binary_expression": {
        const op = operator(p);
        if ((op === "&&" && sign > 0) || (op === "||" && sign < 0)) {
          node = p;
          continue;
        }
        return "optional";
      }
      case "if_statement": {
        if (!same(field(p, "condition"), node)) return "optional";
        const branch = sign < 0 ? field(p, "consequence") : field(p, "alternative");
        return branch && fails(branch) ? "required" : "optional";
      }
      case "arguments": {
        const call = p.parent;
        const first = call && same(callArgs(call)[0], node);
        return first && ASSERTS.has(calleeText(call)) && sign > 0 ? "required" : "optional";
      }
      default:
        return "optional";
    }
  }
}

/** Whether a statement (or a block's own statements) throws or ends the process. */
export function fails(statement: Node): boolean {
  switch (statement.type) {
    case "throw_statement":
      return true;
    case "statement_block":
    case "else_clause":
      return statement.namedChildren.some((s) => !!s && fails(s));
    case "expression_statement":
    case "return_statement": {
      const expr = statement.namedChildren.find((c) => c?.type !== "comment");
      const call = expr?.type === "await_expression" ? expr.namedChildren[0] : expr;
      return call?.type === "call_expression" && EXITS.test(calleeText(call));
    }
    default:
      return false;
  }
}

/**
 * Whether a read sits behind a presence test of the same expression: `if (X) use(X)`,
 * `X ? f(X) : d`, `X && f(X)`, `if (!X) … else use(X)`, or after `if (!X) return;` in its block.
 * Such a read is optional: the code has already handled absence.
 */
export function guarded(read: Node): boolean {
  const key = normal(read.text);
  let child = read;
  for (let p = read.parent; p; child = p, p = p.parent) {
    if (p.type === "if_statement" || p.type === "ternary_expression") {
      const condition = field(p, "condition");
      const inside = same(field(p, "consequence"), child) ? 1 : 0;
      const otherwise = same(field(p, "alternative"), child) ? -1 : 0;
      if (condition && (inside || otherwise) && tests(condition, key, inside || otherwise))
        return true;
    } else if (p.type === "binary_expression" && operator(p) === "&&") {
      const left = field(p, "left");
      if (same(field(p, "right"), child) && left && tests(left, key, 1)) return true;
    } else if (p.type === "statement_block" || p.type === "program") {
      for (let s = child.previousNamedSibling; s; s = s.previousNamedSibling) {
        const condition = s.type === "if_statement" ? field(s, "condition") : null;
        const then = s.type === "if_statement" ? field(s, "consequence") : null;
        if (condition && then && leaves(then) && tests(condition, key, -1)) return true;
      }
    }
  }
  return false;
}

/** `return;`, `continue;`, `break;`, or a block that ends with one. */
function leaves(statement: Node): boolean {
  if (/^(return|continue|break)_statement$/.test(statement.type)) return true;
  const last = statement.type === "statement_block" ? statement.lastNamedChild : null;
  return !!last && leaves(last);
}

/** Whether `condition` tests `key` for presence (+1) or absence (-1), by its text. */
function tests(condition: Node, key: string, polarity: number): boolean {
  const text = normal(condition.text);
  for (let i = text.indexOf(key); i !== -1; i = text.indexOf(key, i + 1)) {
    const end = i + key.length;
    if (/[\w$]/.test(text[i - 1] ?? "") || /[\w$]/.test(text[end] ?? "")) continue;
    const negated = text[i - 1] === "!" && text[i - 2] !== "!";
    const compared = /^(?:===?|!==?)(?:undefined|null|""|'')/.exec(text.slice(end));
    const absent = compared ? compared[0].startsWith("=") !== negated : negated;
    if (polarity < 0 === absent) return true;
  }
  return false;
}

function normal(text: string): string {
  return text.replace(/\s+/g, "").replace(/\?\./g, ".");
}
