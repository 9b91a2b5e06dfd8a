/**
 * What Go code does with an environment value when the variable is absent, followed through the
 * syntax tree: into locals, package-level variables and struct fields (checked anywhere in the
 * package), function parameters of the module, `strconv` parse errors and `switch` cases.
 *
 * The answer is a set of signals (fail.ts): FAILS or ERRORS when the empty value leads to a
 * failure, HANDLED when the code tests for it or uses the empty string as a value, RETURNED when
 * it leaves the function. A use whose effect cannot be seen (passed to a library, only logged)
 * adds nothing, so a read with no other use stays unknown — the rule for values "passed on":
 * they are unknown, not optional, unless something in the code shows what the empty string does.
 */
import { dirname } from "node:path";
import type { Node } from "../syntax.js";
import { isAssigned, isZeroLiteral, items, operator, paramNames, results, same } from "./ast.js";
import { Conditions } from "./conditional.js";
import { ERRORS, FAILS, Failures, HANDLED, RETURNED } from "./fail.js";
import { guarded, zeroes } from "./guard.js";
import { declaringFunction, homeList, isDeclaration, localScope, zeroPeers } from "./scope.js";
import type { Found, Symbols } from "./symbols.js";
import { occurrences } from "./symbols.js";
import type { GoFile } from "./world.js";

export { ERRORS, FAILS, HANDLED, RETURNED };

/**
 * What is followed: the variable's value (empty when absent), an `error` (non-nil when it is
 * absent) or an `ok` flag (false when absent).
 */
export interface Mode {
  kind: "value" | "error" | "flag";
  /** Whether the followed thing is its zero value ("", nil, false, 0) when the variable is absent. */
  zero: boolean;
}
export const VALUE: Mode = { kind: "value", zero: true };
export const ERROR: Mode = { kind: "error", zero: false };
export const FLAG: Mode = { kind: "flag", zero: true };

const MAX_DEPTH = 6;
const MAX_USES = 40;
const IDENT = new Set(["identifier"]);
const FIELD = new Set(["field_identifier"]);
/** Calls whose result is empty exactly when their argument is: the value flows on. */
const TRANSPARENT =
  /^(?:strings\.(?:TrimSpace|ToLower|ToUpper|ToTitle|Trim|TrimLeft|TrimRight|TrimPrefix|TrimSuffix)|len|string|\[\]byte)$/;
/** Parsers that fail on "": their error is followed (`n, err := strconv.Atoi(v)`). */
const PARSERS =
  /^(?:strconv\.(?:Atoi|ParseInt|ParseUint|ParseFloat|ParseBool)|time\.ParseDuration)$/;
/** The value is used as text: the empty string is a working value. */
const TEXT_USE =
  /^(?:fmt\.Sprint\w*|strings\.\w+|path\.\w+|path\/filepath\.\w+|net\.JoinHostPort|net\/url\.JoinPath|strconv\.Quote)$/;

export class Flow {
  readonly failures: Failures;
  readonly conditions: Conditions;
  private readonly cache = new Map<string, number>();
  private readonly active = new Set<string>();

  constructor(readonly symbols: Symbols) {
    this.failures = new Failures(symbols);
    this.conditions = new Conditions(symbols, this.failures);
  }

  /** Signals for the expression `node` (a read, a wrapper call) whose value is followed. */
  of(node: Node, file: GoFile, mode: Mode, depth = 0): number {
    const p = node.parent;
    if (!p || depth > MAX_DEPTH) return 0;
    switch (p.type) {
      case "parenthesized_expression":
        return this.of(p, file, mode, depth);
      case "argument_list": {
        const call = p.parent;
        const index = items(p).findIndex((c) => same(c, node));
        return call?.type === "call_expression" ? this.argument(call, index, file, mode, depth) : 0;
      }
      case "binary_expression":
        return this.binary(p, node, file, mode, depth);
      case "unary_expression":
        return operator(p) === "!" ? this.failures.condition(p, mode.zero, file, depth) : 0;
      case "if_statement":
        return same(p.childForFieldName("condition"), node)
          ? this.failures.condition(node, !mode.zero, file, depth)
          : 0;
      case "expression_list":
        return this.listed(p, node, file, mode, depth);
      case "expression_switch_statement":
        return same(p.childForFieldName("value"), node) ? this.failures.switchOn(p, file) : 0;
      case "literal_element":
        return mode.kind === "value" ? this.element(p, file, depth) : 0;
      case "index_expression":
      case "slice_expression":
        return mode.kind === "value" ? HANDLED : 0;
      default:
        return 0;
    }
  }

  /** Result `index` of `count` of a call: the call itself, or the variable it is assigned to. */
  result(call: Node, index: number, count: number, file: GoFile, mode: Mode, depth = 0): number {
    if (count <= 1) return this.of(call, file, mode, depth);
    const list = call.parent;
    const stmt = list?.parent;
    if (list?.type !== "expression_list" || !stmt || items(list).length !== 1) return 0;
    if (stmt.type === "return_statement")
      return mode.kind === "value" ? RETURNED : mode.kind === "error" ? ERRORS : 0;
    const left =
      stmt.type === "var_spec"
        ? stmt.childrenForFieldName("name")
        : same(stmt.childForFieldName("right"), list)
          ? items(stmt.childForFieldName("left"))
          : [];
    const target = left.length === count ? left[index] : undefined;
    return target ? this.target(target, file, mode, depth) : 0;
  }

  private listed(list: Node, node: Node, file: GoFile, mode: Mode, depth: number): number {
    const stmt = list.parent;
    const index = items(list).findIndex((c) => same(c, node));
    if (!stmt) return 0;
    if (stmt.type === "return_statement")
      return mode.kind === "value" ? RETURNED : mode.kind === "error" ? ERRORS : 0;
    let left: Node[] = [];
    if (stmt.type === "var_spec" && same(stmt.childForFieldName("value"), list))
      left = stmt.childrenForFieldName("name");
    else if (
      (stmt.type === "short_var_declaration" || stmt.type === "assignment_statement") &&
      same(stmt.childForFieldName("right"), list)
    )
      left = items(stmt.childForFieldName("left"));
    if (left.length !== items(list).length) return 0;
    const target = left[index];
    return target ? this.target(target, file, mode, depth) : 0;
  }

  /** The value is stored: follow the local, the package-level variable or the struct field. */
  target(t: Node, file: GoFile, mode: Mode, depth: number): number {
    if (t.type === "identifier") {
      if (t.text === "_") return 0;
      const scope = localScope(t);
      if (scope)
        return this.uses(t.text, scope, t.endIndex, file, mode, depth + 1, {
          zeros: zeroPeers(t),
          home: homeList(t),
        });
      return this.packageUses(dirname(file.path), "id", t.text, mode, depth + 1);
    }
    if (t.type === "selector_expression") {
      const name = t.childForFieldName("field")?.text;
      return name ? this.packageUses(dirname(file.path), "field", name, mode, depth + 1) : 0;
    }
    return 0;
  }

  /**
   * Uses of a local after `after` inside `scope` (writes to it are not uses, nor uses only
   * reached when it is set: guard.ts). `zeros` are the names that are zero when it is absent;
   * a plain reassignment in `home` (the statement list declaring it) ends the value's life:
   * `err` re-declared by the next `x, err := …` no longer holds this read's error.
   */
  uses(
    name: string,
    scope: Node,
    after: number,
    file: GoFile,
    mode: Mode,
    depth: number,
    at: { zeros?: ReadonlySet<string>; home?: Node | undefined } = {},
  ): number {
    const zeros = at.zeros ?? new Set([name]);
    let out = 0;
    let n = 0;
    let killedAt = Infinity;
    const shadows: [number, number][] = [];
    for (const id of occurrences(file, scope, name, IDENT)) {
      if (id.startIndex >= killedAt) break;
      if (id.startIndex < after) continue;
      if (shadows.some(([from, to]) => id.startIndex >= from && id.startIndex < to)) continue;
      if (isAssigned(id)) {
        const stmt = id.parent?.parent;
        if (stmt && at.home && same(stmt.parent, at.home)) killedAt = stmt.endIndex;
        // `ok, x := …` in a nested block declares a new variable there.
        else if (stmt?.type === "short_var_declaration" && stmt.parent)
          shadows.push([stmt.endIndex, stmt.parent.endIndex]);
        continue;
      }
      if (isDeclaration(id)) continue;
      if (mode.zero && guarded(id, zeroes(zeros), this.failures, file)) continue;
      out |= this.of(id, file, mode, depth);
      if (++n >= MAX_USES) break;
    }
    return out;
  }

  /**
   * Uses anywhere in a package of a package-level variable (`id`), of a struct field by its name
   * (`field`: any `x.name`, whatever x is), cached for the check.
   */
  packageUses(dir: string, kind: "id" | "field", name: string, mode: Mode, depth: number): number {
    const key = `${dir}\0${kind}\0${name}\0${mode.kind}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    if (this.active.has(key) || depth > MAX_DEPTH) return 0;
    this.active.add(key);
    let out = 0;
    let n = 0;
    for (const f of this.symbols.world.filesMentioning(dir, name)) {
      for (const hit of occurrences(f, f.root, name, kind === "id" ? IDENT : FIELD)) {
        const node = kind === "id" ? hit : hit.parent;
        if (!node || isAssigned(node) || isDeclaration(hit)) continue;
        if (kind === "id" && declaringFunction(hit)) continue;
        if (kind === "field" && node.type !== "selector_expression") continue;
        const spelled = new Set([node.text.replace(/\s+/g, "")]);
        if (mode.zero && guarded(node, zeroes(spelled), this.failures, f)) continue;
        out |= this.of(node, f, mode, depth);
        if (++n >= MAX_USES) break;
      }
    }
    this.active.delete(key);
    this.cache.set(key, out);
    return out;
  }

  /** What a function of the module does with its parameter `index`. */
  param(target: Found, index: number, mode: Mode, depth: number): number {
    const key = `${target.file.path}\0${target.node.startIndex}\0${index}\0${mode.kind}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    if (this.active.has(key)) return 0;
    this.active.add(key);
    const names = paramNames(target.node);
    const name = names[Math.min(index, names.length - 1)];
    const body = target.node.childForFieldName("body");
    const out =
      name && name !== "_" && body
        ? this.uses(name, body, body.startIndex, target.file, mode, depth + 1, {
            home: items(body).find((c) => c.type === "statement_list"),
          })
        : 0;
    this.active.delete(key);
    this.cache.set(key, out);
    return out;
  }

  private argument(call: Node, index: number, file: GoFile, mode: Mode, depth: number): number {
    if (mode.kind !== "value") return 0;
    const callee = this.symbols.qualified(call, file);
    if (TRANSPARENT.test(callee)) return this.of(call, file, mode, depth);
    if (PARSERS.test(callee))
      return (
        this.result(call, 0, 2, file, VALUE, depth) | this.result(call, 1, 2, file, ERROR, depth)
      );
    if (TEXT_USE.test(callee)) return HANDLED;
    const target = depth < MAX_DEPTH ? this.symbols.callee(call, file) : undefined;
    if (!target) return 0;
    const inner = this.param(target, index, mode, depth);
    let out = inner & ~(RETURNED | ERRORS);
    // A helper returning an error on "": required only where its caller checks that error.
    if (inner & ERRORS) out |= this.errorChecked(call, target.node, file, depth + 1);
    // A helper that hands the value back (`return strings.TrimSpace(v)`): follow its result too.
    if (inner & RETURNED)
      out |= this.result(call, 0, results(target.node).count, file, mode, depth + 1);
    return out;
  }

  /**
   * A call of a module function that returns an error when the variable is absent: ERRORS or
   * FAILS where the caller tests that error and fails (or passes it on); HANDLED where it is
   * ignored (the empty value is then used as is).
   */
  errorChecked(call: Node, fn: Node, file: GoFile, depth: number): number {
    const { count, errorAt } = results(fn);
    if (errorAt === undefined) return ERRORS;
    const checked = this.result(call, errorAt, count, file, ERROR, depth);
    return checked & (FAILS | ERRORS) ? checked & (FAILS | ERRORS) : HANDLED;
  }

  private binary(p: Node, node: Node, file: GoFile, mode: Mode, depth: number): number {
    const op = operator(p);
    const left = p.childForFieldName("left");
    const other = same(left, node) ? p.childForFieldName("right") : left;
    if (!other) return 0;
    if (op === "==" || op === "!=") {
      if (isZeroLiteral(other))
        return this.failures.condition(p, (op === "==") === mode.zero, file, depth);
      return mode.kind === "value" ? HANDLED : 0;
    }
    if ((op === ">" || op === "<" || op === ">=" || op === "<=") && isZeroLiteral(other))
      return mode.zero ? this.failures.condition(p, op.endsWith("="), file, depth) : HANDLED;
    return op === "+" && mode.kind === "value" ? HANDLED : 0;
  }

  /** A composite-literal element: a struct field (`Config{DB: v}`) or a map/slice value. */
  private element(el: Node, file: GoFile, depth: number): number {
    const kv = el.parent;
    if (kv?.type !== "keyed_element" || !same(kv.childForFieldName("value"), el)) return 0;
    const key = items(kv.childForFieldName("key"))[0];
    if (key?.type === "identifier")
      return this.packageUses(dirname(file.path), "field", key.text, VALUE, depth + 1);
    return HANDLED;
  }
}
