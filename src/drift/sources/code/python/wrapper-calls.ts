/**
 * Calls of the project's wrappers (./wrappers.ts): which wrapper a call invokes — by name in
 * its own module, as imported (`from app.config import env as e`), through a module
 * (`config.env(...)`), or as a method (`self._get(...)` in the class or a subclass) — and the
 * need of that call, from what the wrapper does and the default the call passes or leaves.
 */
import type { Node } from "../syntax.js";
import type { Bindings } from "./bindings.js";
import { moduleTail } from "./bindings.js";
import type { NeedAnalysis, Verdict } from "./need.js";
import { argument, callArgs, defaultKind, dotted, enclosingClass } from "./tree.js";
import type { Wrapper } from "./wrappers.js";

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
