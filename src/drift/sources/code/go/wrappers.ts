/**
 * The module's own wrappers around environment reads: a top-level function whose parameter
 * reaches `os.Getenv(param)` / `os.LookupEnv(param)` (or another wrapper's name argument), so
 * each call with a literal name is a read of that name — `mustMapEnv(&svc.addr, "CART_ADDR")`.
 * Found in pass 1 in any package of the module and matched by call in pass 2: `f("X")` in the
 * wrapper's own package, `pkg.F("X")` where `pkg` imports that package.
 *
 * What a call needs comes from what the wrapper does with the value: it fails on empty
 * (panic, log.Fatal, os.Exit) → required; it takes a default or tests presence → optional; it
 * returns an error → required where the caller checks that error; it returns the value → the
 * call site decides, as for a direct read.
 */
import { dirname } from "node:path";
import type { PolicyReader, ReadCollector } from "../scanner.js";
import { isVarName } from "../scanner.js";
import type { Node } from "../syntax.js";
import { callArgs, calleeText, importsOf, items, paramNames, results } from "./ast.js";
import type { Flow } from "./flow.js";
import { ERRORS, FAILS, FLAG, HANDLED, RETURNED, VALUE } from "./flow.js";
import { envCalls, followReturn, report, verdict } from "./reads.js";
import { occurrences } from "./symbols.js";
import type { GoFile, GoWorld } from "./world.js";

export interface Wrapper {
  dir: string;
  name: string;
  /** Which argument (from 0) holds the variable's name. */
  nameAt: number;
}

/** A call inside a function that passes one of its parameters on as another function's argument. */
interface Forward {
  dir: string;
  name: string;
  paramAt: number;
  /** The called function: its package folder (undefined: not of this module) and name. */
  calleeDir: string | undefined;
  callee: string;
  argAt: number;
}

export class Wrappers {
  readonly byKey = new Map<string, Wrapper>();
  /** Names to look for in a file's text (the pass-2 pre-filter). */
  readonly names = new Set<string>();
  private readonly forwards: Forward[] = [];
  private readonly behaviour = new Map<string, number>();

  /** Pass 1: the wrappers a file defines, and the calls that may make more of them. */
  define(file: GoFile, world: GoWorld): void {
    const imports = importsOf(file.root);
    const dir = dirname(file.path);
    const reads = new Map<number, Node>();
    for (const { call, kind } of envCalls(file, imports))
      if (kind === "Getenv" || kind === "LookupEnv") reads.set(call.startIndex, call);
    for (const fn of items(file.root)) {
      const name = fn.childForFieldName("name")?.text;
      if (fn.type !== "function_declaration" || !name) continue;
      const params = paramNames(fn);
      for (const call of fn.descendantsOfType("call_expression")) {
        callArgs(call).forEach((arg, argAt) => {
          const paramAt = arg.type === "identifier" ? params.indexOf(arg.text) : -1;
          if (paramAt < 0) return;
          if (reads.has(call.startIndex) && argAt === 0) this.add({ dir, name, nameAt: paramAt });
          else
            this.forwards.push({ dir, name, paramAt, argAt, ...target(call, dir, imports, world) });
        });
      }
    }
  }

  private add(w: Wrapper): boolean {
    const key = `${w.dir}\0${w.name}`;
    if (this.byKey.has(key)) return false;
    this.byKey.set(key, w);
    this.names.add(w.name);
    return true;
  }

  /** Functions that pass their parameter to a wrapper's name argument are wrappers too. */
  close(): void {
    for (let changed = true; changed;) {
      changed = false;
      for (const f of this.forwards) {
        const inner =
          f.calleeDir !== undefined ? this.byKey.get(`${f.calleeDir}\0${f.callee}`) : undefined;
        if (inner && inner.nameAt === f.argAt)
          changed = this.add({ dir: f.dir, name: f.name, nameAt: f.paramAt }) || changed;
      }
    }
  }

  /** The wrapper a call reaches, if any. */
  at(call: Node, file: GoFile, flow: Flow): Wrapper | undefined {
    const fn = call.childForFieldName("function");
    if (fn?.type === "identifier") return this.byKey.get(`${dirname(file.path)}\0${fn.text}`);
    const operand =
      fn?.type === "selector_expression" ? fn.childForFieldName("operand") : undefined;
    if (operand?.type !== "identifier") return undefined;
    const dir = flow.symbols.aliasDir(operand.text, file);
    const name = fn?.childForFieldName("field")?.text;
    return dir !== undefined && name ? this.byKey.get(`${dir}\0${name}`) : undefined;
  }

  /** Pass 2: each call of a wrapper in this file, as a read of the name it is given. */
  scan(file: GoFile, flow: Flow, out: ReadCollector, readers: readonly PolicyReader[]): void {
    for (const name of this.names) {
      if (!file.text.includes(`${name}(`)) continue;
      for (const hit of occurrences(
        file,
        file.root,
        name,
        new Set(["identifier", "field_identifier"]),
      )) {
        const fn = hit.type === "identifier" ? hit : hit.parent;
        const call = fn?.parent;
        if (
          call?.type !== "call_expression" ||
          call.childForFieldName("function")?.startIndex !== fn?.startIndex
        )
          continue;
        const wrapper = this.at(call, file, flow);
        // A wrapper the policy file declares is reported as declared (scanPolicyReaders).
        if (!wrapper || readers.some((r) => r.call === calleeText(call))) continue;
        const arg = callArgs(call)[wrapper.nameAt];
        if (arg?.type === "identifier" && isParamOfWrapper(arg, file, this)) continue;
        const value = arg ? flow.symbols.fold(arg, file) : undefined;
        if (value === undefined || !isVarName(value)) {
          out.dynamicRead(call);
          continue;
        }
        const need = verdict(this.callSite(call, file, wrapper, flow));
        report(out, flow, file, { name: value, node: call, need, via: `${calleeText(call)}()` });
      }
    }
  }

  /** What one call of a wrapper does when the variable is absent. */
  callSite(call: Node, file: GoFile, wrapper: Wrapper, flow: Flow, depth = 0): number {
    const found = flow.symbols.func(wrapper.dir, wrapper.name);
    if (!found || depth > 4) return 0;
    const inside = this.inside(wrapper, found.node, found.file, flow, depth);
    if (inside & FAILS) return FAILS;
    if (inside & HANDLED) return HANDLED;
    let out = 0;
    const { count } = results(found.node);
    if (inside & ERRORS) out |= flow.errorChecked(call, found.node, file, 1);
    if (inside & RETURNED)
      out |= followReturn(flow, call, file, flow.result(call, 0, count, file, VALUE, 1));
    return out;
  }

  /** What the wrapper's body does with the value it reads (cached per wrapper). */
  private inside(wrapper: Wrapper, fn: Node, file: GoFile, flow: Flow, depth: number): number {
    const key = `${wrapper.dir}\0${wrapper.name}`;
    const known = this.behaviour.get(key);
    if (known !== undefined) return known;
    this.behaviour.set(key, 0);
    const param = paramNames(fn)[wrapper.nameAt];
    const imports = flow.symbols.importsOf(file);
    let out = 0;
    for (const { call, kind } of envCalls(file, imports)) {
      if (!within(call, fn) || callArgs(call)[0]?.text !== param) continue;
      if (kind === "Getenv") out |= flow.of(call, file, VALUE);
      if (kind === "LookupEnv") {
        const s = flow.result(call, 0, 2, file, VALUE) | flow.result(call, 1, 2, file, FLAG);
        out |= s & (FAILS | ERRORS) ? s : s | HANDLED;
      }
    }
    for (const call of fn.descendantsOfType("call_expression")) {
      const inner = this.at(call, file, flow);
      if (inner && callArgs(call)[inner.nameAt]?.text === param && inner !== wrapper)
        out |= this.callSite(call, file, inner, flow, depth + 1);
    }
    this.behaviour.set(key, out);
    return out;
  }
}

/** Policy-declared readers: calls whose callee text is the reader's `call`. */
export function scanPolicyReaders(
  readers: readonly PolicyReader[],
  file: GoFile,
  flow: Flow,
  out: ReadCollector,
): void {
  for (const reader of readers) {
    const last = reader.call.split(".").at(-1) ?? reader.call;
    if (!file.text.includes(last)) continue;
    for (const hit of occurrences(
      file,
      file.root,
      last,
      new Set(["identifier", "field_identifier"]),
    )) {
      let call = hit.parent;
      if (call?.type === "selector_expression") call = call.parent;
      if (call?.type !== "call_expression" || calleeText(call) !== reader.call) continue;
      const arg = callArgs(call)[reader.nameArg - 1];
      const value = arg ? flow.symbols.fold(arg, file) : undefined;
      if (value === undefined || !isVarName(value)) out.dynamicRead(call);
      else {
        const need = reader.required ? "required" : "optional";
        report(out, flow, file, {
          name: value,
          node: call,
          need,
          via: `${reader.call}() (policy reader)`,
        });
      }
    }
  }
}

function target(
  call: Node,
  dir: string,
  imports: Map<string, string>,
  world: GoWorld,
): { calleeDir: string | undefined; callee: string } {
  const fn = call.childForFieldName("function");
  if (fn?.type === "identifier") return { calleeDir: dir, callee: fn.text };
  const operand = fn?.type === "selector_expression" ? fn.childForFieldName("operand") : undefined;
  const path = operand?.type === "identifier" ? imports.get(operand.text) : undefined;
  return {
    calleeDir: path === undefined ? undefined : world.packageDir(path, dir),
    callee: fn?.childForFieldName("field")?.text ?? "",
  };
}

function within(node: Node, outer: Node): boolean {
  return node.startIndex >= outer.startIndex && node.endIndex <= outer.endIndex;
}

/** A wrapper forwarding its own parameter to another wrapper: its calls are the reads. */
function isParamOfWrapper(arg: Node, file: GoFile, wrappers: Wrappers): boolean {
  for (let p = arg.parent; p; p = p.parent) {
    if (p.type !== "function_declaration") continue;
    const name = p.childForFieldName("name")?.text ?? "";
    return paramNames(p).includes(arg.text) && wrappers.byKey.has(`${dirname(file.path)}\0${name}`);
  }
  return false;
}
