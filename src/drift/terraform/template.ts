/**
 * Strings: quoted strings (with escapes), heredocs (`<<EOT`, `<<-EOT`), and the template syntax
 * inside them and inside hcl2json's string values: `${...}` interpolations and `%{ if }` /
 * `%{ for }` directives, with `$${` and `%%{` as literal escapes.
 */
import type { Node, TemplatePart } from "./ast.js";
import { Parser } from "./parser.js";

export function quoted(p: Parser): Node {
  const start = p.pos;
  p.pos++;
  const parts = templateParts(p, '"', true);
  return p.node(start, { t: "tpl", parts });
}

export function heredoc(p: Parser): Node {
  const start = p.pos;
  const m = /^<<(-?)([A-Za-z_][\w-]*)[ \t]*\r?\n/.exec(p.src.slice(p.pos, p.pos + 128));
  if (!m) p.fail("invalid heredoc opening");
  const bodyStart = p.pos + m[0].length;
  const closing = new RegExp(`^[ \\t]*${m[2]}[ \\t]*$`, "m");
  const rest = p.src.slice(bodyStart);
  const close = closing.exec(rest);
  if (!close) p.fail(`the heredoc ${m[2]} is never closed`);
  let body = rest.slice(0, close.index);
  if (m[1] === "-") body = dedent(body);
  p.pos = bodyStart + close.index + close[0].length;
  const inner = p.nested(body);
  return p.node(start, { t: "tpl", parts: templateParts(inner, undefined, false) });
}

/**
 * Template text up to `end` (a closing quote), or to the end of input. Quoted strings process
 * escapes; hcl2json's strings and heredocs come unescaped.
 */
export function templateParts(
  p: Parser,
  end: string | undefined,
  escapes: boolean,
): TemplatePart[] {
  const stack: { parts: TemplatePart[]; open: "if" | "else" | "for"; node: TemplatePart }[] = [];
  let parts: TemplatePart[] = [];
  let lit = "";
  const flush = () => {
    if (lit !== "") parts.push(lit);
    lit = "";
  };
  const s = p.src;
  for (;;) {
    if (p.pos >= s.length) {
      if (end !== undefined) p.fail("the string is never closed");
      break;
    }
    const c = s[p.pos] as string;
    if (end !== undefined && c === end) {
      p.pos++;
      break;
    }
    if ((c === "$" || c === "%") && s[p.pos + 1] === c && s[p.pos + 2] === "{") {
      lit += `${c}{`;
      p.pos += 3;
    } else if (c === "$" && s[p.pos + 1] === "{") {
      flush();
      p.pos += 2;
      p.eat("~");
      const expr = p.expr();
      p.eat("~");
      p.expect("}");
      parts.push({ kind: "interp", expr });
    } else if (c === "%" && s[p.pos + 1] === "{") {
      flush();
      p.pos += 2;
      p.eat("~");
      const word = p.ident();
      if (word === "if") {
        const node: TemplatePart = { kind: "if", test: p.expr(), then: [], else: [] };
        stack.push({ parts, open: "if", node });
        parts = node.then;
      } else if (word === "for") {
        const first = p.ident() ?? p.fail("expected a variable after %{ for");
        let keyVar: string | undefined;
        let valVar = first;
        if (p.eat(",")) {
          keyVar = first;
          valVar = p.ident() ?? p.fail("expected a variable");
        }
        if (p.ident() !== "in") p.fail("expected 'in'");
        const node: TemplatePart = { kind: "for", keyVar, valVar, coll: p.expr(), body: [] };
        stack.push({ parts, open: "for", node });
        parts = node.body;
      } else if (word === "else") {
        const top = stack[stack.length - 1];
        if (top?.open !== "if" || typeof top.node === "string" || top.node.kind !== "if")
          p.fail("%{ else } without %{ if }");
        top.open = "else";
        parts = top.node.else;
      } else if (word === "endif" || word === "endfor") {
        const top = stack.pop() ?? p.fail(`%{ ${word} } without an opening directive`);
        parts = top.parts;
        parts.push(top.node);
      } else p.fail(`unknown template directive "${word ?? ""}"`);
      p.eat("~");
      p.expect("}");
    } else if (escapes && c === "\\") {
      const e = s[p.pos + 1];
      const map: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\" };
      if (e === "u" || e === "U") {
        const len = e === "u" ? 4 : 8;
        lit += String.fromCodePoint(parseInt(s.slice(p.pos + 2, p.pos + 2 + len), 16));
        p.pos += 2 + len;
      } else {
        lit += map[e ?? ""] ?? e ?? "";
        p.pos += 2;
      }
    } else if (escapes && c === "\n") {
      p.fail("a quoted string cannot span lines; use a heredoc");
    } else {
      lit += c;
      p.pos++;
    }
  }
  if (stack.length > 0) p.fail(`%{ ${stack[stack.length - 1]?.open} } is never closed`);
  flush();
  return parts;
}

function dedent(body: string): string {
  const lines = body.split("\n");
  const indents = lines.filter((l) => l.trim() !== "").map((l) => l.length - l.trimStart().length);
  const cut = indents.length > 0 ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(Math.min(cut, l.length - l.trimStart().length))).join("\n");
}

/** A template (hcl2json string value or template file): literal text with `${}` and `%{}`. */
export function parseTemplate(src: string): Node {
  const parts = templateParts(new Parser(src), undefined, false);
  return { t: "tpl", parts, src, s: 0, e: src.length };
}
