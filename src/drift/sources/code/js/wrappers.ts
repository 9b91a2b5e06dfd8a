/**
 * The project's own wrappers (issue 9, part 3). Pass 1 finds functions whose parameter names
 * the variable they read (`function mustEnv(name) { … process.env[name] … }`, arrows, methods,
 * exported consts); pass 2 makes each call with a literal name a read of that name, in any
 * module. Wrappers from outside the scanned code come from the policy file's `readers`.
 */
import type { Need } from "../../../model.js";
import { isVarName } from "../scanner.js";
import type { Node } from "../syntax.js";
import { envObjects } from "./env-objects.js";
import type { JsDefinitions, JsFile, Wrapper } from "./model.js";
import { needOf } from "./need.js";
import type { NeedFile } from "./need.js";
import { report } from "./reads.js";
import {
  FUNCTIONS,
  ancestor,
  parameters,
  callArgs,
  calleeText,
  field,
  identifiersNamed,
  isUpperName,
  keyName,
  literal,
  operator,
  outer,
  same,
} from "./tree.js";

/** Pass 1: every function of this file that reads the variable its parameter names. */
export function defineWrappers(root: Node, text: string, defs: JsDefinitions): void {
  const file: NeedFile = { root, text };
  for (const env of envObjects(root, text)) {
    const at = outer(env.node);
    const read = at.parent;
    const index = read?.type === "subscript_expression" ? field(read, "index") : null;
    if (!read || !same(field(read, "object"), at) || index?.type !== "identifier") continue;
    const fn = ancestor(read, FUNCTIONS);
    const params = fn ? parameters(fn) : [];
    const nameArg = params.findIndex((p) => p.name === index.text);
    const named = fn && functionName(fn);
    if (!named || nameArg === -1) continue;
    const value = outer(read);
    const fallback = value.parent;
    const right = fallback ? field(fallback, "right") : null;
    const defaultArg =
      fallback?.type === "binary_expression" && /^(\?\?|\|\|)$/.test(operator(fallback))
        ? params.findIndex((p) => p.name !== "" && p.name === right?.text)
        : -1;
    const wrapper: Wrapper = {
      ...named,
      nameArg,
      need: needOf(read, file),
      method: named.method,
      via: `${named.name}() → ${env.via}`,
    };
    if (fallback && defaultArg !== -1) {
      // `process.env[name] ?? fallback`: a call that passes no fallback gets what follows.
      wrapper.defaultArg = defaultArg;
      wrapper.need = params[defaultArg]?.hasDefault ? "optional" : needOf(fallback, file);
    }
    addWrapper(defs, wrapper);
  }
}

function functionName(fn: Node): { name: string; method: boolean } | undefined {
  const own = field(fn, "name");
  if (own && fn.type !== "method_definition") return { name: own.text, method: false };
  if (own) return { name: own.text, method: true };
  const holder = outer(fn).parent;
  if (!holder) return undefined;
  if (holder.type === "variable_declarator") {
    const name = field(holder, "name");
    return name?.type === "identifier" ? { name: name.text, method: false } : undefined;
  }
  if (holder.type === "pair") {
    const name = keyName(field(holder, "key"));
    return name ? { name, method: true } : undefined;
  }
  if (holder.type === "public_field_definition" || holder.type === "field_definition") {
    const name = field(holder, "name") ?? field(holder, "property");
    return name ? { name: name.text, method: true } : undefined;
  }
  if (holder.type === "assignment_expression") {
    const left = field(holder, "left");
    const prop = left?.type === "member_expression" ? field(left, "property") : left;
    return prop ? { name: prop.text, method: left?.type === "member_expression" } : undefined;
  }
  return undefined;
}

/** Two wrappers with one name keep only what both say. */
function addWrapper(defs: JsDefinitions, wrapper: Wrapper): void {
  const known = defs.wrappers.get(wrapper.name);
  defs.callNames = undefined;
  if (!known) {
    defs.wrappers.set(wrapper.name, wrapper);
    return;
  }
  if (known.nameArg !== wrapper.nameArg || known.need !== wrapper.need) known.need = "unknown";
  if (known.defaultArg !== wrapper.defaultArg) delete known.defaultArg;
  known.method ||= wrapper.method;
}

interface Call {
  node: Node;
  /** Called as `x.name(…)`: only an environment-looking name counts, unless `x` is `this`. */
  member: boolean;
  onThis: boolean;
}

/** The call whose callee is this identifier (`name(…)`) or property (`x.name(…)`). */
function callOf(id: Node): Call | undefined {
  const p = id.parent;
  if (id.type === "identifier" && p?.type === "call_expression") {
    return same(field(p, "function"), id) ? { node: p, member: false, onThis: false } : undefined;
  }
  if (id.type !== "property_identifier" || p?.type !== "member_expression") return undefined;
  const call = outer(p).parent;
  if (call?.type !== "call_expression" || !same(field(call, "function"), outer(p)))
    return undefined;
  const onThis = field(p, "object")?.type === "this";
  return { node: call, member: true, onThis };
}

/** Pass 2: the calls of the project's wrappers and of the policy file's readers. */
export function scanCalls(f: JsFile): void {
  for (const w of f.defs.wrappers.values()) {
    if (!f.text.includes(w.name)) continue;
    for (const id of identifiersNamed(f.root, f.text, w.name)) {
      const call = callOf(id);
      if (!call || (w.method && !call.member)) continue;
      const args = callArgs(call.node);
      const name = nameIn(args[w.nameArg], call, f);
      if (!name) continue;
      const fallback = w.defaultArg === undefined ? undefined : args[w.defaultArg];
      const need: Need =
        fallback && fallback.type !== "undefined"
          ? "optional"
          : w.need !== "unknown"
            ? w.need
            : needOf(call.node, f);
      report(f, name, call.node, w.via, need);
    }
  }
  for (const reader of f.defs.readers) {
    const last = reader.call.split(".").pop() ?? reader.call;
    if (!f.text.includes(last)) continue;
    for (const id of identifiersNamed(f.root, f.text, last)) {
      const call = callOf(id);
      const callee = call ? calleeText(call.node) : "";
      if (!call || (callee !== reader.call && !callee.endsWith(`.${reader.call}`))) continue;
      const name = nameIn(callArgs(call.node)[reader.nameArg - 1], { ...call, member: false }, f);
      const need: Need = reader.required ? "required" : "optional";
      if (name) report(f, name, call.node, `${reader.call}() (policy reader)`, need);
    }
  }
}

/** Arguments that name no variable: `val("x", config, false)` passes no name at all. */
const LITERALS = new Set(["false", "true", "null", "undefined", "number"]);

/** The variable a call names; a non-literal name is a dynamic read. */
function nameIn(arg: Node | undefined, call: Call, f: JsFile): string | undefined {
  if (!arg || LITERALS.has(arg.type)) return undefined;
  const name = literal(arg);
  if (name === undefined) {
    // A wrapper calling another with its own parameter: its calls are what name the variable.
    // `x.get(key)` on any other object is most likely not the wrapper at all: no note.
    const fn = ancestor(call.node, FUNCTIONS);
    const forwarded =
      arg.type === "identifier" && fn && parameters(fn).some((p) => p.name === arg.text);
    if (!forwarded && (!call.member || call.onThis)) f.collector.dynamicRead(call.node);
    return undefined;
  }
  if (!isVarName(name) || (call.member && !call.onThis && !isUpperName(name))) return undefined;
  return name;
}
