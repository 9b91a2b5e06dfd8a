/**
 * Required, optional or unknown — by what the code does with a value when the variable is
 * absent (None or ""), followed on the syntax tree:
 *
 * - the value is tested (`if not v:`, `v is None`, `"X" not in os.environ`, `assert v`) and the
 *   branch taken when it is absent fails (raise, sys.exit, exit, abort, a 5xx response):
 *   required; any other test, a comparison, `v or "default"`: optional (absence is handled);
 * - the value is stored in a local, a module variable, a class attribute or `self.attr`: every
 *   later use in the function, module or class is followed the same way (a few hops deep);
 * - anything else (passed to a function, interpolated, returned): unknown — never guessed.
 */
import type { Node } from "../syntax.js";
import { stringValue } from "../syntax.js";
import { identifiersNamed } from "./occurrences.js";
import { dotted, enclosingClass, enclosingScope, isWithin, unwrap } from "./tree.js";

export type Verdict = "required" | "optional" | "unknown";
/** `returned`: the value leaves the function; its callers decide (used for wrappers). */
export type Flow = Verdict | "returned";

/** value: the raw value (falsy when absent); test: a boolean and what absence makes it. */
export type State = { test: false } | { test: true; absentTrue: boolean };

const VALUE: State = { test: false };
const MAX_HOPS = 4;
const EXITS = new Set(["sys.exit", "exit", "quit", "os._exit", "os.abort", "abort", "flask.abort"]);
/** Methods that keep an absent value empty (`.lower()`), so tests after them still tell. */
const TRANSFORMS = new Set(["lower", "upper", "strip", "lstrip", "rstrip", "casefold", "title"]);
const PREDICATES = new Set(["startswith", "endswith", "isdigit", "isnumeric", "isalpha"]);
/** `return body, 500`, `status_code=503`, `abort(500)`: the request fails with a server error. */
const ERROR_STATUS = /(?:,\s*|status(?:_code)?\s*=\s*|\(\s*)5\d\d\b/;
const RANK: Record<Flow, number> = { required: 3, optional: 2, returned: 1, unknown: 0 };

/** The strongest of several flows: one failing use makes a value required. */
export function strongest(flows: Iterable<Flow>): Flow {
  let out: Flow = "unknown";
  for (const f of flows) if (RANK[f] > RANK[out]) out = f;
  return out;
}

export class NeedAnalysis {
  private readonly identifiers = new Map<string, Node[]>();

  constructor(
    private readonly root: Node,
    private readonly text: string,
  ) {}

  /** What happens to the value of `expr` when the variable is absent. */
  flow(expr: Node, hops = 0, start: State = VALUE): Flow {
    let node = expr;
    let st = start;
    for (;;) {
      const parent = node.parent;
      if (!parent) return "unknown";
      switch (parent.type) {
        case "parenthesized_expression":
          break;
        case "not_operator":
          st = { test: true, absentTrue: !absentTrue(st) };
          break;
        case "comparison_operator": {
          const next = compare(parent, node, st);
          if (next === undefined) return "optional";
          st = next;
          break;
        }
        case "boolean_operator": {
          const or = parent.children.some((c) => c.type === "or");
          const left = parent.childForFieldName("left")?.id === node.id;
          if (!st.test) {
            if (or && left) return "optional"; // `os.getenv("X") or "default"`
            if (!or && left) st = { test: true, absentTrue: false };
          } else if (or ? !st.absentTrue : st.absentTrue) return "optional";
          break;
        }
        case "conditional_expression":
          if (parent.namedChild(1)?.id === node.id) return "optional";
          break;
        case "named_expression": {
          const name = parent.childForFieldName("name");
          const uses = name ? this.uses(name, parent, hops) : "unknown";
          return strongest([this.flow(parent, hops, st), uses]);
        }
        case "if_statement":
        case "elif_clause":
          if (parent.childForFieldName("condition")?.id !== node.id) return "unknown";
          return branch(parent, absentTrue(st));
        case "assert_statement":
          return absentTrue(st) ? "optional" : "required";
        case "while_statement":
          return "optional";
        case "attribute": {
          const call = parent.parent;
          const method = parent.childForFieldName("attribute")?.text ?? "";
          if (call?.type !== "call" || parent.childForFieldName("object")?.id !== node.id)
            return "unknown";
          if (PREDICATES.has(method)) st = { test: true, absentTrue: false };
          else if (!TRANSFORMS.has(method)) return st.test ? "optional" : "unknown";
          node = call;
          continue;
        }
        case "argument_list":
          return st.test ? "optional" : this.argument(parent, node, hops);
        case "list":
        case "tuple":
          return st.test ? "optional" : this.element(parent, hops);
        case "assignment":
          if (parent.childForFieldName("right")?.id !== node.id) return "unknown";
          return st.test ? "optional" : this.assigned(parent, hops);
        case "return_statement":
          return st.test ? "optional" : "returned";
        default:
          return st.test ? "optional" : "unknown";
      }
      node = parent;
    }
  }

  /** `bool(v)` tests; `int(v)` / `float(v)` keep an absent value empty; other calls: unknown. */
  private argument(list: Node, node: Node, hops: number): Flow {
    const call = list.parent;
    const callee = dotted(call?.childForFieldName("function"));
    if (!call || list.namedChildren.length !== 1 || list.namedChild(0)?.id !== node.id)
      return "unknown";
    if (callee === "bool") return this.flow(call, hops, { test: true, absentTrue: false });
    if (callee === "int" || callee === "float") return this.flow(call, hops);
    return "unknown";
  }

  /** `all([a, b])` fails when one is absent; `any([...])` does not tell. */
  private element(list: Node, hops: number): Flow {
    const call = list.parent?.parent;
    const callee = dotted(call?.childForFieldName("function"));
    if (call?.type !== "call" || list.parent?.namedChildCount !== 1) return "unknown";
    if (callee === "all") return this.flow(call, hops, { test: true, absentTrue: false });
    return callee === "any" ? "optional" : "unknown";
  }

  /** `v = …`, `self.v = …`, a class attribute: follow every use of the stored value. */
  private assigned(assign: Node, hops: number): Flow {
    const left = assign.childForFieldName("left");
    if (!left || hops >= MAX_HOPS) return "unknown";
    if (left.type === "identifier") return this.uses(left, assign, hops);
    if (left.type === "attribute" && left.childForFieldName("object")?.text === "self") {
      const cls = enclosingClass(assign);
      const name = left.childForFieldName("attribute")?.text;
      if (!cls || !name) return "unknown";
      const uses = this.attributesNamed(cls, name).filter(
        (a) => a.childForFieldName("object")?.text === "self",
      );
      return strongest(uses.filter((u) => !isTarget(u)).map((u) => this.flow(u, hops + 1)));
    }
    return "unknown";
  }

  /** Uses of a name bound at `binder`: later in its function, or anywhere for a module variable. */
  private uses(name: Node, binder: Node, hops: number): Flow {
    if (hops >= MAX_HOPS) return "unknown";
    const holder = binder.parent?.parent;
    if (holder?.type === "block" && holder.parent?.type === "class_definition")
      return this.classAttribute(holder.parent, name.text, hops);
    const scope = enclosingScope(binder);
    const all = this.named(scope, name.text);
    const module = scope.type === "module";
    const flows: Flow[] = [];
    for (const id of all) {
      if (id.id === name.id || isTarget(id) || !isUse(id)) continue;
      const inner = enclosingScope(id);
      if (module && inner.type !== "module") {
        // A function's own local or parameter of the same name is another variable.
        if (this.boundIn(inner, name.text)) continue;
      } else if (id.startIndex < binder.endIndex) continue;
      flows.push(this.flow(id, hops + 1));
    }
    return strongest(flows);
  }

  /** `class C: X = os.getenv(...)` used as `self.X`, `cls.X` or `C.X`. */
  private classAttribute(cls: Node, name: string, hops: number): Flow {
    const className = cls.childForFieldName("name")?.text;
    const uses = this.attributesNamed(this.root, name).filter((a) => {
      const object = a.childForFieldName("object")?.text;
      return object === className || ((object === "self" || object === "cls") && isWithin(a, cls));
    });
    return strongest(uses.filter((u) => !isTarget(u)).map((u) => this.flow(u, hops + 1)));
  }

  /** True when a function assigns the name itself or takes it as a parameter. */
  private boundIn(fn: Node, name: string): boolean {
    const ids = this.named(fn, name);
    const global = ids.some((id) => id.parent?.type === "global_statement");
    return !global && ids.some((id) => isTarget(id) || isParameter(id));
  }

  /** Identifiers spelled `name` inside a scope (cached per scope and name). */
  private named(scope: Node, name: string): Node[] {
    const key = `${scope.id}:${name}`;
    let found = this.identifiers.get(key);
    if (!found) {
      found = identifiersNamed(this.root, this.text, name, scope.startIndex, scope.endIndex);
      this.identifiers.set(key, found);
    }
    return found;
  }

  /** Attribute nodes `obj.name` inside a scope whose object is a plain name (`self`, `C`). */
  private attributesNamed(scope: Node, name: string): Node[] {
    const out: Node[] = [];
    for (const id of this.named(scope, name)) {
      const a = id.parent;
      if (a?.type !== "attribute" || a.childForFieldName("attribute")?.id !== id.id) continue;
      if (a.childForFieldName("object")?.type === "identifier") out.push(a);
    }
    return out;
  }
}

function absentTrue(st: State): boolean {
  return st.test ? st.absentTrue : false;
}

/** The state after a comparison, or undefined when absence no longer decides it (optional). */
function compare(cmp: Node, node: Node, st: State): State | undefined {
  const operands = cmp.namedChildren;
  const ops = cmp.children.filter((c) => !c.isNamed).map((c) => c.type);
  if (operands.length !== 2 || ops.length !== 1 || st.test) return undefined;
  const other = unwrap(operands[0]?.id === node.id ? (operands[1] as Node) : (operands[0] as Node));
  const op = ops[0];
  const empty = other.type === "none" || stringValue(other) === "";
  if (op === "is" || op === "==") return { test: true, absentTrue: empty };
  if (op === "is not" || op === "!=") return { test: true, absentTrue: !empty };
  return undefined;
}

/** Whether the branch taken when the variable is absent fails. */
function branch(test: Node, absentTrue: boolean): Flow {
  if (absentTrue) return fails(test.childForFieldName("consequence")) ? "required" : "optional";
  if (test.type !== "if_statement") return "optional";
  const alternatives = test.childrenForFieldName("alternative");
  const first = alternatives[0];
  if (first?.type !== "else_clause") return "optional";
  return fails(first.childForFieldName("body")) ? "required" : "optional";
}

/** A block that raises, exits, aborts or answers 5xx as one of its own statements. */
export function fails(block: Node | null): boolean {
  if (!block) return false;
  for (const stmt of block.namedChildren) {
    if (stmt.type === "raise_statement") return true;
    const expr = stmt.type === "expression_statement" ? stmt.namedChild(0) : undefined;
    if (expr?.type === "call" && EXITS.has(dotted(expr.childForFieldName("function")) ?? ""))
      return true;
    if (stmt.type === "return_statement" && ERROR_STATUS.test(stmt.text)) return true;
  }
  return false;
}

const PATTERNS = new Set(["pattern_list", "tuple_pattern", "list_pattern", "as_pattern_target"]);
const BINDERS = new Set(["assignment", "augmented_assignment", "for_statement", "for_in_clause"]);

/**
 * A name being bound, not read: an assignment's left side (also inside `a, b = …`), a `for`
 * target, `except E as name`, `with … as name`, a walrus name.
 */
function isTarget(node: Node): boolean {
  let n = node;
  let p = node.parent;
  while (p && PATTERNS.has(p.type)) {
    n = p;
    p = p.parent;
  }
  if (!p) return false;
  if (BINDERS.has(p.type)) return p.childForFieldName("left")?.id === n.id;
  if (p.type === "as_pattern") return p.childForFieldName("alias")?.id === n.id;
  return p.type === "named_expression" && p.childForFieldName("name")?.id === n.id;
}

function isParameter(id: Node): boolean {
  const parent = id.parent;
  if (parent?.type === "parameters" || parent?.type === "typed_parameter") return true;
  return (
    (parent?.type === "default_parameter" || parent?.type === "typed_default_parameter") &&
    parent.childForFieldName("name")?.id === id.id
  );
}

/** An identifier that reads the variable (not `obj.name`, a keyword, or a parameter). */
function isUse(id: Node): boolean {
  const parent = id.parent;
  if (!parent) return false;
  if (parent.type === "attribute") return parent.childForFieldName("object")?.id === id.id;
  if (parent.type === "keyword_argument") return parent.childForFieldName("value")?.id === id.id;
  return parent.type !== "global_statement" && !isParameter(id);
}
