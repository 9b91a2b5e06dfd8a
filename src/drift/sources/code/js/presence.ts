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
