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
import { moduleTail, readHeads } from "./bindings.js";
import { KEY_ERRORS, LIBRARY_ERRORS, caught } from "./guards.js";
import { libraryRead } from "./libraries.js";
import type { Flow, NeedAnalysis } from "./need.js";
import type { Read } from "./os-reads.js";
import { osRead } from "./os-reads.js";
import { headed, identifiersNamed, identifiersOf } from "./occurrences.js";
import type { DefaultKind } from "./tree.js";
import {
  callArgs,
  defaultKind,
  dotted,
  enclosingFunction,
  methodOf,
  parameters,
  takesSelf,
  unwrap,
} from "./tree.js";

export interface Wrapper {
  name: string;
  /** Where the function is defined (its start offset), to record each function once. */
  at: number;
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

/** A file parsed in pass 1, kept (until pass 2 starts) to find wrappers of wrappers in it. */
export interface DefinedFile {
  root: Node;
  text: string;
  file: string;
  need: NeedAnalysis;
}

/** The module name a file is imported as (`pkg/__init__.py` → `pkg`). */
export function moduleOf(path: string): string {
  const stem = basename(path).replace(/\.py$/, "");
  return stem === "__init__" ? basename(dirname(path)) : stem;
}

/** A function (or method) taking the name: where it is, and the parameters a call gives. */
function wrapperBase(
  fn: Node,
  file: string,
): { base: Omit<Wrapper, "inner" | "via">; params: { name: string; value?: Node }[] } | undefined {
  const name = fn.childForFieldName("name")?.text;
  const params = parameters(fn).slice(takesSelf(fn) ? 1 : 0);
  if (!name || params.length === 0) return undefined;
  const base: Omit<Wrapper, "inner" | "via"> = {
    name,
    module: moduleOf(file),
    file,
    at: fn.startIndex,
    nameIndex: 0,
  };
  const className = methodOf(fn)?.childForFieldName("name")?.text;
  if (className) base.className = className;
  return { base, params };
}

/** Records the wrappers a file defines: functions whose parameter is a read's name. */
export function defineWrappers(
  root: Node,
  text: string,
  file: string,
  b: Bindings,
  need: NeedAnalysis,
  out: Wrapper[],
): void {
  for (const id of identifiersOf(root, text, readHeads(b))) {
    const node = headed(id);
    const read = node
      ? (osRead(node, b) ?? (node.type === "call" ? libraryRead(node, b) : undefined))
      : undefined;
    if (!read || read.kind === "presence" || read.kind === "setdefault") continue;
    const nameNode = read.nameNode ? unwrap(read.nameNode) : undefined;
    const fn = enclosingFunction(read.node);
    if (nameNode?.type !== "identifier" || !fn) continue;
    if (out.some((w) => w.file === file && w.at === fn.startIndex)) continue;
    const found = wrapperBase(fn, file);
    const position = (p: string) => found?.params.findIndex((q) => q.name === p) ?? -1;
    if (!found || position(nameNode.text) < 0) continue;
    const w: Wrapper = {
      ...found.base,
      nameIndex: position(nameNode.text),
      nameKeyword: nameNode.text,
      inner: innerFlow(read, need),
      via: `${found.base.name}() → ${read.via}`,
    };
    if (read.kind === "library") w.anyDefault = true;
    const d = read.defaultNode ? unwrap(read.defaultNode) : undefined;
    const dp = d?.type === "identifier" ? position(d.text) : -1;
    if (d && dp >= 0) {
      const declared = found.params[dp]?.value;
      w.defaultParam = { index: dp, keyword: d.text };
      if (declared) w.defaultParam.declared = defaultKind(declared);
    } else if (read.default) w.innerDefault = read.default;
    out.push(w);
  }
}

function innerFlow(read: Read, need: NeedAnalysis): Flow {
  if (read.kind === "subscript") return caught(read.node, KEY_ERRORS) ? "optional" : "required";
  if (read.kind === "library") return caught(read.node, LIBRARY_ERRORS) ? "optional" : "required";
  return need.flow(read.node);
}

/** A wrapper or a policy reader, as something another function can pass its parameter to. */
interface Target {
  word: string;
  matches: (callee: string) => boolean;
  nameIndex: number;
  inner: Flow;
  via: string;
}

/**
 * Wrappers of wrappers (and of policy readers): a function passing its own parameter where a
 * wrapper expects the name is a wrapper too. Searched by name in the files parsed in pass 1,
 * in bounded rounds.
 */
export function resolveForwarders(
  wrappers: Wrapper[],
  files: readonly DefinedFile[],
  readers: readonly PolicyReader[],
): void {
  let frontier: Target[] = [
    ...wrappers.map(targetOf),
    ...readers.map((r) => ({
      word: moduleTail(r.call),
      matches: (callee: string) => callee === r.call,
      nameIndex: r.nameArg - 1,
      inner: (r.required ? "required" : "optional") as Flow,
      via: `${r.call}()`,
    })),
  ];
  for (let round = 0; round < 5 && frontier.length > 0; round++) {
    const next: Target[] = [];
    for (const target of frontier) {
      for (const f of files) {
        if (!f.text.includes(target.word)) continue;
        for (const id of identifiersNamed(f.root, f.text, target.word)) {
          const w = forwarder(id, target, f, wrappers);
          if (w) {
            wrappers.push(w);
            next.push(targetOf(w));
          }
        }
      }
    }
    frontier = next;
  }
}

function targetOf(w: Wrapper): Target {
  return {
    word: w.name,
    matches: (callee) =>
      w.className
        ? callee === `self.${w.name}` || callee === `cls.${w.name}`
        : callee === w.name || callee === `${w.module}.${w.name}`,
    nameIndex: w.nameIndex,
    inner: w.inner,
    via: w.via,
  };
}

/** The wrapper a call of `target` makes of its enclosing function, if it passes its parameter. */
function forwarder(
  id: Node,
  target: Target,
  f: DefinedFile,
  wrappers: readonly Wrapper[],
): Wrapper | undefined {
  const call = headed(id);
  if (call?.type !== "call" || !target.matches(dotted(call.childForFieldName("function")) ?? ""))
    return undefined;
  const arg = callArgs(call).positional[target.nameIndex];
  const fn = enclosingFunction(call);
  if (arg?.type !== "identifier" || !fn) return undefined;
  if (wrappers.some((w) => w.file === f.file && w.at === fn.startIndex)) return undefined;
  const found = wrapperBase(fn, f.file);
  const index = found?.params.findIndex((p) => p.name === arg.text) ?? -1;
  if (!found || index < 0) return undefined;
  const inner =
    target.inner === "required" || target.inner === "optional" ? target.inner : f.need.flow(call);
  return {
    ...found.base,
    nameIndex: index,
    nameKeyword: arg.text,
    inner,
    via: `${found.base.name}() → ${target.via}`,
  };
}
