/**
 * A strict XML 1.0 well-formedness check for tests (no dependency): one root element, tags
 * nested and closed in order, attributes quoted and unique, every `&` an entity, no `<` in text
 * or attribute values, only characters XML allows. Returns the first problem, or null.
 */
const BAD_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
const NAME = "[A-Za-z_:][-A-Za-z0-9._:]*";
const ATTR = new RegExp(`\\s+(${NAME})\\s*=\\s*("[^"<]*"|'[^'<]*')`, "y");
const OPEN = new RegExp(`<(${NAME})`, "y");

export function xmlProblem(xml: string): string | null {
  if (BAD_CHAR.test(xml)) return "a character XML 1.0 does not allow";
  const text = xml.replace(/^<\?xml[^?]*\?>/, "");
  const stack: string[] = [];
  let roots = 0;
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf("<", i);
    const chunk = lt === -1 ? text.slice(i) : text.slice(i, lt);
    if (ENTITY.test(chunk)) return `a bare & in text near ${JSON.stringify(chunk.slice(0, 40))}`;
    if (stack.length === 0 && chunk.trim() !== "") return "text outside the root element";
    if (lt === -1) break;
    i = lt;
    if (text.startsWith("</", i)) {
      const m = new RegExp(`</(${NAME})\\s*>`, "y");
      m.lastIndex = i;
      const close = m.exec(text);
      if (!close) return `a malformed closing tag at ${i}`;
      if (stack.pop() !== close[1]) return `</${close[1]}> closes the wrong element`;
      i = m.lastIndex;
      continue;
    }
    OPEN.lastIndex = i;
    const open = OPEN.exec(text);
    if (!open?.[1]) return `a malformed tag at ${i}`;
    i = OPEN.lastIndex;
    const seen = new Set<string>();
    for (;;) {
      ATTR.lastIndex = i;
      const attr = ATTR.exec(text);
      if (!attr) break;
      const [, name = "", value = ""] = attr;
      if (seen.has(name)) return `attribute ${name} twice in <${open[1]}>`;
      seen.add(name);
      if (ENTITY.test(value)) return `a bare & in attribute ${name}`;
      i = ATTR.lastIndex;
    }
    const end = /\s*(\/?)>/y;
    end.lastIndex = i;
    const closing = end.exec(text);
    if (!closing) return `<${open[1]}> is not closed properly at ${i}`;
    i = end.lastIndex;
    if (stack.length === 0) roots += 1;
    if (closing[1] !== "/") stack.push(open[1]);
  }
  if (stack.length > 0) return `<${stack[stack.length - 1]}> is never closed`;
  return roots === 1 ? null : `${roots} root elements`;
}
