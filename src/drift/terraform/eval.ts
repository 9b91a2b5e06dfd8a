/**
 * Evaluates parsed HCL expressions against what is known statically: variables (defaults,
 * tfvars, --tf-var-file), locals, path.*, literals, for-expressions and a set of pure functions.
 * Anything else — resource attributes, data sources, module outputs, an unset variable — becomes
 * an Unknown carrying the expression text and the reason, never a guess; an Unknown keeps what is
 * still known of the value (see ./value.ts), so one unknown part does not hide the rest.
 */
import type { Node, TemplatePart } from "./ast.js";
import { textOf } from "./ast.js";
import { forExpression } from "./for-expr.js";
import { callFunction } from "./functions.js";
import { Budget, LIMITS } from "./limits.js";
import { applyOperator, toBool } from "./operators.js";
import { renderTemplate } from "./render-template.js";
import type { Value, ValueObject } from "./value.js";
import { Unknown, combine, isKnown, isValueObject, toStr } from "./value.js";

export interface EvalContext {
  variable(name: string, at: Node): Value;
  local(name: string, at: Node): Value;
  path: { module: string; root: string; cwd: string };
  /** Reads a file named by file()/templatefile(), relative to the working directory of Terraform. */
  readFile(path: string, at: Node): string;
  /** A module call's outputs, when they can be known without running it. */
  module?(name: string, at: Node): Value | undefined;
  /** A data source that needs no provider (`template_file`): its instance(s), else undefined. */
  data?(type: string, name: string, at: Node): Value | undefined;
  /** Registers text that came from a file, so a parse error in it can name that file. */
  noteFile?(content: string, path: string): void;
  /** Functions beyond Terraform's (Terragrunt's get_env(), find_in_parent_folders(), …). */
  functions?: Record<string, (args: Value[], at: Node) => Value>;
}

type Traversal = Extract<Node, { t: "attr" | "index" }>;

/**
 * What names an evaluator sees: a module's (var, local, resources…), or only the variables given
 * to a template file — all of them ("template"), or some with more unknown ("open-template").
 */
export type Scope = "module" | "template" | "open-template";

export class Evaluator {
  constructor(
    readonly ctx: EvalContext,
    private readonly bindings: ReadonlyMap<string, Value> = new Map(),
    readonly budget: Budget = new Budget(),
    private readonly scope: Scope = "module",
  ) {}

  with(names: Record<string, Value>): Evaluator {
    const next = new Map(this.bindings);
    for (const [k, v] of Object.entries(names)) next.set(k, v);
    return new Evaluator(this.ctx, next, this.budget, this.scope);
  }

  /** An evaluator that sees only `names`: a template file sees only the variables passed to it. */
  only(names: Record<string, Value>, complete = true): Evaluator {
    const scope = complete ? "template" : "open-template";
    return new Evaluator(this.ctx, new Map(Object.entries(names)), this.budget, scope);
  }

  /** Whether the step budget is spent: loops stop at once instead of iterating on unknowns. */
  exhausted(): boolean {
    return this.budget.steps > this.budget.maxSteps;
  }

  eval(node: Node): Value {
    const b = this.budget;
    if (++b.steps > b.maxSteps)
      return new Unknown(
        textOf(node),
        `evaluation stopped after ${b.maxSteps} steps, the limit modelgate sets for one configuration`,
      );
    if (b.depth >= LIMITS.depth)
      return new Unknown(
        textOf(node),
        `expressions are nested more than ${LIMITS.depth} levels deep, the limit modelgate evaluates`,
      );
    b.depth++;
    try {
      return this.evalNode(node);
    } finally {
      b.depth--;
    }
  }

  private evalNode(node: Node): Value {
    switch (node.t) {
      case "lit":
        return node.v;
      case "tpl":
        return this.template(node, node.parts);
      case "tuple":
        return node.items.map((i) => this.eval(i));
      case "object": {
        const out: ValueObject = {};
        let open: Unknown | undefined;
        for (const { key, value } of node.items) {
          const k = this.eval(key);
          const name = toStr(k);
          if (name !== undefined) out[name] = this.eval(value);
          else if (!(k instanceof Unknown))
            return Unknown.error(textOf(node), `the object key ${textOf(key)} is not a string`);
          else if (k.error) return k.derive(textOf(node));
          // An unknown key: the other keys are still known, and more may come.
          else open ??= k.derive(textOf(node), `the object key ${textOf(key)} cannot be resolved`);
        }
        return open ? new Unknown(open.text, open.reason, { partial: out }) : out;
      }
      case "ref":
        return this.ref(node);
      case "attr":
      case "index":
        return this.traverse(node);
      case "splat":
        return this.splat(node, []);
      case "call":
        return callFunction(this, node);
      case "for":
        return forExpression(this, node);
      case "cond": {
        const test = this.eval(node.test);
        if (test instanceof Unknown)
          return test.derive(textOf(node), `its condition ${test.text} cannot be resolved`);
        const holds = toBool(test);
        if (holds === undefined) return Unknown.error(textOf(node), `its condition is not a bool`);
        return this.eval(holds ? node.yes : node.no);
      }
      case "unary": {
        const v = this.eval(node.arg);
        if (v instanceof Unknown) return v.derive(textOf(node));
        if (node.op === "!") {
          const b = toBool(v);
          return b === undefined ? Unknown.error(textOf(node), "! needs a bool") : !b;
        }
        const n = Number(v);
        return Number.isNaN(n) ? Unknown.error(textOf(node), "- needs a number") : -n;
      }
      case "binary":
        return this.binary(node);
    }
  }

  private ref(node: Extract<Node, { t: "ref" }>): Value {
    const bound = this.bindings.get(node.name);
    if (bound !== undefined) return bound;
    if (this.scope === "template")
      return Unknown.error(
        textOf(node),
        `the template uses ${node.name}, which is not among the variables given to it`,
      );
    if (this.scope === "open-template")
      return new Unknown(
        textOf(node),
        `${node.name} is not among the variables known to be given to the template`,
      );
    const reason =
      node.name === "data"
        ? "data sources are read from the provider when Terraform runs"
        : node.name === "module"
          ? "module outputs are not evaluated"
          : node.name === "each" || node.name === "count"
            ? `${node.name} is only known for an expanded resource`
            : "resource attributes are known only after apply";
    return new Unknown(textOf(node), reason);
  }

  private traverse(node: Traversal): Value {
    // A traversal after a splat applies to each element: `list[*].name`.
    const steps: Traversal[] = [];
    let base: Node = node;
    while (base.t === "attr" || base.t === "index") {
      steps.unshift(base);
      base = base.obj;
    }
    if (base.t === "splat") return this.splat(base, steps);
    const rooted = this.root(steps);
    let value = rooted ? rooted.value : this.eval(base);
    for (const s of steps.slice(rooted?.consumed ?? 0)) value = this.step(value, s);
    return value;
  }

  /**
   * The value a root name gives (`var.x`, `local.y`, `path.module`, `module.m`, `data.t.n`), with
   * the number of steps it took; undefined when the traversal does not start at a root name.
   */
  private root(steps: Traversal[]): { value: Value; consumed: number } | undefined {
    const first = steps[0];
    if (first?.t !== "attr" || first.obj.t !== "ref" || this.bindings.has(first.obj.name))
      return undefined;
    if (this.scope !== "module") return undefined;
    const key = first.name;
    const one = (value: Value) => ({ value, consumed: 1 });
    switch (first.obj.name) {
      case "var":
        return one(this.ctx.variable(key, first));
      case "local":
        return one(this.ctx.local(key, first));
      case "path": {
        const p = this.ctx.path[key as keyof EvalContext["path"]];
        return one(p ?? Unknown.error(textOf(first), `path.${key} does not exist`));
      }
      case "terraform":
        return one(new Unknown(textOf(first), `terraform.${key} is chosen when Terraform runs`));
      case "module":
        return one(
          this.ctx.module?.(key, first) ??
            new Unknown(textOf(first), "module outputs are not evaluated"),
        );
      case "data": {
        const second = steps[1];
        if (second?.t !== "attr") return undefined;
        const value =
          this.ctx.data?.(key, second.name, second) ??
          new Unknown(
            textOf(second),
            "data sources are read from the provider when Terraform runs",
          );
        return { value, consumed: 2 };
      }
      default:
        return undefined;
    }
  }

  /** One `.name` or `[key]` step on a value. */
  private step(obj: Value, node: Traversal): Value {
    const key = node.t === "attr" ? node.name : this.eval(node.key);
    if (key instanceof Unknown)
      return key.derive(textOf(node), `the key ${key.text} cannot be resolved`);
    if (obj instanceof Unknown) {
      const known = obj.partial && typeof key === "string" ? obj.partial[key] : undefined;
      return known ?? obj.derive(textOf(node));
    }
    if (Array.isArray(obj)) {
      const i = typeof key === "number" ? key : Number(key);
      if (!Number.isInteger(i))
        return Unknown.error(textOf(node), `a list has no attribute "${String(key)}"`);
      if (obj.some((e) => e instanceof Unknown && (e.spread || e.maybe !== undefined)))
        return new Unknown(textOf(node), "the list has elements that cannot be resolved");
      return (
        obj[i] ?? Unknown.error(textOf(node), `index ${i} is out of range (${obj.length} elements)`)
      );
    }
    if (isValueObject(obj)) {
      const v = obj[toStr(key) ?? ""];
      return v === undefined ? Unknown.error(textOf(node), `it has no key "${String(key)}"`) : v;
    }
    return Unknown.error(
      textOf(node),
      `a ${obj === null ? "null" : typeof obj} value has no attribute ${String(key)}`,
    );
  }

  /** `list[*]` and what follows it, applied to each element; a non-list is a one-element list. */
  private splat(node: Extract<Node, { t: "splat" }>, steps: Traversal[]): Value {
    const base = this.eval(node.obj);
    if (base instanceof Unknown) return base.derive(textOf(node));
    const items = Array.isArray(base) ? base : base === null ? [] : [base];
    return items.map((item) => {
      if (item instanceof Unknown && item.spread) return item;
      let v: Value = item;
      for (const s of steps) v = this.step(v, s);
      return v;
    });
  }

  private binary(node: Extract<Node, { t: "binary" }>): Value {
    const l = this.eval(node.left);
    const r = this.eval(node.right);
    // As in Terraform, `false && x` is unknown when x is: operators do not short-circuit.
    if (!isKnown(l) || !isKnown(r)) return combine(textOf(node), [l, r]);
    return applyOperator(node.op, l, r, textOf(node));
  }

  template(node: Node, parts: TemplatePart[]): Value {
    return renderTemplate(this, node, parts);
  }
}
