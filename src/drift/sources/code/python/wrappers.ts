/**
 * The project's own wrappers: a function whose parameter reaches an environment read as the
 * name (`def env(name, default=None): return os.getenv(name, default)`, `def require(name): v =
 * os.environ.get(name); if not v: raise …`, methods like `self._get("X")`) makes each call with a
 * literal name a read of that name. Pass 1 records them, with what each does when the value is
 * absent; functions that pass their parameter on to another wrapper are resolved afterwards.
 */
import { basename, dirname } from "node:path";
import type { PolicyReader } from "../scanner.js";
import type { Node } from "../syntax.js";
import type { Bindings } from "./bindings.js";
import { moduleTail } from "./bindings.js";
import { KEY_ERRORS, LIBRARY_ERRORS, caught } from "./guards.js";
import { libraryRead } from "./libraries.js";
import type { Flow, NeedAnalysis, Verdict } from "./need.js";
import type { Read } from "./os-reads.js";
import { osRead } from "./os-reads.js";
import type { DefaultKind } from "./tree.js";
import {
  argument,
  callArgs,
  defaultKind,
  dotted,
  enclosingClass,
  enclosingFunction,
  methodOf,
  parameters,
  takesSelf,
  unwrap,
} from "./tree.js";

export interface Wrapper {
  name: string;
  /** The defining module's last segment (`app/config.py` → `config`), for imports. */
  module: string;
  file: string;
  className?: string;
  /** Where the name is given at call sites: 0-based position, or by keyword. */
  nameIndex: number;
  nameKeyword?: string;
  /** A parameter that becomes the read's default, with its declared default. */
  defaultParam?: { index: number; keyword: string; declared?: DefaultKind };
  /** The read's own default when it is not a parameter. */
  innerDefault?: DefaultKind;
  /** A library read: any default, None included, stops it failing. */
  anyDefault?: boolean;
  /** What the wrapper does when the value is absent (`returned`: its callers decide). */
  inner: Flow;
  via: string;
}

/** A function passing its parameter on to another call, resolved once every wrapper is known. */
export interface Forwarder {
  wrapper: Omit<Wrapper, "inner" | "via">;
  callee: string;
  argIndex: number;
  /** What the function does with the value that call returns. */
  flow: Flow;
}

/** The module name a file is imported as (`pkg/__init__.py` → `pkg`). */
export function moduleOf(path: string): string {
  const stem = basename(path).replace(/\.py$/, "");
  return stem === "__init__" ? basename(dirname(path)) : stem;
}

/** Records the wrappers and forwarders a file defines. */
export function defineWrappers(
  root: Node,
  file: string,
  b: Bindings,
  need: NeedAnalysis,
  out: { wrappers: Wrapper[]; forwarders: Forwarder[] },
): void {
  for (const fn of root.descendantsOfType("function_definition")) {
    const params = parameters(fn).slice(takesSelf(fn) ? 1 : 0);
    const name = fn.childForFieldName("name")?.text;
    const body = fn.childForFieldName("body");
    if (!name || !body || params.length === 0) continue;
    const base = { name, module: moduleOf(file), file, nameIndex: 0 };
    const className = methodOf(fn)?.childForFieldName("name")?.text;
    const position = (p: string) => params.findIndex((q) => q.name === p);
    for (const node of body.descendantsOfType(["call", "subscript"])) {
      if (enclosingFunction(node)?.id !== fn.id) continue;
      const read = osRead(node, b) ?? (node.type === "call" ? libraryRead(node, b) : undefined);
      const nameNode = read?.nameNode ? unwrap(read.nameNode) : undefined;
      if (read && nameNode?.type === "identifier" && position(nameNode.text) >= 0) {
        if (read.kind === "presence" || read.kind === "setdefault") continue;
        const w: Wrapper = {
          ...base,
          nameIndex: position(nameNode.text),
          nameKeyword: nameNode.text,
          inner: innerFlow(read, need),
          via: `${name}() → ${read.via}`,
        };
        if (className) w.className = className;
        if (read.kind === "library") w.anyDefault = true;
        const d = read.defaultNode ? unwrap(read.defaultNode) : undefined;
        const dp = d?.type === "identifier" ? position(d.text) : -1;
        if (d && dp >= 0) {
          const declared = params[dp]?.value;
          w.defaultParam = { index: dp, keyword: d.text };
          if (declared) w.defaultParam.declared = defaultKind(declared);
        } else if (read.default) w.innerDefault = read.default;
        out.wrappers.push(w);
        break;
      }
      if (node.type !== "call" || read) continue;
      const callee = dotted(node.childForFieldName("function"));
      const args = node.childForFieldName("arguments")?.namedChildren ?? [];
      const at = args.findIndex((a) => a.type === "identifier" && position(a.text) >= 0);
      const arg = args[at];
      if (!callee || !arg) continue;
      const fw: Forwarder["wrapper"] = { ...base, nameIndex: position(arg.text) };
      if (className) fw.className = className;
      out.forwarders.push({ wrapper: fw, callee, argIndex: at, flow: need.flow(node) });
    }
  }
}

function innerFlow(read: Read, need: NeedAnalysis): Flow {
  if (read.kind === "subscript") return caught(read.node, KEY_ERRORS) ? "optional" : "required";
  if (read.kind === "library") return caught(read.node, LIBRARY_ERRORS) ? "optional" : "required";
  return need.flow(read.node);
}

/**
 * Wrappers of wrappers (and of policy readers): a forwarder becomes a wrapper when its callee
 * is one and receives the name where that one expects it. Bounded rounds.
 */
export function resolveForwarders(
  wrappers: Wrapper[],
  forwarders: readonly Forwarder[],
  readers: readonly PolicyReader[],
): void {
  const known = new Set<Forwarder>();
  for (let round = 0; round < 5; round++) {
    let grew = false;
    for (const f of forwarders) {
      if (known.has(f)) continue;
      const target = wrappers.find((w) => calls(f.callee, w) && w.nameIndex === f.argIndex);
      const reader = readers.find((r) => r.call === f.callee && r.nameArg - 1 === f.argIndex);
      if (!target && !reader) continue;
      const inner: Flow = target
        ? target.inner === "required" || target.inner === "optional"
          ? target.inner
          : f.flow
        : reader?.required
          ? "required"
          : "optional";
      const via = `${f.wrapper.name}() → ${target ? target.via : `${f.callee}()`}`;
      wrappers.push({ ...f.wrapper, inner, via });
      known.add(f);
      grew = true;
    }
    if (!grew) return;
  }
}

function calls(callee: string, w: Wrapper): boolean {
  if (w.className) return callee === `self.${w.name}` || callee === `cls.${w.name}`;
  return callee === w.name || callee.endsWith(`.${w.name}`);
}

/** The wrapper a call invokes, if any: by name in its own module or as imported, or a method. */
export function wrapperAt(
  call: Node,
  b: Bindings,
  file: string,
  wrappers: readonly Wrapper[],
): Wrapper | undefined {
  const fn = call.childForFieldName("function");
  if (fn?.type === "identifier") {
    const bound = b.get(fn.text);
    return wrappers.find((w) => {
      if (w.className) return false;
      if (!bound) return w.file === file && w.name === fn.text;
      if (bound.kind !== "imported" || bound.name !== w.name) return false;
      return bound.module === "" || moduleTail(bound.module) === w.module;
    });
  }
  const method = fn?.type === "attribute" ? fn.childForFieldName("attribute")?.text : undefined;
  const object = fn?.childForFieldName("object");
  if (!method || !object) return undefined;
  if (object.text === "self" || object.text === "cls") {
    const cls = enclosingClass(call);
    const names = cls ? [cls.childForFieldName("name")?.text, ...baseNames(cls)] : [];
    return wrappers.find((w) => w.name === method && w.className && names.includes(w.className));
  }
  const module = moduleName(object, b);
  return wrappers.find(
    (w) =>
      w.name === method &&
      (w.className ? w.className === object.text : module !== undefined && w.module === module),
  );
}

function baseNames(cls: Node): string[] {
  return (cls.childForFieldName("superclasses")?.namedChildren ?? [])
    .map((a) => dotted(a)?.split(".").pop())
    .filter((n): n is string => n !== undefined);
}

/** The module an expression names: `config` for `import app.config as config` or `from app import config`. */
function moduleName(object: Node, b: Bindings): string | undefined {
  const bound = object.type === "identifier" ? b.get(object.text) : undefined;
  if (bound?.kind === "module") return moduleTail(bound.path);
  if (bound?.kind === "imported") return bound.name;
  const text = object.type === "attribute" ? dotted(object) : undefined;
  return text ? moduleTail(text) : undefined;
}

/** The need of one call of a wrapper, from the wrapper's behaviour and the call's arguments. */
export function wrapperNeed(w: Wrapper, call: Node, need: NeedAnalysis): Verdict {
  const args = callArgs(call);
  let given = w.innerDefault;
  if (w.defaultParam) {
    const passed = argument(args, w.defaultParam.index, w.defaultParam.keyword);
    given = passed ? defaultKind(passed) : w.defaultParam.declared;
  }
  if (given === "value" || (given !== undefined && w.anyDefault)) return "optional";
  if (w.inner === "required" || w.inner === "optional") return w.inner;
  const here = w.inner === "returned" ? need.flow(call) : "unknown";
  if (here === "returned") return "unknown";
  return here === "unknown" && given !== undefined ? "optional" : here;
}
