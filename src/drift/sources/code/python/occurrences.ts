/**
 * Finding nodes by name without walking the whole tree. Crossing into WebAssembly costs a few
 * microseconds per node, so visiting every call of a 3,000-line module is slow; instead the text
 * is searched for the few names that matter (`os`, `environ`, a wrapper's name, a variable
 * holding a value) and the tree is asked which node sits there. A hit inside a comment or a
 * string is not an identifier, so it is dropped: the tree still decides what is code.
 * (web-tree-sitter indexes are UTF-16 offsets, the same as JavaScript string indexes.)
 */
import type { Node } from "../syntax.js";

const WORD = /[A-Za-z0-9_]/;

/** A name to find; `after` (a sticky pattern) must match right after it, as a cheap filter. */
export interface Word {
  word: string;
  after?: RegExp;
}

/** Identifier nodes spelled `word` in `text[from, to)`, in order. */
export function identifiersNamed(
  root: Node,
  text: string,
  word: string,
  from = 0,
  to = text.length,
  after?: RegExp,
): Node[] {
  const out: Node[] = [];
  if (word.length === 0) return out;
  for (let i = text.indexOf(word, from); i >= 0 && i < to; i = text.indexOf(word, i + 1)) {
    const end = i + word.length;
    if (WORD.test(text[i - 1] ?? "") || WORD.test(text[end] ?? "")) continue;
    if (after) {
      after.lastIndex = end;
      if (!after.test(text)) continue;
    }
    const node = root.descendantForIndex(i, end);
    if (node?.type === "identifier" && node.startIndex === i && node.endIndex === end)
      out.push(node);
  }
  return out;
}

/**
 * The expression a name heads: `os` in `os.environ.get("X")` heads the call, in
 * `os.environ["X"]` the subscript, in `"X" in os.environ` the test; `_get` in `self._get("X")`
 * heads the call. Undefined when the name is used some other way.
 */
export function headed(id: Node): Node | undefined {
  let n = id;
  while (n.parent?.type === "attribute") n = n.parent;
  const p = n.parent;
  if (!p) return undefined;
  if (p.type === "call" && p.childForFieldName("function")?.id === n.id) return p;
  if (p.type === "subscript" && p.childForFieldName("value")?.id === n.id) return p;
  if (p.type === "comparison_operator") return p;
  return undefined;
}

/** Several names' identifiers, each node once, in source order. */
export function identifiersOf(root: Node, text: string, words: Iterable<string | Word>): Node[] {
  const seen = new Set<number>();
  const out: Node[] = [];
  for (const w of words) {
    const { word, after } = typeof w === "string" ? { word: w, after: undefined } : w;
    for (const id of identifiersNamed(root, text, word, 0, text.length, after)) {
      if (seen.has(id.id)) continue;
      seen.add(id.id);
      out.push(id);
    }
  }
  return out.sort((a, b) => a.startIndex - b.startIndex);
}

/**
 * Statements introduced by a keyword (`import`, `class`), found from the keyword's occurrences
 * in the text rather than by walking every node (`descendantsOfType` visits the whole tree).
 */
export function statements(root: Node, text: string, keyword: string, types: string[]): Node[] {
  const out: Node[] = [];
  const seen = new Set<number>();
  for (let i = text.indexOf(keyword); i >= 0; i = text.indexOf(keyword, i + 1)) {
    const end = i + keyword.length;
    if (WORD.test(text[i - 1] ?? "") || WORD.test(text[end] ?? "")) continue;
    const token = root.descendantForIndex(i, end);
    const stmt = token?.type === keyword ? token.parent : undefined;
    if (stmt && types.includes(stmt.type) && !seen.has(stmt.id)) {
      seen.add(stmt.id);
      out.push(stmt);
    }
  }
  return out;
}
