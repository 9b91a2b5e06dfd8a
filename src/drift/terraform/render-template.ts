/**
 * Renders a template (a quoted string, a heredoc, a template file): literal text, `${}`
 * interpolations and `%{ if }` / `%{ for }` directives. A template with unknown parts becomes an
 * Unknown that keeps the known text in `pattern`.
 */
import type { Node, TemplatePart } from "./ast.js";
import { textOf } from "./ast.js";
import type { Evaluator } from "./eval.js";
import { LIMITS, tooLong } from "./limits.js";
import { entriesOf, toBool } from "./operators.js";
import { patterned } from "./partial.js";
import type { Value } from "./value.js";
import { Unknown, toStr } from "./value.js";

export function renderTemplate(ev: Evaluator, node: Node, parts: TemplatePart[]): Value {
  const only = parts.length === 1 ? parts[0] : undefined;
  // "${x}" alone is x itself, with its type (a list stays a list).
  if (only !== undefined && typeof only !== "string" && only.kind === "interp")
    return ev.eval(only.expr);
  const out: (string | Unknown)[] = [];
  const length = { n: 0 };
  const failed = renderParts(ev, parts, out, length);
  if (failed) return failed;
  if (length.n > LIMITS.stringLength) return tooLong(textOf(node), length.n);
  const errors = out.filter((p): p is Unknown => p instanceof Unknown && p.error);
  if (errors.length > 0 && errors.length === out.filter((p) => p instanceof Unknown).length)
    return (errors[0] as Unknown).derive(textOf(node));
  return patterned(textOf(node), out);
}

function renderParts(
  ev: Evaluator,
  parts: TemplatePart[],
  out: (string | Unknown)[],
  length: { n: number },
): Unknown | undefined {
  for (const part of parts) {
    if (length.n > LIMITS.stringLength) return undefined;
    if (typeof part === "string") {
      out.push(part);
      length.n += part.length;
    } else if (part.kind === "interp") {
      const v = ev.eval(part.expr);
      const s = v instanceof Unknown ? v : toStr(v);
      if (s === undefined && v !== null)
        return Unknown.error(
          textOf(part.expr),
          `a ${Array.isArray(v) ? "list" : "map"} cannot be put into a string`,
        );
      if (v === null)
        return Unknown.error(textOf(part.expr), "a null value cannot be put into a string");
      out.push(s as string | Unknown);
      if (typeof s === "string") length.n += s.length;
    } else if (part.kind === "if") {
      const test = ev.eval(part.test);
      if (test instanceof Unknown) {
        if (test.error) return test.derive(textOf(part.test));
        // As with a for-expression's `if`: what the condition guards is read as if it held, and
        // a marker (rendering as nothing) says so.
        out.push(
          new Unknown(
            textOf(part.test),
            `the template condition cannot be resolved (${test.reason})`,
            {
              maybe: null,
            },
          ),
        );
        const failed = renderParts(ev, part.then.length > 0 ? part.then : part.else, out, length);
        if (failed) return failed;
      } else {
        const holds = toBool(test);
        if (holds === undefined)
          return Unknown.error(textOf(part.test), "the template condition is not a bool");
        const failed = renderParts(ev, holds ? part.then : part.else, out, length);
        if (failed) return failed;
      }
    } else {
      const coll = ev.eval(part.coll);
      if (coll instanceof Unknown && !coll.partial) {
        out.push(
          coll.derive(textOf(part.coll), `the template loop cannot be resolved (${coll.reason})`),
        );
        continue;
      }
      const items = coll instanceof Unknown ? entriesOf(coll.partial ?? {}) : entriesOf(coll);
      for (const [k, v] of items) {
        if (v instanceof Unknown && v.spread) {
          out.push(v);
          continue;
        }
        const names: Record<string, Value> = { [part.valVar]: v };
        if (part.keyVar) names[part.keyVar] = k;
        const failed = renderParts(ev.with(names), part.body, out, length);
        if (failed) return failed;
      }
      if (coll instanceof Unknown) out.push(coll);
    }
  }
  return undefined;
}
