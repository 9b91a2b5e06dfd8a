/**
 * A parser for the HCL expressions that @cdktn/hcl2json hands back as `${...}` strings
 * (jsonencode(...) arguments, interpolations). It covers the whole expression grammar (tuples,
 * objects and for-expressions in ./collections.ts, strings and heredocs in ./template.ts); what it
 * parses but cannot evaluate is marked unresolved by ./eval.ts.
 */
import type { Node } from "./ast.js";
import { HclSyntaxError } from "./ast.js";
import { object, tuple } from "./collections.js";
import { heredoc, quoted } from "./template.js";

/** A node before its position is attached. */
export type NodeBody = Node extends infer T
  ? T extends Node
    ? Omit<T, "src" | "s" | "e">
    : never
  : never;

/** Binary operators by precedence, loosest first; longer spellings before their prefixes. */
const BINARY: string[][] = [
  ["||"],
  ["&&"],
  ["==", "!="],
  [">=", "<=", ">", "<"],
  ["+", "-"],
  ["*", "/", "%"],
];

/** Brackets, calls and templates nested deeper than this are refused, not recursed into. */
export const MAX_NESTING = 128;

export class Parser {
  pos = 0;
  private depth = 0;
  constructor(
    readonly src: string,
    depth = 0,
  ) {
    this.depth = depth;
  }

  /** A parser for text nested inside this one (a heredoc body), sharing the nesting bound. */
  nested(src: string): Parser {
    return new Parser(src, this.depth);
  }

  fail(message: string, at = this.pos): never {
    throw new HclSyntaxError(message, at);
  }

  space(): void {
    const s = this.src;
    for (;;) {
      const c = s[this.pos];
      if (c === " " || c === "\t" || c === "\n" || c === "\r") this.pos++;
      else if (c === "#" || (c === "/" && s[this.pos + 1] === "/")) {
        const end = s.indexOf("\n", this.pos);
        this.pos = end === -1 ? s.length : end;
      } else if (c === "/" && s[this.pos + 1] === "*") {
        const end = s.indexOf("*/", this.pos + 2);
        this.pos = end === -1 ? s.length : end + 2;
      } else return;
    }
  }

  eat(token: string): boolean {
    this.space();
    if (!this.src.startsWith(token, this.pos)) return false;
    this.pos += token.length;
    return true;
  }

  expect(token: string): void {
    if (!this.eat(token)) this.fail(`expected "${token}"`);
  }

  ident(): string | undefined {
    this.space();
    const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.src.slice(this.pos, this.pos + 256));
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  node(start: number, n: NodeBody): Node {
    return { ...n, src: this.src, s: start, e: this.pos } as Node;
  }

  /** The whole input as one expression. */
  parseAll(): Node {
    const n = this.expr();
    this.space();
    if (this.pos < this.src.length) this.fail("unexpected text after the expression");
    return n;
  }

  expr(): Node {
    if (++this.depth > MAX_NESTING)
      this.fail(`expressions nested more than ${MAX_NESTING} levels deep are not read`);
    try {
      this.space();
      const start = this.pos;
      const test = this.binary(0);
      if (this.eat("?")) {
        const yes = this.expr();
        this.expect(":");
        const no = this.expr();
        return this.node(start, { t: "cond", test, yes, no });
      }
      return test;
    } finally {
      this.depth--;
    }
  }

  binary(level: number): Node {
    if (level >= BINARY.length) return this.unary();
    this.space();
    const start = this.pos;
    let left = this.binary(level + 1);
    for (;;) {
      this.space();
      const op = (BINARY[level] as string[]).find((o) => this.src.startsWith(o, this.pos));
      if (!op) return left;
      this.pos += op.length;
      const right = this.binary(level + 1);
      left = this.node(start, { t: "binary", op, left, right });
    }
  }

  unary(): Node {
    this.space();
    const start = this.pos;
    const c = this.src[this.pos];
    if ((c === "!" && this.src[this.pos + 1] !== "=") || c === "-") {
      this.pos++;
      if (++this.depth > MAX_NESTING)
        this.fail(`expressions nested more than ${MAX_NESTING} levels deep are not read`);
      const arg = this.unary();
      this.depth--;
      return this.node(start, { t: "unary", op: c, arg });
    }
    return this.postfix(this.primary());
  }

  postfix(base: Node): Node {
    let n = base;
    for (;;) {
      const save = this.pos;
      this.space();
      if (this.src.startsWith(".*", this.pos) || this.src.startsWith("[*]", this.pos)) {
        this.pos += this.src[this.pos] === "." ? 2 : 3;
        n = this.node(base.s, { t: "splat", obj: n });
      } else if (this.src[this.pos] === "." && this.src[this.pos + 1] !== ".") {
        this.pos++;
        const digits = /^\d+/.exec(this.src.slice(this.pos, this.pos + 20));
        if (digits) {
          this.pos += digits[0].length;
          const key = this.node(this.pos - digits[0].length, { t: "lit", v: Number(digits[0]) });
          n = this.node(base.s, { t: "index", obj: n, key });
        } else {
          const name = this.ident() ?? this.fail("expected an attribute name after '.'");
          n = this.node(base.s, { t: "attr", obj: n, name });
        }
      } else if (this.src[this.pos] === "[") {
        this.pos++;
        const key = this.expr();
        this.expect("]");
        n = this.node(base.s, { t: "index", obj: n, key });
      } else {
        this.pos = save;
        return n;
      }
    }
  }

  primary(): Node {
    this.space();
    const start = this.pos;
    const s = this.src;
    const c = s[this.pos];
    if (c === undefined) this.fail("expected an expression, found the end");
    if (c === "(") {
      this.pos++;
      const inner = this.expr();
      this.expect(")");
      return { ...inner, s: start, e: this.pos };
    }
    if (c === '"') return quoted(this);
    if (s.startsWith("<<", this.pos)) return heredoc(this);
    if (c === "[") return tuple(this);
    if (c === "{") return object(this);
    const num = /^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(s.slice(this.pos, this.pos + 64));
    if (num) {
      this.pos += num[0].length;
      return this.node(start, { t: "lit", v: Number(num[0]) });
    }
    const name = this.ident();
    if (name === undefined) this.fail(`unexpected character "${c}"`);
    if (name === "true" || name === "false")
      return this.node(start, { t: "lit", v: name === "true" });
    if (name === "null") return this.node(start, { t: "lit", v: null });
    let fn = name;
    while (s.startsWith("::", this.pos)) {
      this.pos += 2;
      fn += `::${this.ident() ?? ""}`;
    }
    this.space();
    if (s[this.pos] === "(") return this.call(start, fn);
    return this.node(start, { t: "ref", name });
  }

  call(start: number, name: string): Node {
    this.expect("(");
    const args: Node[] = [];
    let expand = false;
    while (!this.eat(")")) {
      args.push(this.expr());
      if (this.eat("...")) expand = true;
      if (!this.eat(",")) {
        this.expect(")");
        break;
      }
    }
    return this.node(start, { t: "call", name, args, expand });
  }
}

export function parseExpression(src: string): Node {
  return new Parser(src).parseAll();
}
