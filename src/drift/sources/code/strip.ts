/**
 * Blank out comments (keeping every newline, so offsets and line numbers stay true) while
 * leaving strings intact: a read inside a template literal is still a read, and `//` inside a
 * URL string is not a comment.
 */
import type { Language } from "./walk.js";

export function stripComments(text: string, language: Language): string {
  const ranges =
    language === "python" ? hashComments(text) : slashComments(text, language === "js");
  if (ranges.length === 0) return text;
  let out = "";
  let at = 0;
  for (let r = 0; r < ranges.length; r += 2) {
    const from = ranges[r] as number;
    const to = ranges[r + 1] as number;
    out += text.slice(at, from) + text.slice(from, to).replace(/[^\n]/g, " ");
    at = to;
  }
  return out + text.slice(at);
}

const SLASH = 47;
const STAR = 42;
const NL = 10;
const BACKSLASH = 92;
const DQ = 34;
const SQ = 39;
const BT = 96;
const DOLLAR = 36;
const LBRACE = 123;
const RBRACE = 125;

/** Is this the last significant character before an operand (so `/` opens a regex)? */
function opensRegex(code: number): boolean {
  // ( , = : [ ! & | ? { } ; + - * % < > ~ ^ or start of text
  return code === -1 || "(,=:[!&|?{};+-*%<>~^".includes(String.fromCharCode(code));
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === NL || code === 13;
}

function slashComments(text: string, js: boolean): number[] {
  const ranges: number[] = [];
  const n = text.length;
  const templates: number[] = []; // brace depth at each open `${`
  let depth = 0;
  let prev = -1;
  let i = 0;
  const quoted = (quote: number): void => {
    i++;
    while (i < n) {
      const q = text.charCodeAt(i);
      if (q === BACKSLASH) i += 2;
      else if (q === quote || q === NL) break;
      else i++;
    }
    i++;
  };
  const template = (): void => {
    while (i < n) {
      const q = text.charCodeAt(i);
      if (q === BACKSLASH) i += 2;
      else if (q === BT) {
        i++;
        return;
      } else if (q === DOLLAR && text.charCodeAt(i + 1) === LBRACE) {
        templates.push(depth);
        depth++;
        i += 2;
        return;
      } else i++;
    }
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (c === SLASH && next === SLASH) {
      const end = text.indexOf("\n", i);
      const stop = end === -1 ? n : end;
      ranges.push(i, stop);
      i = stop;
    } else if (c === SLASH && next === STAR) {
      const end = text.indexOf("*/", i + 2);
      const stop = end === -1 ? n : end + 2;
      ranges.push(i, stop);
      i = stop;
    } else if (c === DQ || c === SQ) {
      quoted(c);
      prev = 0;
    } else if (c === BT) {
      if (js) {
        i++;
        template();
      } else {
        const end = text.indexOf("`", i + 1); // a Go raw string
        i = end === -1 ? n : end + 1;
      }
      prev = 0;
    } else if (js && c === SLASH && opensRegex(prev)) {
      i++;
      let inClass = false;
      while (i < n) {
        const r = text.charCodeAt(i);
        if (r === NL) break;
        if (r === BACKSLASH) i++;
        else if (r === 91) inClass = true;
        else if (r === 93) inClass = false;
        else if (r === SLASH && !inClass) break;
        i++;
      }
      i++;
      prev = 0;
    } else {
      if (c === LBRACE) depth++;
      else if (c === RBRACE) {
        depth--;
        if (templates.length > 0 && templates[templates.length - 1] === depth) {
          templates.pop();
          i++;
          template();
          prev = 0;
          continue;
        }
      }
      if (!isSpace(c)) prev = c;
      i++;
    }
  }
  return ranges;
}

function hashComments(text: string): number[] {
  const ranges: number[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 35) {
      const end = text.indexOf("\n", i);
      const stop = end === -1 ? n : end;
      ranges.push(i, stop);
      i = stop;
    } else if (c === DQ || c === SQ) {
      const quote = String.fromCharCode(c).repeat(3);
      if (text.startsWith(quote, i)) {
        const end = text.indexOf(quote, i + 3);
        i = end === -1 ? n : end + 3;
      } else {
        i++;
        while (i < n) {
          const q = text.charCodeAt(i);
          if (q === BACKSLASH) i += 2;
          else if (q === c || q === NL) break;
          else i++;
        }
        i++;
      }
    } else i++;
  }
  return ranges;
}
