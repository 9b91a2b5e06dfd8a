/**
 * Renders a template (a quoted string, a heredoc, a template file): literal text, `${}`
 * interpolations and `%{ if }` / `%{ for }` directives. A template with unknown parts becomes an
 * Unknown that keeps the known text in `pattern`.
 */
import type { Node, TemplatePart } from "./ast.js";
import { textOf } from "./ast.js";
import type { Evaluator } from "./eval.js";
import { entriesOf } from "./operators.js";
import type { Value } from "./value.js";
import { Unknown, toStr } from "./value.js";

export function renderTemplate(ev: Evaluator, node: Node, parts: TemplatePart[]): Value {
  const only = parts.length === 1 ? parts[0] : undefined;
  // "${x}" alone is x itself, with its type (a list stays a list).
  if (only !== undefined && typeof only !== "string" && only.kind === "interp")
    return ev.eval(only.expr);
  const out: (string | Unknown)[] = [];
  renderParts(ev, parts, out);
  const unknowns = out.filter((p): p is Unknown => p instanceof Unknown);
  if (unknowns.length === 0) return out.join("");
  const merged: (string | Unknown)[] = [];
  for (const p of out) {
    const last = merged[merged.length - 1];
    if (typeof p === "string" && typeof last === "string") merged[merged.length - 1] = last + p;
    else merged.push(p);
  }
  return new Unknown(textOf(node), (unknowns[0] as Unknown).reason, merged);
}

function renderParts(ev: Evaluator, parts: TemplatePart[], out: (string | Unknown)[]): void {
  for (const part of parts) {
    if (typeof part === "string") {
      out.push(part);
    } else if (part.kind === "interp") {
      const v = ev.eval(part.expr);
      const s = v instanceof Unknown ? v : toStr(v);
      out.push(
        s ??
          (v === null
            ? ""
            : new Unknown(
                textOf(part.expr),
                `a ${Array.isArray(v) ? "list" : "map"} cannot be put into a string`,
              )),
      );
    } else if (part.kind === "if") {
      const test = ev.eval(part.test);
      if (test instanceof Unknown)
        out.push(
          new Unknown(
            textOf(part.test),
            `the template condition cannot be resolved (${test.reason})`,
          ),
        );
      else renderParts(ev, test ? part.then : part.else, out);
    } else {
      const coll = ev.eval(part.coll);
      if (coll instanceof Unknown) {
        out.push(
          new Unknown(textOf(part.coll), `the template loop cannot be resolved (${coll.reason})`),
        );
        continue;
      }
      for (const [k, v] of entriesOf(coll)) {
        const names: Record<string, Value> = { [part.valVar]: v };
        if (part.keyVar) names[part.keyVar] = k;
        renderParts(ev.with(names), part.body, out);
      }
    }
  }
}
