/**
 * Calls of Terraform functions: the pure ones in ./stdlib.ts, try() and can() with Terraform's
 * rules for unknowns, file() and templatefile() (which read files beside the configuration), and
 * what can still be said of a call whose arguments are partly unknown (./partial.ts). Any other
 * function yields an Unknown naming the call.
 */
import { dirname, resolve } from "node:path";
import type { Node } from "./ast.js";
import { textOf } from "./ast.js";
import type { Evaluator } from "./eval.js";
import { FnError } from "./fn-support.js";
import { overLimit } from "./limits.js";
import { isOpaque, partialCall } from "./partial.js";
import { PURE_FUNCTIONS } from "./stdlib.js";
import { parseTemplate } from "./template.js";
import type { Value } from "./value.js";
import { Unknown, combine, isKnown, isValueObject, toStr, unknownsIn } from "./value.js";

type Call = Extract<Node, { t: "call" }>;

/** Functions whose result differs on every run, or that need something only Terraform has. */
const RUNTIME: Record<string, string> = {
  timestamp: "the time is taken when Terraform runs",
  uuid: "a new UUID is made when Terraform runs",
  bcrypt: "a new hash is made when Terraform runs",
  plantimestamp: "the time is taken when Terraform runs",
};

/**
 * Functions that only move values around: they still apply when some values inside their
 * arguments are unknown, as long as no argument is itself unknown or holds an unknown stretch.
 */
const STRUCTURAL = new Set([
  "merge",
  "lookup",
  "keys",
  "values",
  "length",
  "element",
  "zipmap",
  "reverse",
  "slice",
  "one",
  "coalescelist",
  "tomap",
  "tolist",
  "concat",
  "flatten",
]);

export function callFunction(ev: Evaluator, node: Call): Value {
  const text = textOf(node);
  if (node.name.startsWith("provider::"))
    return new Unknown(text, `${node.name}() is a provider function, run by Terraform`);
  const name = node.name;
  if (name === "try" || name === "can") return tryCan(ev, node);
  if (RUNTIME[name]) return new Unknown(text, RUNTIME[name]);
  let args = node.args.map((a) => ev.eval(a));
  if (node.expand && args.length > 0) {
    const last = args[args.length - 1] as Value;
    if (!Array.isArray(last))
      return last instanceof Unknown
        ? last.derive(text)
        : Unknown.error(text, "only a list can be expanded with ...");
    args = [...args.slice(0, -1), ...last];
  }
  if (name === "templatefile") return templatefile(ev, node, args);
  const file = FILE_FUNCTIONS[name];
  const extra = ev.ctx.functions?.[name];
  const fn = extra
    ? (a: Value[]) => extra(a, node)
    : file
      ? (a: Value[]) => file(ev, node, a)
      : PURE_FUNCTIONS[name];
  if (!fn) return new Unknown(text, `the function ${name}() is not evaluated statically`);
  if (!args.every(isKnown)) {
    const partial = partialCall(name, args, text);
    if (partial !== undefined) return partial;
    if (!STRUCTURAL.has(name) || args.some(isOpaque)) return combine(text, args);
  }
  return guarded(text, name, args, fn);
}

function guarded(text: string, name: string, args: Value[], fn: (a: Value[]) => Value): Value {
  try {
    const result = fn(args);
    return overLimit(text, result) ?? result;
  } catch (err) {
    if (!(err instanceof FnError)) throw err;
    // An argument refused because a value inside it is unknown is unknown, not an error.
    if (!args.every(isKnown)) return combine(text, args);
    const message = err.message.startsWith(`${name}`) ? err.message : `${name}(): ${err.message}`;
    return Unknown.error(text, message);
  }
}

/**
 * try() returns its first argument that evaluates without error; can() says whether its argument
 * does. As in Terraform, an argument that depends on an unknown value makes the result unknown:
 * it is not known yet whether it will fail.
 */
function tryCan(ev: Evaluator, node: Call): Value {
  const text = textOf(node);
  for (const arg of node.args) {
    const v = ev.eval(arg);
    const unknowns = unknownsIn(v);
    const failed = unknowns.length > 0 && unknowns.every((u) => u.error);
    if (node.name === "can") {
      if (unknowns.length === 0) return true;
      return failed ? false : new Unknown(text, (unknowns.find((u) => !u.error) as Unknown).reason);
    }
    if (failed) continue;
    if (v instanceof Unknown) return v.derive(text);
    return v;
  }
  if (node.name === "can") return Unknown.error(text, "can() takes one argument");
  return Unknown.error(text, "none of its arguments can be evaluated without an error");
}

type FileFn = (ev: Evaluator, node: Call, args: Value[]) => Value;

const FILE_FUNCTIONS: Record<string, FileFn> = {
  file: (ev, node, [p]) => ev.ctx.readFile(pathArg(p), node),
  fileexists: (ev, node, [p]) => {
    try {
      ev.ctx.readFile(pathArg(p), node);
      return true;
    } catch {
      return false;
    }
  },
  abspath: (ev, _node, [p]) => resolve(ev.ctx.path.root, pathArg(p)),
  dirname: (_ev, _node, [p]) => dirname(pathArg(p)),
  basename: (_ev, _node, [p]) => pathArg(p).split("/").pop() ?? "",
  pathexpand: (_ev, _node, [p]) => pathArg(p),
};

function pathArg(p: Value | undefined): string {
  const s = p === undefined ? undefined : toStr(p);
  if (s === undefined) throw new FnError("a path string is required");
  return s;
}

/**
 * templatefile(path, vars): the template sees only `vars`. Unknown variables do not stop it: the
 * rendering keeps them as unknown parts (./render-template.ts), so JSON container definitions
 * around them are still read.
 */
function templatefile(ev: Evaluator, node: Call, [p, vars]: Value[]): Value {
  const text = textOf(node);
  if (p instanceof Unknown) return p.derive(text, `the template path ${p.text} cannot be resolved`);
  if (typeof p !== "string") return Unknown.error(text, "templatefile(): a path is required");
  if (vars instanceof Unknown && !vars.partial)
    return vars.derive(text, `the template variables ${vars.text} cannot be resolved`);
  const given = vars instanceof Unknown ? (vars.partial ?? {}) : vars;
  if (given !== undefined && !isValueObject(given))
    return Unknown.error(text, "templatefile(): the variables must be a map");
  let source: string;
  try {
    source = ev.ctx.readFile(p, node);
  } catch (err) {
    if (!(err instanceof FnError)) throw err;
    return Unknown.error(text, `templatefile(): ${err.message}`);
  }
  let tpl: Node;
  try {
    tpl = parseTemplate(source);
  } catch (err) {
    return Unknown.error(text, `the template ${p} cannot be parsed (${String(err)})`);
  }
  const rendered = ev
    .only(given ?? {}, !(vars instanceof Unknown))
    .template(tpl, tpl.t === "tpl" ? tpl.parts : []);
  if (typeof rendered === "string") ev.ctx.noteFile?.(rendered, p);
  return overLimit(text, rendered) ?? rendered;
}
