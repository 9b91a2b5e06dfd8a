/**
 * Direct reads: `os.Getenv`, `os.LookupEnv` (also `syscall.*`, an aliased or dot import of
 * `os`), and the names written inside `os.ExpandEnv("$X ${Y}")` / `os.Expand(s, os.Getenv)`.
 * A name may be a literal or a string constant of the module (`os.Getenv(keyName)`); any other
 * name is a dynamic read — except a function's own parameter, which makes the function a wrapper
 * (wrappers.ts reports its calls instead).
 */
import { dirname } from "node:path";
import type { Need } from "../../../model.js";
import type { ReadCollector } from "../scanner.js";
import { isVarName } from "../scanner.js";
import type { Node } from "../syntax.js";
import { callArgs, enclosingFunction, paramNames, results } from "./ast.js";
import type { Flow } from "./flow.js";
import { guarded, zeroes } from "./guard.js";
import { ERRORS, FAILS, FLAG, HANDLED, RETURNED, VALUE } from "./flow.js";
import { occurrences } from "./symbols.js";
import type { GoFile } from "./world.js";

export type EnvCall = "Getenv" | "LookupEnv" | "ExpandEnv" | "Expand";
const CALLS: readonly EnvCall[] = ["Getenv", "LookupEnv", "ExpandEnv", "Expand"];
const ENV_PACKAGES = new Set(["os", "syscall"]);
const CALLEE = new Set(["field_identifier", "identifier"]);
const SPECIAL = /^[*#$@!?\-0-9]$/;
const MAX_CALLER_DEPTH = 3;

/** The environment calls in a file: `os.Getenv(…)` and its kin, with which one each is. */
export function envCalls(
  file: GoFile,
  imports: Map<string, string>,
): { call: Node; kind: EnvCall }[] {
  const out: { call: Node; kind: EnvCall }[] = [];
  for (const kind of CALLS) {
    if (!file.text.includes(kind)) continue;
    for (const hit of occurrences(file, file.root, kind, CALLEE)) {
      const call = envCallAt(hit, imports);
      if (call) out.push({ call, kind });
    }
  }
  return out;
}

function envCallAt(hit: Node, imports: Map<string, string>): Node | undefined {
  let fn: Node = hit;
  if (hit.type === "field_identifier") {
    const sel = hit.parent;
    const operand = sel?.childForFieldName("operand");
    if (sel?.type !== "selector_expression" || operand?.type !== "identifier") return undefined;
    if (!ENV_PACKAGES.has(imports.get(operand.text) ?? "")) return undefined;
    fn = sel;
  } else if (imports.get(".") !== "os") {
    return undefined;
  }
  const call = fn.parent;
  return call?.type === "call_expression" &&
    call.childForFieldName("function")?.startIndex === fn.startIndex
    ? call
    : undefined;
}

/** required when emptiness fails, optional when it is handled, else unknown (never guessed). */
export function verdict(signals: number, otherwise: Need = "unknown"): Need {
  if (signals & (FAILS | ERRORS)) return "required";
  if (signals & HANDLED) return "optional";
  return otherwise;
}

/** Is this argument the enclosing top-level function's own parameter (a wrapper's name)? */
export function isOwnParam(arg: Node | undefined): boolean {
  if (arg?.type !== "identifier") return false;
  const fn = enclosingFunction(arg);
  return fn?.type === "function_declaration" && paramNames(fn).includes(arg.text);
}

export function scanDirectReads(
  file: GoFile,
  imports: Map<string, string>,
  flow: Flow,
  out: ReadCollector,
): void {
  for (const { call, kind } of envCalls(file, imports)) {
    const args = callArgs(call);
    const via = `${imports.get(call.childForFieldName("function")?.childForFieldName("operand")?.text ?? ".")}.${kind}`;
    if (kind === "ExpandEnv" || kind === "Expand") {
      if (kind === "Expand" && !/(?:^|\.)Getenv$/.test(args[1]?.text ?? "")) continue;
      const template = args[0] ? flow.symbols.fold(args[0], file) : undefined;
      if (template === undefined) out.dynamicRead(call);
      else for (const name of expansions(template)) out.read(name, call, "optional", via);
      continue;
    }
    if (isOwnParam(args[0])) continue;
    const name = args[0] ? flow.symbols.fold(args[0], file) : undefined;
    if (name === undefined || !isVarName(name)) {
      out.dynamicRead(call);
      continue;
    }
    if (guarded(call, zeroes([call.text.replace(/\s+/g, "")]), flow.failures, file)) {
      // Only reached once the same read was found set: `if os.Getenv("X") != "" { … }`.
      out.read(name, call, "optional", via);
    } else if (kind === "LookupEnv") {
      const signals = flow.result(call, 0, 2, file, VALUE) | flow.result(call, 1, 2, file, FLAG);
      report(out, flow, file, { name, node: call, need: verdict(signals, "optional"), via });
    } else {
      const signals = followReturn(flow, call, file, flow.of(call, file, VALUE));
      report(out, flow, file, { name, node: call, need: verdict(signals), via });
    }
  }
}

/**
 * Records a read. A required one is first checked for conditions on other variables
 * (conditional.ts): reached only when X is set → unknown, saying so; reached only when X is
 * absent → X is an alternative.
 */
export function report(
  out: ReadCollector,
  flow: Flow,
  file: GoFile,
  r: { name: string; node: Node; need: Need; via: string },
): void {
  if (r.need !== "required") return out.read(r.name, r.node, r.need, r.via);
  const cond = flow.conditions.of(r.node, file, r.name);
  if (cond.onlyWhen.length > 0) {
    const when = cond.onlyWhen.join(" / ");
    return out.read(r.name, r.node, "unknown", `${r.via}, only reached when ${when} is set`);
  }
  out.read(r.name, r.node, r.need, r.via);
  const last = out.result.reads.at(-1);
  if (last && cond.alternatives.length > 0) last.read.alternatives = cond.alternatives;
}

/**
 * A value returned by a package function with one result (a getter such as
 * `func dbURL() string { return os.Getenv("DB_URL") }`): what its callers in the package do.
 */
export function followReturn(
  flow: Flow,
  node: Node,
  file: GoFile,
  signals: number,
  depth = 0,
): number {
  if (!(signals & RETURNED) || depth >= MAX_CALLER_DEPTH) return signals;
  const fn = enclosingFunction(node);
  const name = fn?.childForFieldName("name")?.text;
  if (fn?.type !== "function_declaration" || !name || results(fn).count !== 1) return signals;
  let out = signals;
  for (const f of flow.symbols.world.filesMentioning(dirname(file.path), name)) {
    for (const id of occurrences(f, f.root, name, new Set(["identifier"]))) {
      const call = id.parent;
      if (
        call?.type !== "call_expression" ||
        call.childForFieldName("function")?.startIndex !== id.startIndex
      )
        continue;
      out |= followReturn(flow, call, f, flow.of(call, f, VALUE), depth + 1);
    }
  }
  return out;
}

/** The variable names os.Expand looks up in a template, by its own scanning rules. */
export function expansions(s: string): string[] {
  const out: string[] = [];
  for (let j = 0; j < s.length - 1; j++) {
    if (s[j] !== "$") continue;
    const rest = s.slice(j + 1);
    let name = "";
    let width: number;
    if (rest[0] === "{") {
      const close = rest.indexOf("}");
      if (rest.length > 2 && SPECIAL.test(rest[1] ?? "") && rest[2] === "}")
        [name, width] = ["", 3];
      else if (close < 0) width = 1;
      else [name, width] = [rest.slice(1, close), close + 1];
    } else if (SPECIAL.test(rest[0] ?? "")) {
      width = 1;
    } else {
      name = /^[A-Za-z0-9_]*/.exec(rest)?.[0] ?? "";
      width = name.length;
    }
    if (isVarName(name)) out.push(name);
    j += width;
  }
  return out;
}
