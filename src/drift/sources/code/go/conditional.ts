/**
 * A read that only runs under a condition on another variable is not plainly required:
 *
 * - in the branch taken when X is absent (`if conn, ok := os.LookupEnv("MYSQL_CONNECTION");
 *   ok { … } else { user := mustEnv("DB_USER") }`), setting X satisfies it too: X becomes an
 *   alternative of the read;
 * - in the branch taken only when X is set (`if os.Getenv("ENABLE_TRACING") == "1" {
 *   initTracing() }`, and initTracing's `mustMapEnv(…, "COLLECTOR_SERVICE_ADDR")`), the read is
 *   required only with X, which a deployment may leave out: it is unknown, with the condition
 *   named.
 *
 * Conditions are read from the `if`s around the read in its function and, one or two calls up,
 * from the `if`s around every call of that function in its package.
 */
import { dirname } from "node:path";
import type { Node } from "../syntax.js";
import { callArgs, calleeText, enclosingFunction, items, unwrap } from "./ast.js";
import type { Failures } from "./fail.js";
import { HANDLED } from "./fail.js";
import type { Absent } from "./guard.js";
import { conditionsAround, whenAbsent } from "./guard.js";
import type { Symbols } from "./symbols.js";
import { occurrences } from "./symbols.js";
import type { GoFile } from "./world.js";

export interface Condition {
  /** Variables whose presence satisfies the read instead (it runs only when they are absent). */
  alternatives: string[];
  /** Variables without which the read never runs. */
  onlyWhen: string[];
}

const ENV_CALL = /(?:^|\.)(?:Getenv|LookupEnv)$/;
const ZERO_PRESERVING = /^(?:len|strings\.(?:TrimSpace|ToLower|ToUpper))$/;
const MAX_CALLERS = 2;
const CALLEES = new Set(["identifier", "field_identifier"]);

export class Conditions {
  constructor(
    private readonly symbols: Symbols,
    private readonly failures: Failures,
  ) {}

  of(node: Node, file: GoFile, own: string, depth = 0): Condition {
    const out: Condition = { alternatives: [], onlyWhen: [] };
    for (const { cond, runsWhen, instead } of conditionsAround(node, this.failures, file)) {
      for (const [name, absent] of this.envStates(cond, file)) {
        const truth = name === own ? undefined : whenAbsent(cond, absent);
        if (truth === undefined) continue;
        if (truth === runsWhen) out.alternatives.push(name);
        // Without X the code fails instead: X is required itself, this read still runs.
        else if (instead?.type !== "block" || this.failures.block(instead, file) === HANDLED)
          out.onlyWhen.push(name);
      }
    }
    if (out.onlyWhen.length === 0 && depth < MAX_CALLERS) {
      const callers = this.callers(node, file).map(({ call, file: f }) =>
        this.of(call, f, own, depth + 1),
      );
      if (callers.length > 0 && callers.every((c) => c.onlyWhen.length > 0))
        out.onlyWhen.push(...(callers[0]?.onlyWhen ?? []));
      else if (callers.length > 0 && callers.every((c) => c.alternatives.length > 0))
        out.alternatives.push(...(callers[0]?.alternatives ?? []));
    }
    return { alternatives: [...new Set(out.alternatives)], onlyWhen: [...new Set(out.onlyWhen)] };
  }

  /** The calls in the package of the named function or method around `node`. */
  private callers(node: Node, file: GoFile): { call: Node; file: GoFile }[] {
    const fn = enclosingFunction(node);
    const name = fn?.childForFieldName("name")?.text;
    if (!fn || !name || fn.type === "func_literal" || name === "main" || name === "init") return [];
    const out: { call: Node; file: GoFile }[] = [];
    for (const f of this.symbols.world.filesMentioning(dirname(file.path), name)) {
      for (const hit of occurrences(f, f.root, name, CALLEES)) {
        const callee = hit.type === "identifier" ? hit : hit.parent;
        const call = callee?.parent;
        if (call?.type !== "call_expression") continue;
        if (call.childForFieldName("function")?.startIndex !== callee?.startIndex) continue;
        if ((hit.type === "identifier") !== (fn.type === "function_declaration")) continue;
        out.push({ call, file: f });
      }
    }
    return out;
  }

  /**
   * The environment variables a condition tests, each with what its spellings are when it is
   * absent: the read itself (`os.Getenv("X") == "1"`), a local or package-level variable given
   * the read (`v, ok := os.LookupEnv("X")`) or a boolean made from it
   * (`tracing := os.Getenv("T") == "1"`).
   */
  private envStates(cond: Node, file: GoFile): Map<string, Map<string, "zero" | boolean>> {
    const out = new Map<string, Map<string, "zero" | boolean>>();
    const add = (name: string, spelled: string, state: "zero" | boolean) => {
      const m = out.get(name) ?? new Map<string, "zero" | boolean>();
      m.set(spelled.replace(/\s+/g, ""), state);
      out.set(name, m);
    };
    for (const call of [cond, ...cond.descendantsOfType("call_expression")]) {
      const name = this.envName(call, file);
      if (name !== undefined) add(name, call.text, "zero");
    }
    for (const id of [cond, ...cond.descendantsOfType("identifier")]) {
      if (id.type !== "identifier") continue;
      const decl = this.declaration(id, file);
      if (!decl) continue;
      const { value, names, file: at } = decl;
      for (const call of [value, ...value.descendantsOfType("call_expression")]) {
        const name = this.envName(call, at);
        if (name === undefined) continue;
        if (isRead(unwrap(value), call)) {
          const both = calleeText(call).endsWith("LookupEnv") && names.length === 2;
          for (const n of both ? names : [id.text]) add(name, n, "zero");
        } else {
          const truth = whenAbsent(
            value,
            new Map([[call.text.replace(/\s+/g, ""), "zero"]]) as Absent,
          );
          if (truth !== undefined) add(name, id.text, truth);
        }
        break;
      }
    }
    return out;
  }

  private envName(call: Node, file: GoFile): string | undefined {
    if (call.type !== "call_expression" || !ENV_CALL.test(calleeText(call))) return undefined;
    const arg = callArgs(call)[0];
    return arg ? this.symbols.fold(arg, file) : undefined;
  }

  /** Where `id` got its value: a declaration in its function, or at package level. */
  private declaration(
    id: Node,
    file: GoFile,
  ): { value: Node; names: string[]; file: GoFile } | undefined {
    const scopes: { node: Node; file: GoFile }[] = [];
    for (let f = enclosingFunction(id); f; f = enclosingFunction(f)) scopes.push({ node: f, file });
    for (const f of this.symbols.world.filesMentioning(dirname(file.path), id.text))
      for (const d of items(f.root))
        if (d.type === "var_declaration") scopes.push({ node: d, file: f });
    for (const scope of scopes) {
      for (const d of scope.node.descendantsOfType([
        "short_var_declaration",
        "var_spec",
        "assignment_statement",
      ])) {
        const left =
          d.type === "var_spec"
            ? d.childrenForFieldName("name")
            : items(d.childForFieldName("left"));
        const right = items(d.childForFieldName(d.type === "var_spec" ? "value" : "right"));
        const at = left.findIndex((n) => n.text === id.text);
        const value = right.length === 1 ? right[0] : right[at];
        if (at >= 0 && value) return { value, names: left.map((n) => n.text), file: scope.file };
      }
    }
    return undefined;
  }
}

/** The value is the read, or the read through a call that keeps it empty (`strings.ToLower`). */
function isRead(value: Node, call: Node): boolean {
  if (value.startIndex === call.startIndex && value.endIndex === call.endIndex) return true;
  if (value.type !== "call_expression" || !ZERO_PRESERVING.test(calleeText(value))) return false;
  const arg = callArgs(value)[0];
  return !!arg && isRead(unwrap(arg), call);
}
