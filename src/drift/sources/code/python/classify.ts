/**
 * The need of one recognised read: what its reader does when the variable is absent (a subscript
 * or a library raises; `setdefault` supplies a value; `getenv` returns None), what the code then
 * does with the value (./need.ts), and the context around it (./guards.ts).
 */
import type { Need } from "../../../model.js";
import type { Node } from "../syntax.js";
import { stringValue } from "../syntax.js";
import type { Bindings } from "./bindings.js";
import { KEY_ERRORS, LIBRARY_ERRORS, caught, condition } from "./guards.js";
import { libraryRead } from "./libraries.js";
import type { Flow, NeedAnalysis } from "./need.js";
import type { Read } from "./os-reads.js";
import { osRead } from "./os-reads.js";
import { unwrap } from "./tree.js";

export interface Classified {
  need: Need;
  /** Other names read in the same `os.getenv("A") or os.getenv("B")` chain. */
  alternatives?: string[];
}

export class Classifier {
  constructor(
    private readonly b: Bindings,
    private readonly need: NeedAnalysis,
  ) {}

  classify(read: Read, name: string): Classified {
    const out = this.base(read, name);
    if (out.need === "required") out.need = this.underCondition(read.node, name, "required");
    return out;
  }

  /** A required read under a condition on configuration: see ./guards.ts. */
  underCondition(node: Node, name: string, need: Need): Need {
    if (need !== "required") return need;
    const under = condition(node, name, (test) => this.namesIn(test));
    return under === "self" ? "optional" : under === "other" ? "unknown" : need;
  }

  private base(read: Read, name: string): Classified {
    switch (read.kind) {
      case "setdefault":
        return { need: "optional" };
      case "subscript":
        return { need: caught(read.node, KEY_ERRORS) ? "optional" : "required" };
      case "library":
        if (read.default) return { need: "optional" };
        return { need: caught(read.node, LIBRARY_ERRORS) ? "optional" : "required" };
      case "presence": {
        const negated = read.node.children.some((c) => c.type === "not in");
        return { need: verdict(this.need.flow(read.node, 0, { test: true, absentTrue: negated })) };
      }
      case "get": {
        if (read.default === "value") return { need: "optional" };
        const chain = this.orChain(read.node);
        const flow = this.need.flow(chain?.top ?? read.node);
        const need = flow === "unknown" && read.default ? "optional" : verdict(flow);
        if (!chain) return { need };
        return { need, alternatives: chain.names.filter((n) => n !== name) };
      }
    }
  }

  /** `os.getenv("A") or os.getenv("B")`: reads that stand in for each other, and the whole. */
  private orChain(node: Node): { top: Node; names: string[] } | undefined {
    let top = node;
    for (let p = node.parent; p; p = p.parent) {
      if (p.type === "parenthesized_expression") continue;
      if (p.type !== "boolean_operator" || !p.children.some((c) => c.type === "or")) break;
      top = p;
    }
    if (top === node) return undefined;
    const names: string[] = [];
    for (const leaf of leaves(top)) {
      const read = osRead(leaf, this.b);
      const name = read?.kind === "get" && !read.default ? stringValue(read.nameNode) : undefined;
      if (name === undefined) return undefined; // a real default among them: handled by flow
      names.push(name);
    }
    return { top, names };
  }

  /** Variables a condition reads (any reader), for ./guards.ts. */
  private namesIn(test: Node): string[] {
    const names: string[] = [];
    const nodes = [test, ...test.descendantsOfType(["call", "subscript", "comparison_operator"])];
    for (const n of nodes) {
      const read = osRead(n, this.b) ?? (n.type === "call" ? libraryRead(n, this.b) : undefined);
      const name = stringValue(read?.nameNode);
      if (name !== undefined) names.push((read?.prefix ?? "") + name);
    }
    return names;
  }
}

function verdict(flow: Flow): Need {
  return flow === "returned" ? "unknown" : flow;
}

function leaves(node: Node): Node[] {
  const n = unwrap(node);
  if (n.type !== "boolean_operator") return [n];
  return n.namedChildren.flatMap(leaves);
}
