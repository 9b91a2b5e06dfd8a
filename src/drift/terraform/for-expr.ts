/**
 * For-expressions (`[for k, v in coll : v if cond]`, `{for k, v in coll : k => v...}`) over what
 * is known. Terraform makes the whole result unknown when any part is; here what is known is
 * kept, so the names of a container's environment survive one unknown value:
 * - an element whose `if` cannot be resolved is kept as a `maybe` element;
 * - an unknown stretch of the collection (a spread, the unknown keys of a partial map) becomes an
 *   unknown stretch of the result.
 */
import type { Node } from "./ast.js";
import { textOf } from "./ast.js";
import type { Evaluator } from "./eval.js";
import { LIMITS, tooMany } from "./limits.js";
import { entriesOf, toBool } from "./operators.js";
import type { Value, ValueObject } from "./value.js";
import { Unknown, toStr } from "./value.js";

type ForNode = Extract<Node, { t: "for" }>;

/** One element to iterate; `maybe` when it is there only if an unresolved condition holds. */
type Item = [key: Value, value: Value, maybe?: Unknown];

/** The elements to iterate, and the unknown stretches the collection may also hold. */
function iteration(coll: Value): { pairs: Item[]; open: Unknown[] } {
  if (coll instanceof Unknown && coll.partial)
    return { pairs: entriesOf(coll.partial), open: [coll] };
  const open: Unknown[] = [];
  const known: Item[] = [];
  for (const [k, v] of entriesOf(coll)) {
    if (v instanceof Unknown && v.spread) open.push(v);
    else if (v instanceof Unknown && v.maybe !== undefined) known.push([k, v.maybe, v]);
    else known.push([k, v]);
  }
  return { pairs: known, open };
}

export function forExpression(ev: Evaluator, node: ForNode): Value {
  const coll = ev.eval(node.coll);
  if (coll instanceof Unknown && !coll.partial) {
    // Nested for-expressions would repeat the same clause: the innermost one says it.
    const why = /iterates over/.test(coll.reason)
      ? coll.reason
      : `it iterates over ${coll.text}, which cannot be resolved (${coll.reason})`;
    return coll.derive(textOf(node), why);
  }
  if (coll !== null && !(coll instanceof Unknown) && typeof coll !== "object")
    return Unknown.error(textOf(node), `a for-expression cannot iterate over a ${typeof coll}`);
  const { pairs, open } = iteration(coll);
  if (pairs.length > LIMITS.collection) return tooMany(textOf(node), pairs.length);
  const list: Value[] = [];
  const obj: ValueObject = {};
  let openObject: Unknown | undefined;
  for (const [k, v, given] of pairs) {
    if (ev.exhausted()) return ev.eval(node.value);
    const names: Record<string, Value> = { [node.valVar]: v };
    if (node.keyVar) names[node.keyVar] = k;
    const scope = ev.with(names);
    let maybe: Unknown | undefined = given;
    if (node.cond) {
      const keep = scope.eval(node.cond);
      if (keep instanceof Unknown) {
        if (keep.error) return keep.derive(textOf(node));
        maybe = keep;
      } else {
        const holds = toBool(keep);
        if (holds === undefined)
          return Unknown.error(textOf(node), "the condition of a for-expression must be a bool");
        if (!holds) continue;
      }
    }
    const value = scope.eval(node.value);
    if (!node.object || !node.key) {
      list.push(
        maybe
          ? new Unknown(textOf(node), `its condition ${maybe.text} cannot be resolved`, {
              maybe: value,
            })
          : value,
      );
      continue;
    }
    const keyValue = scope.eval(node.key);
    const key = toStr(keyValue);
    if (key === undefined || maybe) {
      openObject ??=
        keyValue instanceof Unknown
          ? keyValue.derive(textOf(node), `a key of the for-expression cannot be resolved`)
          : new Unknown(textOf(node), `its condition ${maybe?.text ?? ""} cannot be resolved`);
      if (key === undefined) continue;
    }
    if (node.group) obj[key] = [...((obj[key] as Value[] | undefined) ?? []), value];
    else if (key in obj)
      return Unknown.error(
        textOf(node),
        `two elements have the key "${key}"; add ... to group them`,
      );
    else obj[key] = value;
  }
  const openPart = open[0];
  if (!node.object) {
    if (openPart)
      list.push(
        new Unknown(textOf(node), `it iterates over ${openPart.text}, which is partly unknown`, {
          spread: true,
        }),
      );
    return list;
  }
  const why = openObject ?? (openPart ? new Unknown(textOf(node), openPart.reason) : undefined);
  return why ? new Unknown(textOf(node), why.reason, { partial: obj }) : obj;
}
