/**
 * Evaluates parsed HCL expressions against what is known statically: variables (defaults,
 * tfvars, --tf-var-file), locals, path.*, literals, for-expressions and a set of pure functions.
 * Anything else — resource attributes, data sources, module outputs, an unset variable — becomes
 * an Unknown carrying the expression text and the reason, never a guess.
 */
import type { Node, TemplatePart } from "./ast.js";
import { textOf } from "./ast.js";
import { callFunction } from "./functions.js";
import { applyOperator, entriesOf } from "./operators.js";
import { renderTemplate } from "./render-template.js";
import type { Value, ValueObject } from "./value.js";
import { Unknown, isValueObject, toStr } from "./value.js";

export interface EvalContext {
  variable(name: string, at: Node): Value;
  local(name: string, at: Node): Value;
  path: { module: string; root: string; cwd: string };
  /** Reads a file named by file()/templatefile(), relative to the working directory of Terraform. */
  readFile(path: string, at: Node): string;
  /** Outputs of a module call that are known without running it (see ./known-modules.ts). */
  module?(name: string, at: Node): Value | undefined;
  /** Registers text that came from a file, so a parse error in it can name that file. */
  noteFile?(content: string, path: string): void;
}

export class Evaluator {
  constructor(
    readonly ctx: EvalContext,
    private readonly bindings: ReadonlyMap<string, Value> = new Map(),
  ) {}

  with(names: Record<string, Value>): Evaluator {
    const next = new Map(this.bindings);
    for (const [k, v] of Object.entries(names)) next.set(k, v);
    return new Evaluator(this.ctx, next);
  }

  eval(node: Node): Value {
    switch (node.t) {
      case "lit":
        return node.v;
      case "tpl":
        return this.template(node, node.parts);
      case "tuple":
        return node.items.map((i) => this.eval(i));
      case "object": {
        const out: ValueObject = {};
        for (const { key, value } of node.items) {
          const k = this.eval(key);
          const name = toStr(k);
          if (name === undefined)
            return new Unknown(textOf(node), `the object key ${textOf(key)} cannot be resolved`);
          out[name] = this.eval(value);
        }
        return out;
      }
      case "ref":
        return this.ref(node);
      case "attr":
      case "index":
        return this.traverse(node);
      case "splat":
        return new Unknown(textOf(node), "splat expressions are not evaluated");
      case "call":
        return callFunction(this, node);
      case "for":
        return this.forExpr(node);
      case "cond": {
        const test = this.eval(node.test);
        if (test instanceof Unknown)
          return new Unknown(textOf(node), `its condition ${test.text} cannot be resolved`);
        return this.eval(test ? node.yes : node.no);
      }
      case "unary": {
        const v = this.eval(node.arg);
        if (v instanceof Unknown) return new Unknown(textOf(node), v.reason);
        return node.op === "!" ? !v : -Number(v);
      }
      case "binary":
        return this.binary(node);
    }
  }

  private ref(node: Extract<Node, { t: "ref" }>): Value {
    const bound = this.bindings.get(node.name);
    if (bound !== undefined) return bound;
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

  private traverse(node: Extract<Node, { t: "attr" | "index" }>): Value {
    const key = node.t === "attr" ? node.name : this.eval(node.key);
    if (key instanceof Unknown)
      return new Unknown(textOf(node), `the key ${key.text} cannot be resolved`);
    const root =
      node.obj.t === "ref" && !this.bindings.has(node.obj.name) ? node.obj.name : undefined;
    if (root === "var") return this.ctx.variable(String(key), node);
    if (root === "local") return this.ctx.local(String(key), node);
    if (root === "path") {
      const p = this.ctx.path[String(key) as keyof EvalContext["path"]];
      return p ?? new Unknown(textOf(node), `path.${String(key)} is not known`);
    }
    if (root === "module") {
      const outputs = this.ctx.module?.(String(key), node);
      if (outputs !== undefined) return outputs;
    }
    if (root === "terraform")
      return new Unknown(textOf(node), `terraform.${String(key)} is chosen when Terraform runs`);
    const obj = this.eval(node.obj);
    if (obj instanceof Unknown) return new Unknown(textOf(node), obj.reason);
    if (Array.isArray(obj) && typeof key === "number") {
      return obj[key] ?? new Unknown(textOf(node), `index ${key} is out of range`);
    }
    if (isValueObject(obj)) {
      const v = obj[String(key)];
      return v === undefined ? new Unknown(textOf(node), `it has no key "${String(key)}"`) : v;
    }
    return new Unknown(
      textOf(node),
      `a ${obj === null ? "null" : typeof obj} value has no attribute ${String(key)}`,
    );
  }

  private forExpr(node: Extract<Node, { t: "for" }>): Value {
    const coll = this.eval(node.coll);
    if (coll instanceof Unknown) {
      return new Unknown(
        textOf(node),
        `the for-expression iterates over ${coll.text}, which cannot be resolved (${coll.reason})`,
      );
    }
    const pairs = entriesOf(coll);
    const list: Value[] = [];
    const obj: ValueObject = {};
    for (const [k, v] of pairs) {
      const names: Record<string, Value> = { [node.valVar]: v };
      if (node.keyVar) names[node.keyVar] = k;
      const scope = this.with(names);
      if (node.cond) {
        const keep = scope.eval(node.cond);
        if (keep instanceof Unknown)
          return new Unknown(textOf(node), `its condition ${keep.text} cannot be resolved`);
        if (!keep) continue;
      }
      const value = scope.eval(node.value);
      if (!node.object || !node.key) {
        list.push(value);
        continue;
      }
      const key = toStr(scope.eval(node.key));
      if (key === undefined)
        return new Unknown(textOf(node), "a key of the for-expression cannot be resolved");
      if (node.group) obj[key] = [...((obj[key] as Value[] | undefined) ?? []), value];
      else obj[key] = value;
    }
    return node.object ? obj : list;
  }

  private binary(node: Extract<Node, { t: "binary" }>): Value {
    const l = this.eval(node.left);
    if (node.op === "&&" && l === false) return false;
    if (node.op === "||" && l === true) return true;
    const r = this.eval(node.right);
    if (l instanceof Unknown || r instanceof Unknown) {
      return new Unknown(textOf(node), (l instanceof Unknown ? l : (r as Unknown)).reason);
    }
    return applyOperator(node.op, l, r);
  }

  template(node: Node, parts: TemplatePart[]): Value {
    return renderTemplate(this, node, parts);
  }
}
