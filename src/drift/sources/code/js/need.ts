/**
 * What the code does when a variable is absent, read from the syntax around one read (issue 9,
 * part 2). Walking outwards from the value:
 *
 * - required: `X!`, a test whose failing branch throws or exits (`if (!X) throw …`,
 *   `if (X) … else process.exit(1)`), `assert(X)`; also when the value is first stored in a
 *   local, a module constant or a class property (`this.token = …`) that is tested so elsewhere;
 * - optional: a default (`??`, `||`, a ternary), a presence test or comparison, `Boolean(X)`;
 * - unknown: anything else (passed to a function, put in an object): never guessed as required.
 *
 * Once the value has gone through a fallback or one branch of a condition, its absence no longer
 * decides what follows, so a failure further out makes it unknown, not required.
 */
import type { Need } from "../../../model.js";
import type { Node } from "../syntax.js";
import { ASSERTS, fails, testNeed } from "./presence.js";
import {
  ancestor,
  callArgs,
  calleeText,
  declarationScope,
  field,
  identifiersNamed,
  operator,
  same,
  scopeOf,
  shadowed,
} from "./tree.js";

/** Where a read sits: the file's tree and text, to find a stored value's other uses. */
export interface NeedFile {
  root: Node;
  text: string;
}

/** A local is followed into its uses, and those uses' locals, this many times at most. */
const MAX_DEPTH = 2;

const EQUALITY = new Set(["===", "==", "!==", "!="]);
const RELATIONAL = new Set(["<", ">", "<=", ">="]);
/** Calls that turn the value into another value of the same presence: `parseInt(X, 10) || 2`. */
const CONVERSIONS = new Set([
  "parseInt",
  "parseFloat",
  "Number",
  "Number.parseInt",
  "Number.parseFloat",
  "String",
  "BigInt",
  "decodeURIComponent",
]);
/** `X ?? fail("X is required")`: a fallback that is a failure. */
const FAILING_CALL = /(?:^|\.)(?:throw\w*|fail\w*|die|panic|abort|required?\w*|missing\w*)$/i;
const CLASS_BODY = new Set(["class_body"]);

export function needOf(read: Node, file: NeedFile, depth = 0): Need {
  let node = read;
  let branched = false;
  const cap = (need: Need): Need => (branched && need === "required" ? "unknown" : need);
  for (;;) {
    const p = node.parent;
    if (!p) return "unknown";
    switch (p.type) {
      case "parenthesized_expression":
      case "as_expression":
      case "satisfies_expression":
      case "type_assertion":
      case "await_expression":
        node = p;
        continue;
      case "non_null_expression":
        return cap("required");
      case "binary_expression": {
        const op = operator(p);
        const left = same(field(p, "left"), node);
        if (op === "??" || op === "||") {
          if (left) return failingFallback(field(p, "right")) ? cap("required") : "optional";
          branched = true;
        } else if (op === "&&") {
          if (left) return cap(testNeed(node, 1));
          branched = true;
        } else if (EQUALITY.has(op)) {
          const other = field(p, left ? "right" : "left");
          if (!isEmpty(other)) return "optional";
          return cap(testNeed(p, op.startsWith("!") ? 1 : -1));
        } else return RELATIONAL.has(op) ? "optional" : "unknown";
        node = p;
        continue;
      }
      case "unary_expression": {
        const op = operator(p);
        if (op === "!") return cap(testNeed(p, -1));
        if (op === "typeof") return "optional";
        if (op !== "+") return "unknown";
        node = p;
        continue;
      }
      case "ternary_expression":
        if (same(field(p, "condition"), node)) return "optional";
        branched = true;
        node = p;
        continue;
      case "if_statement":
      case "while_statement":
      case "do_statement":
        return same(field(p, "condition"), node) ? cap(testNeed(node, 1)) : "unknown";
      case "switch_statement":
        return "optional";
      case "arguments": {
        const call = p.parent;
        if (!call) return "unknown";
        const callee = calleeText(call);
        const first = same(callArgs(call)[0], node);
        if (callee === "Boolean") return "optional";
        if (ASSERTS.has(callee) && first) return cap("required");
        if (!CONVERSIONS.has(callee) || !first || call.type !== "call_expression") return "unknown";
        node = call;
        continue;
      }
      case "member_expression": {
        // A method or property of the value: `X.toLowerCase() === "1"`, `X?.split(",") ?? []`.
        if (!same(field(p, "object"), node)) return "unknown";
        const call = p.parent;
        node = call?.type === "call_expression" && same(field(call, "function"), p) ? call : p;
        continue;
      }
      case "variable_declarator": {
        const name = field(p, "name");
        if (!same(field(p, "value"), node) || name?.type !== "identifier") return "unknown";
        return cap(followLocal(name, scopeOf(p), file, depth));
      }
      case "assignment_expression": {
        const left = field(p, "left");
        if (!same(field(p, "right"), node) || !left) return "unknown";
        // An assigned variable was declared further out: its uses span the declaring scope.
        if (left.type === "identifier")
          return cap(followLocal(left, declarationScope(left, left.text), file, depth));
        const object = left.type === "member_expression" ? field(left, "object") : null;
        const prop = field(left, "property");
        if (object?.type !== "this" || !prop) return "unknown";
        return cap(followProperty(prop.text, p, file, depth));
      }
      case "augmented_assignment_expression":
        // `v ??= "d"` on a stored value, or on the variable itself: a default.
        return same(field(p, "left"), node) && /^(\?\?|\|\|)=$/.test(operator(p))
          ? "optional"
          : "unknown";
      case "public_field_definition":
      case "field_definition": {
        const prop = field(p, "name") ?? field(p, "property");
        if (!same(field(p, "value"), node) || !prop) return "unknown";
        return cap(followProperty(prop.text, p, file, depth));
      }
      default:
        return "unknown";
    }
  }
}

/** An empty-looking literal a value is compared with: `undefined`, `null`, `""`. */
function isEmpty(node: Node | null): boolean {
  if (!node) return false;
  return node.type === "undefined" || node.type === "null" || /^(["'`])\1$/.test(node.text);
}

function failingFallback(right: Node | null): boolean {
  if (!right) return false;
  if (right.type === "call_expression") {
    const fn = field(right, "function");
    if (fn && (fn.type === "arrow_function" || fn.type === "parenthesized_expression")) {
      const body = fn.type === "arrow_function" ? field(fn, "body") : fn.namedChildren[0];
      const inner = body?.type === "arrow_function" ? field(body, "body") : body;
      return !!inner && fails(inner);
    }
    return FAILING_CALL.test(calleeText(right));
  }
  return false;
}

/** The uses of a local (or module constant) declared by `name`; the strongest need wins. */
export function followLocal(name: Node, scope: Node, file: NeedFile, depth: number): Need {
  if (depth >= MAX_DEPTH) return "unknown";
  let need: Need = "unknown";
  const uses = identifiersNamed(file.root, file.text, name.text, scope.startIndex, scope.endIndex);
  for (const use of uses) {
    if (use.type !== "identifier" || same(use, name) || isAssigned(use)) continue;
    if (shadowed(use, name.text, scope)) continue;
    const found = needOf(use, file, depth + 1);
    if (found === "required") return found;
    if (found === "optional") need = found;
  }
  return need;
}

/** The uses of `this.<prop>` anywhere in the class that stores the read in it. */
function followProperty(prop: string, at: Node, file: NeedFile, depth: number): Need {
  const body = ancestor(at, CLASS_BODY);
  if (!body || depth >= MAX_DEPTH) return "unknown";
  let need: Need = "unknown";
  for (const id of identifiersNamed(file.root, file.text, prop, body.startIndex, body.endIndex)) {
    const member = id.parent;
    if (member?.type !== "member_expression" || field(member, "object")?.type !== "this") continue;
    if (!same(field(member, "property"), id) || isAssigned(member)) continue;
    const found = needOf(member, file, depth + 1);
    if (found === "required") return found;
    if (found === "optional") need = found;
  }
  return need;
}

/** The target of an assignment (`v = "d"`), which is not a use of the value. */
export function isAssigned(node: Node): boolean {
  const p = node.parent;
  return p?.type === "assignment_expression" && same(field(p, "left"), node);
}
