/** Tuples `[...]`, objects `{...}` and the for-expressions that build them. */
import type { Node } from "./ast.js";
import type { Parser } from "./parser.js";

export function tuple(p: Parser): Node {
  const start = p.pos;
  p.expect("[");
  if (forAhead(p)) return forExpr(p, start, false);
  const items: Node[] = [];
  while (!p.eat("]")) {
    items.push(p.expr());
    if (!p.eat(",")) {
      p.expect("]");
      break;
    }
  }
  return p.node(start, { t: "tuple", items });
}

export function object(p: Parser): Node {
  const start = p.pos;
  p.expect("{");
  if (forAhead(p)) return forExpr(p, start, true);
  const items: { key: Node; value: Node }[] = [];
  while (!p.eat("}")) {
    p.space();
    const keyStart = p.pos;
    const bare = /^[A-Za-z_][A-Za-z0-9_-]*\s*[=:](?!=)/.test(p.src.slice(p.pos, p.pos + 300));
    const key = bare ? p.node(keyStart, { t: "lit", v: p.ident() ?? "" }) : p.expr();
    if (!p.eat("=") && !p.eat(":")) p.fail("expected '=' or ':' after an object key");
    const value = p.expr();
    items.push({ key, value });
    p.eat(",");
  }
  return p.node(start, { t: "object", items });
}

function forAhead(p: Parser): boolean {
  p.space();
  return /^for\s+[A-Za-z_]/.test(p.src.slice(p.pos, p.pos + 32));
}

function forExpr(p: Parser, start: number, object: boolean): Node {
  p.ident(); // for
  const first = p.ident() ?? p.fail("expected a variable name after 'for'");
  let keyVar: string | undefined;
  let valVar = first;
  if (p.eat(",")) {
    keyVar = first;
    valVar = p.ident() ?? p.fail("expected a second variable name");
  }
  if (p.ident() !== "in") p.fail("expected 'in'");
  const coll = p.expr();
  p.expect(":");
  let key: Node | undefined;
  let value = p.expr();
  let group = false;
  if (object) {
    p.expect("=>");
    key = value;
    value = p.expr();
    group = p.eat("...");
  }
  let cond: Node | undefined;
  p.space();
  if (/^if\b/.test(p.src.slice(p.pos, p.pos + 3))) {
    p.pos += 2;
    cond = p.expr();
  }
  p.expect(object ? "}" : "]");
  return p.node(start, { t: "for", object, keyVar, valVar, coll, key, value, cond, group });
}
