/**
 * `count` and `for_each` on a resource or module call: one instance per element when the
 * collection is known (each.key / each.value / count.index bound), a single instance with a note
 * when it is not, none for `count = 0`.
 */
import type { Evaluator } from "./eval.js";
import { evalJson } from "./module.js";
import type { Value } from "./value.js";
import { Unknown, isValueObject } from "./value.js";

export interface Instance {
  /** The address suffix: "", `[0]`, `["key"]`. */
  suffix: string;
  ev: Evaluator;
  note?: string;
}

export function expand(body: Record<string, unknown>, ev: Evaluator): Instance[] {
  if ("for_each" in body) {
    const coll = evalJson(body.for_each, ev);
    if (coll instanceof Unknown) {
      return [
        {
          suffix: "",
          ev,
          note: `for_each ${coll.text} cannot be resolved (${coll.reason}); each.* is unknown`,
        },
      ];
    }
    const pairs: [string, Value][] = isValueObject(coll)
      ? Object.keys(coll)
          .sort()
          .map((k) => [k, coll[k] as Value])
      : Array.isArray(coll)
        ? coll.map((v) => [String(v), v])
        : [];
    return pairs.map(([key, value]) => ({
      suffix: `[${JSON.stringify(key)}]`,
      ev: ev.with({ each: { key, value } }),
    }));
  }
  if ("count" in body) {
    const count = evalJson(body.count, ev);
    if (count instanceof Unknown) {
      return [
        {
          suffix: "",
          ev,
          note: `count ${count.text} cannot be resolved (${count.reason}); assumed to create it`,
        },
      ];
    }
    const n = Number(count);
    if (n === 1) return [{ suffix: "[0]", ev: ev.with({ count: { index: 0 } }) }];
    return Array.from({ length: Number.isFinite(n) ? Math.max(0, n) : 0 }, (_, i) => ({
      suffix: `[${i}]`,
      ev: ev.with({ count: { index: i } }),
    }));
  }
  return [{ suffix: "", ev }];
}
