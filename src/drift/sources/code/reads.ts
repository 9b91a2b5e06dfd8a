/** The per-file result every language scanner returns, and helpers they share. */
import type { CodeRead, DynamicRead, Location } from "../../model.js";
import { LineIndex } from "../../text.js";

export interface FileReads {
  reads: { name: string; read: CodeRead }[];
  dynamic: DynamicRead[];
}

export class FileScan {
  readonly result: FileReads = { reads: [], dynamic: [] };
  private readonly index: LineIndex;

  constructor(
    readonly text: string,
    readonly file: string,
  ) {
    this.index = new LineIndex(text);
  }

  at(offset: number): Location {
    return { file: this.file, line: this.index.line(offset) };
  }

  read(name: string, offset: number, optional: boolean, via: string): void {
    this.result.reads.push({
      name,
      read: { location: this.at(offset), need: optional ? "optional" : "required", via },
    });
  }

  dynamicRead(offset: number, text: string): void {
    this.result.dynamic.push({ location: this.at(offset), text: text.replace(/\s+/g, " ").trim() });
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isVarName(name: string): boolean {
  return NAME.test(name);
}

/** The literal inside quotes at `text[from]` (', " or ` without interpolation), and where it ends. */
export function stringLiteralAt(
  text: string,
  from: number,
): { value: string; end: number } | undefined {
  const quote = text[from];
  if (quote !== '"' && quote !== "'" && quote !== "`") return undefined;
  let i = from + 1;
  let value = "";
  while (i < text.length) {
    const c = text[i];
    if (c === quote) return { value, end: i + 1 };
    if (c === "\\" || c === "\n") return undefined;
    if (quote === "`" && c === "$" && text[i + 1] === "{") return undefined;
    value += c;
    i++;
  }
  return undefined;
}

/** Index just past the bracket that closes the one at `open` (any of ([{), or -1. */
export function matchClose(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      depth--;
      if (depth === 0) return i + 1;
    } else if (c === '"' || c === "'" || c === "`") {
      const quote = c;
      i++;
      while (i < text.length && text[i] !== quote) i += text[i] === "\\" ? 2 : 1;
    }
  }
  return -1;
}

/** Split call arguments at top-level commas. */
export function splitTopLevel(inner: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === '"' || c === "'" || c === "`") {
      const quote = c;
      i++;
      while (i < inner.length && inner[i] !== quote) i += inner[i] === "\\" ? 2 : 1;
    } else if (c === "," && depth === 0) {
      parts.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  const last = inner.slice(start);
  if (last.trim() !== "") parts.push(last);
  return parts.map((p) => p.trim());
}

/**
 * Whether the expression ending at `end` is followed by a fallback or a comparison (`??`, `||`,
 * `or`, a ternary, `==`), which means the code tolerates the variable being absent.
 */
export function followedByFallback(text: string, end: number): boolean {
  let i = end;
  while (i < text.length && (text[i] === ")" || text[i] === " " || text[i] === "\t")) i++;
  const rest = text.slice(i, i + 4);
  return (
    rest.startsWith("??") ||
    rest.startsWith("||") ||
    /^or\b/.test(rest) ||
    /^is\b/.test(rest) ||
    rest.startsWith("==") ||
    rest.startsWith("!=") ||
    (rest.startsWith("?") && !rest.startsWith("?.") && !rest.startsWith("??"))
  );
}

/**
 * Whether the read from `start` to `end` tolerates the variable being absent: a fallback after
 * it, or a bare presence test (`if (process.env.X)`, `if os.getenv("X"):`). A negated test that
 * fails right away (`if not os.getenv("X"): raise …`) is a requirement, not a tolerance.
 */
export function toleratesAbsence(text: string, start: number, end: number): boolean {
  if (followedByFallback(text, end)) return true;
  const lineStart = text.lastIndexOf("\n", start - 1) + 1;
  const before = text.slice(lineStart, start);
  const condition =
    /(?:\bif\s*\(?\s*|\belif\s+|\bwhile\s*\(?\s*|\bnot\s+|!\s*|\bBoolean\(\s*|\bbool\(\s*|&&\s*|\band\s+)$/;
  if (!condition.test(before)) return false;
  const negated = /(?:\bnot\s+|!\s*)$/.test(before);
  if (!negated) return true;
  let stop = end;
  for (let lines = 0; lines < 3 && stop !== -1; lines++) stop = text.indexOf("\n", stop + 1);
  const after = text.slice(end, stop === -1 ? text.length : stop);
  return !/\b(raise|throw|panic|exit|sys\.exit|process\.exit|log\.Fatal\w*|abort)\b/.test(after);
}
