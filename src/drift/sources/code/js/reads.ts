/**
 * What one use of the environment object reads: `.X`, `?.X`, `["X"]`, `"X" in env`, a
 * destructuring `const { A, B: b, C = "x", ...rest } = env`, or a spread (`{ ...env }`, which
 * may read anything: dynamic). Assignments and `delete` set the variable for child processes;
 * they are not reads. A name that is not a literal is a dynamic read, never a guess.
 */
import type { Need } from "../../../model.js";
import type { Node } from "../syntax.js";
import { isVarName } from "../scanner.js";
import type { EnvObject } from "./env-objects.js";
import { libraryCall } from "./libraries.js";
import type { JsFile } from "./model.js";
import { followLocal, isAssigned, needOf } from "./need.js";
import { guarded } from "./presence.js";
import {
  FUNCTIONS,
  ancestor,
  field,
  keyName,
  literal,
  operator,
  outer,
  parameters,
  same,
  scopeOf,
} from "./tree.js";

export function readEnvObject(env: EnvObject, f: JsFile): void {
  const at = outer(env.node);
  const p = at.parent;
  if (!p) return;
  switch (p.type) {
    case "member_expression": {
      const prop = field(p, "property");
      if (!same(field(p, "object"), at) || prop?.type !== "property_identifier") return;
      const call = outer(p).parent;
      // `process.env.hasOwnProperty(…)` and friends are methods, not variables.
      if (call?.type === "call_expression" && same(field(call, "function"), outer(p))) return;
      report(f, prop.text, p, env.via);
      return;
    }
    case "subscript_expression": {
      if (!same(field(p, "object"), at)) return;
      const index = field(p, "index");
      const name = literal(index);
      if (name !== undefined) {
        if (isVarName(name)) report(f, name, p, env.via);
      } else if (!isWrapperParameter(index, p) && !isWrite(p)) f.collector.dynamicRead(p);
      return;
    }
    case "binary_expression": {
      const name = literal(field(p, "left"));
      if (operator(p) === "in" && same(field(p, "right"), at) && name && isVarName(name)) {
        report(f, name, p, `"${name}" in ${env.via}`, "optional");
      }
      return;
    }
    case "variable_declarator": {
      const pattern = field(p, "name");
      if (pattern?.type === "object_pattern" && same(field(p, "value"), at))
        destructure(pattern, scopeOf(p), env.via, f);
      return;
    }
    case "spread_element":
      f.collector.dynamicRead(p, `...${at.text}`);
      return;
    case "arguments":
      if (p.parent) libraryCall(at, p.parent, env.via, f);
      return;
  }
}

function destructure(pattern: Node, scope: Node, via: string, f: JsFile): void {
  const from = `destructured from ${via}`;
  for (const child of pattern.namedChildren) {
    if (!child) continue;
    if (child.type === "shorthand_property_identifier_pattern") {
      f.collector.read(child.text, child, followLocal(child, scope, f, 0), from);
    } else if (child.type === "object_assignment_pattern") {
      const left = field(child, "left");
      if (left) f.collector.read(left.text, child, "optional", from);
    } else if (child.type === "pair_pattern") {
      const name = keyName(field(child, "key"));
      const value = field(child, "value");
      if (!name || !isVarName(name) || !value) continue;
      const need =
        value.type === "assignment_pattern"
          ? "optional"
          : value.type === "identifier"
            ? followLocal(value, scope, f, 0)
            : "unknown";
      f.collector.read(name, child, need, from);
    } else if (child.type === "rest_pattern") {
      f.collector.dynamicRead(child, `{ ${child.text} } = ${via}`);
    }
  }
}

/** Reports one read once, unless it is a write (`process.env.X = …`, `delete process.env.X`). */
export function report(f: JsFile, name: string, node: Node, via: string, need?: Need): void {
  if (isWrite(node) || f.reported.has(node.id) || inRuntimeEnv(node)) return;
  f.reported.add(node.id);
  let found = need ?? needOf(node, f);
  if (found === "unknown" && guarded(node)) found = "optional";
  f.collector.read(name, node, found, via);
}

function isWrite(node: Node): boolean {
  const at = outer(node);
  const p = at.parent;
  if (!p) return false;
  if (p.type === "unary_expression" && operator(p) === "delete") return true;
  if (p.type === "augmented_assignment_expression" && same(field(p, "left"), at))
    return !/^(\?\?|\|\|)=$/.test(operator(p));
  return isAssigned(at);
}

/** `runtimeEnv: { X: process.env.X }` of t3-env: the schema beside it says what X needs. */
function inRuntimeEnv(node: Node): boolean {
  const pair = outer(node).parent;
  const holder = pair?.type === "pair" ? pair.parent?.parent : null;
  return holder?.type === "pair" && /runtimeEnv$/.test(keyName(field(holder, "key")) ?? "");
}

/** `process.env[name]` in a function taking `name`: its calls say which variable it reads. */
function isWrapperParameter(index: Node | null, at: Node): boolean {
  if (index?.type !== "identifier") return false;
  const fn = ancestor(at, FUNCTIONS);
  return !!fn && parameters(fn).some((p) => p.name === index.text);
}
