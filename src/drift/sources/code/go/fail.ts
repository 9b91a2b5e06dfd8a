/**
 * What runs when a variable is absent, and does it fail? A test on the value (`v == ""`,
 * `!ok`, `err != nil`) is climbed through `!`, `||`, `&&` to the `if` or `switch` case it
 * decides; the branch taken when the variable is absent decides whether it is required: a `panic`, `os.Exit`, any `.Fatal*` or `.Panic*` logger call
 * (`log.Fatal`, `klog.Fatalf`, `logger.Fatal`, zap's `Fatalw`), an `http.Error` with a 5xx
 * status, or a call to a function of the module that does one of those unconditionally, all
 * FAIL; a `return` that hands back a non-nil error (`fmt.Errorf`, `errors.New`, a sentinel
 * `ErrX`) ERRORS. Anything else handles the absence.
 */
import type { Node } from "../syntax.js";
import { calleeText, isZeroLiteral, items, operator, same, statements, unwrap } from "./ast.js";
import type { Symbols } from "./symbols.js";
import type { GoFile } from "./world.js";

export const FAILS = 1;
export const ERRORS = 2;
export const HANDLED = 4;
/** The value leaves the function through `return`: its caller decides. */
export const RETURNED = 8;

const FATAL_METHOD = /^(?:Fatal|Panic)\w*$/;
const EXIT = /^Exit\w*$/;
const SERVER_ERROR =
  /(?:StatusInternalServerError|StatusServiceUnavailable|StatusBadGateway|StatusNotImplemented|^5\d\d)$/;
/** `fmt.Errorf`, `errors.New`, `pkgerrors.Wrap`, `status.Error`, `newConfigErr(…)`. */
const ERROR_CALL = /[Ee]rr|(?:^|\.)(?:Wrapf?|WithMessagef?|WithStack)$/;
const MAX_DEPTH = 4;

export class Failures {
  private readonly bodies = new Map<string, boolean>();

  constructor(private readonly symbols: Symbols) {}

  /** FAILS / ERRORS when the block's own statements (not nested conditionals) fail, else HANDLED. */
  block(block: Node | null | undefined, file: GoFile, depth = 0): number {
    for (const s of statements(block)) {
      if (s.type === "expression_statement") {
        const call = items(s)[0];
        if (call?.type === "call_expression" && this.isFailCall(call, file, depth)) return FAILS;
      } else if (s.type === "return_statement") {
        return this.returnsError(s, file) ? ERRORS : HANDLED;
      } else if (s.type === "block") {
        const inner = this.block(s, file, depth);
        if (inner !== HANDLED) return inner;
      }
    }
    return HANDLED;
  }

  /** Does the block always leave (return, fail, break, continue, goto) at its end? */
  leaves(block: Node | null | undefined, file: GoFile): boolean {
    const last = statements(block).at(-1);
    if (!last) return false;
    if (/^(?:return|break|continue|goto)_statement$/.test(last.type)) return true;
    const call = last.type === "expression_statement" ? items(last)[0] : undefined;
    return call?.type === "call_expression" && this.isFailCall(call, file, 0);
  }

  /**
   * What runs after `stmt` (an `if` whose branch left) up to the next statement that may leave:
   * `if v != "" { return v }; panic("…")` fails when v is empty.
   */
  after(stmt: Node, file: GoFile): number {
    let seen = 0;
    for (let s = stmt.nextNamedSibling; s && seen < 8; s = s.nextNamedSibling) {
      if (s.type === "comment") continue;
      seen++;
      if (s.type === "return_statement") return this.returnsError(s, file) ? ERRORS : HANDLED;
      const call = s.type === "expression_statement" ? items(s)[0] : undefined;
      if (call?.type === "call_expression" && this.isFailCall(call, file, 0)) return FAILS;
      if (s.descendantsOfType("return_statement").length > 0) return HANDLED;
    }
    return HANDLED;
  }

  /**
   * A boolean `start` is `truth` when the variable is absent: climb through `!`, `||`, `&&` and
   * parentheses to the `if` it decides, and see what that branch does.
   */
  condition(start: Node, truth: boolean, file: GoFile, depth: number): number {
    let node = start;
    let t = truth;
    for (let p = node.parent; p; node = p, p = node.parent) {
      if (p.type === "parenthesized_expression") continue;
      if (p.type === "unary_expression" && operator(p) === "!") {
        t = !t;
        continue;
      }
      if (p.type === "binary_expression") {
        const op = operator(p);
        if ((op === "||" && t) || (op === "&&" && !t)) continue;
        return HANDLED;
      }
      if (p.type === "if_statement" && same(p.childForFieldName("condition"), node))
        return this.branch(p, t, file, depth);
      if (p.type === "expression_list" && p.parent?.type === "expression_case" && t)
        return this.block(p.parent, file);
      return HANDLED;
    }
    return HANDLED;
  }

  private branch(ifNode: Node, taken: boolean, file: GoFile, depth: number): number {
    const consequence = ifNode.childForFieldName("consequence");
    if (taken) return this.block(consequence, file, depth);
    const alternative = ifNode.childForFieldName("alternative");
    if (alternative?.type === "block") return this.block(alternative, file, depth);
    if (alternative) return HANDLED;
    return this.leaves(consequence, file) ? this.after(ifNode, file) : HANDLED;
  }

  /** `switch os.Getenv("MODE") { case "": …; default: … }`: the case an empty value takes. */
  switchOn(sw: Node, file: GoFile): number {
    const cases = items(sw).filter(
      (c) => c.type === "expression_case" || c.type === "default_case",
    );
    const empty =
      cases.find(
        (c) =>
          c.type === "expression_case" && items(c.childForFieldName("value")).some(isZeroLiteral),
      ) ?? cases.find((c) => c.type === "default_case");
    return empty ? this.block(empty, file) : HANDLED;
  }

  isFailCall(call: Node, file: GoFile, depth: number): boolean {
    const fn = call.childForFieldName("function");
    if (!fn) return false;
    if (fn.type === "identifier" && fn.text === "panic") return true;
    if (fn.type === "selector_expression") {
      const name = fn.childForFieldName("field")?.text ?? "";
      if (FATAL_METHOD.test(name)) return true;
      const qualified = this.symbols.qualified(call, file);
      const path = qualified.slice(0, qualified.length - name.length - 1);
      if (EXIT.test(name) && /^(?:os|syscall)$|klog|glog/.test(path)) return true;
      if (qualified === "net/http.Error") {
        const status = items(call.childForFieldName("arguments"))[2]?.text ?? "";
        return SERVER_ERROR.test(status);
      }
    }
    return depth < MAX_DEPTH && this.calleeFails(call, file, depth);
  }

  /** A call to a function of the module whose body fails unconditionally (`usage()`, `die(…)`). */
  private calleeFails(call: Node, file: GoFile, depth: number): boolean {
    const key = `${file.path}\0${calleeText(call)}`;
    const known = this.bodies.get(key);
    if (known !== undefined) return known;
    this.bodies.set(key, false);
    const target = this.symbols.callee(call, file);
    const fails =
      !!target &&
      this.block(target.node.childForFieldName("body"), target.file, depth + 1) === FAILS;
    this.bodies.set(key, fails);
    return fails;
  }

  /** `return …, fmt.Errorf(…)`, `return errors.New(…)`, `return ErrMissing`, `return &ConfigError{…}`. */
  returnsError(ret: Node, file: GoFile): boolean {
    const values = items(items(ret)[0]?.type === "expression_list" ? items(ret)[0] : ret);
    return values.some((v) => this.isError(unwrap(v), file));
  }

  private isError(n: Node, file: GoFile): boolean {
    switch (n.type) {
      case "identifier":
        // A named sentinel (`ErrNotSet`, `errMissing`); a bare `err` may well be nil.
        return /^(?:err|Err)[A-Z_]/.test(n.text);
      case "selector_expression":
        return /^Err/.test(n.childForFieldName("field")?.text ?? "");
      case "call_expression": {
        return ERROR_CALL.test(this.symbols.qualified(n, file));
      }
      case "unary_expression":
      case "composite_literal": {
        const type = n.type === "composite_literal" ? n : items(n)[0];
        return /Err(?:or)?$/.test(type?.childForFieldName("type")?.text ?? "");
      }
      default:
        return false;
    }
  }
}
