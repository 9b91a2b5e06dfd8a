/**
 * The Terraform functions evaluated statically: pure ones over known values, plus file() and
 * templatefile(), which read files beside the configuration. Any other function, or a known one
 * given an unknown argument, yields an Unknown naming the call.
 */
import type { Node } from "./ast.js";
import { textOf } from "./ast.js";
import { Evaluator } from "./eval.js";
import { parseTemplate } from "./template.js";
import type { Value, ValueObject } from "./value.js";
import { PURE_FUNCTIONS, list, str } from "./stdlib.js";
import { Unknown, firstUnknown, isKnown, isValueObject } from "./value.js";

type Call = Extract<Node, { t: "call" }>;
type Fn = (args: Value[], ev: Evaluator, node: Call) => Value;

const FUNCTIONS: Record<string, Fn> = {
  ...PURE_FUNCTIONS,
  file: ([p], ev, node) => ev.ctx.readFile(str(p ?? ""), node),
  templatefile: ([p, vars], ev, node) => {
    const path = str(p ?? "");
    const text = ev.ctx.readFile(path, node);
    // A template sees only the variables passed to it.
    const tpl = parseTemplate(text);
    const rendered = new Evaluator(ev.ctx)
      .with(isValueObject(vars ?? null) ? (vars as ValueObject) : {})
      .template(tpl, tpl.t === "tpl" ? tpl.parts : []);
    if (typeof rendered === "string") ev.ctx.noteFile?.(rendered, path);
    return rendered;
  },
};

/** Functions that only move values around: fine while no argument is itself unknown. */
const STRUCTURAL = new Set([
  "concat",
  "merge",
  "flatten",
  "tolist",
  "toset",
  "tomap",
  "lookup",
  "keys",
  "length",
  "compact",
  "coalescelist",
  "element",
  "zipmap",
  "values",
  "reverse",
]);

/** What can still be said of a call with unknown arguments. */
function partial(name: string, args: Value[], node: Call): Value | undefined {
  if (name === "jsonencode") {
    const v = args[0] ?? null;
    return new Unknown(textOf(node), (firstUnknown(v) as Unknown).reason, undefined, v);
  }
  if (name === "concat" && args.every((a) => Array.isArray(a) || a instanceof Unknown)) {
    // A list with unknown parts: the known elements are kept, each unknown part stays one element.
    return args.flatMap((a) => (a instanceof Unknown ? [a] : (a as Value[])));
  }
  if (name === "coalesce") {
    return args.find((a) => !(a instanceof Unknown) && a !== null && a !== "");
  }
  if (name === "format" && typeof args[0] === "string") {
    // format("api-%s", var.env) keeps its literal parts, so a family can still be matched.
    const pattern: (string | Unknown)[] = [];
    let i = 1;
    let at = 0;
    for (const m of args[0].matchAll(/%(%|[-+ 0#]*\d*(?:\.\d+)?[sdvqftbxXoeEgG])/g)) {
      pattern.push(args[0].slice(at, m.index));
      const v = m[1] === "%" ? "%" : (args[i++] ?? null);
      pattern.push(v instanceof Unknown ? v : str(v));
      at = m.index + m[0].length;
    }
    pattern.push(args[0].slice(at));
    return new Unknown(
      textOf(node),
      (firstUnknown(args) as Unknown).reason,
      pattern.filter((p) => p !== ""),
    );
  }
  if (STRUCTURAL.has(name) && !args.some((a) => a instanceof Unknown))
    return FUNCTIONS[name]?.(args, undefined as never, node);
  return undefined;
}

export function callFunction(ev: Evaluator, node: Call): Value {
  const name = node.name.replace(/^provider::[^:]+::/, "");
  if (name === "try" || name === "can") {
    for (const arg of node.args) {
      try {
        const v = ev.eval(arg);
        if (name === "can") return !(v instanceof Unknown) || new Unknown(textOf(node), v.reason);
        if (!(v instanceof Unknown)) return v;
      } catch {
        if (name === "can") return false;
      }
    }
    return new Unknown(textOf(node), "none of its arguments can be resolved");
  }
  const fn = FUNCTIONS[name];
  if (!fn) return new Unknown(textOf(node), `the function ${name}() is not evaluated statically`);
  let args = node.args.map((a) => ev.eval(a));
  if (node.expand && args.length > 0)
    args = [...args.slice(0, -1), ...list(args[args.length - 1] ?? [])];
  if (!args.every(isKnown)) {
    return (
      partial(name, args, node) ?? new Unknown(textOf(node), (firstUnknown(args) as Unknown).reason)
    );
  }
  return fn(args, ev, node);
}
