import { readFileSync } from "node:fs";
import { relative, sep } from "node:path";
import { inputError } from "./errors.js";
import { jsonErrorOffset } from "../json-locate.js";

/** Offsets of line starts, for turning a character offset into a 1-based line number. */
export class LineIndex {
  private starts: number[] | undefined;
  constructor(private readonly text: string) {}

  line(offset: number): number {
    if (!this.starts) {
      const starts = [0];
      for (let i = this.text.indexOf("\n"); i !== -1; i = this.text.indexOf("\n", i + 1)) {
        starts.push(i + 1);
      }
      this.starts = starts;
    }
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
}

/** A path for reports: relative to the working directory, forward slashes. */
export function displayPath(cwd: string, absolute: string): string {
  const rel = relative(cwd, absolute);
  const shown = rel === "" ? "." : rel.startsWith("..") ? absolute : rel;
  return shown.split(sep).join("/");
}

/** Reads a text file or fails with an input error naming it. */
export function readText(absolute: string, shown: string): string {
  try {
    return readFileSync(absolute, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "is a folder, not a file"
          : code === "EACCES"
            ? "permission denied"
            : String((err as Error).message);
    throw inputError(shown, undefined, `cannot be read (${why}); check the path`);
  }
}

/** JSON.parse that fails with an input error naming the file and line. */
export function parseJson(text: string, shown: string, lineOffset = 0): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const message = (err as Error).message;
    const offset = jsonErrorOffset(text);
    const line = offset === null ? undefined : new LineIndex(text).line(offset);
    const detail = message
      .replace(/^JSON\.parse: /, "")
      .replace(/ in JSON at position \d+.*$/, "")
      .replace(/, "[\s\S]*" is not valid JSON$/, "")
      .replace(/, \.\.\.[\s\S]*$/, "");
    throw inputError(
      shown,
      line === undefined ? undefined : line + lineOffset,
      `invalid JSON (${detail}); fix the syntax`,
    );
  }
}

/** 1-based line of the first whole-word occurrence of `word` at or after `from`, if any. */
export function findWordLine(
  text: string,
  index: LineIndex,
  word: string,
  from = 0,
  to = text.length,
): number | undefined {
  let at = text.indexOf(word, from);
  while (at !== -1 && at < to) {
    const before = text.charCodeAt(at - 1);
    const after = text.charCodeAt(at + word.length);
    if (!isWordChar(before) && !isWordChar(after)) return index.line(at);
    at = text.indexOf(word, at + 1);
  }
  return undefined;
}

function isWordChar(code: number): boolean {
  return (
    (code >= 48 && code <= 57) ||
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    code === 95
  );
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
