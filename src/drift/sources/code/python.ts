/**
 * Variables read by Python: `os.getenv("X"[, default])`, `os.environ["X"]`,
 * `os.environ.get("X"[, default])`, `os.environ.setdefault`, `"X" in os.environ`, and the same
 * names imported from os (`from os import getenv, environ`). Pydantic settings are in ./pydantic.ts.
 */
import type { FileReads } from "./reads.js";
import {
  FileScan,
  isVarName,
  matchClose,
  splitTopLevel,
  stringLiteralAt,
  toleratesAbsence,
} from "./reads.js";

export function mayReadEnvPython(text: string): boolean {
  return (
    text.includes("environ") ||
    text.includes("getenv") ||
    text.includes("decouple") ||
    text.includes("Env(")
  );
}

/** `os.getenv(`, `getenv(`, `os.environ.get(`, `environ[` … with the prefixes this file can use. */
function patterns(text: string): RegExp {
  const prefixes = ["os\\s*\\.\\s*"];
  const fromOs = /^\s*from\s+os\s+import\s+([^\n]+)/gm;
  const imported = new Set<string>();
  for (const m of text.matchAll(fromOs)) {
    for (const name of (m[1] as string).replace(/[()]/g, "").split(","))
      imported.add(name.trim().split(/\s+/)[0] ?? "");
  }
  const aliasOs = /^\s*import\s+os\s+as\s+(\w+)/m.exec(text);
  if (aliasOs?.[1]) prefixes.push(`${aliasOs[1]}\\s*\\.\\s*`);
  const heads = prefixes.map((p) => `${p}(?:getenv|environ)`);
  if (imported.has("getenv")) heads.push("(?<![\\w.])getenv");
  if (imported.has("environ")) heads.push("(?<![\\w.])environ");
  return new RegExp(`(?:${heads.join("|")})\\b`, "g");
}

export function scanPython(text: string, file: string): FileReads {
  const scan = new FileScan(text, file);
  for (const match of text.matchAll(patterns(text))) {
    const start = match.index;
    const head = match[0];
    let i = start + head.length;
    while (text[i] === " ") i++;
    if (head.endsWith("getenv")) {
      if (text[i] === "(") call(scan, start, i, "os.getenv");
      continue;
    }
    // environ
    if (text[i] === "[") {
      const close = matchClose(text, i);
      if (close === -1) continue;
      const key = text.slice(i + 1, close - 1).trim();
      const literal = stringLiteralAt(key, 0);
      if (/^\s*=(?!=)/.test(text.slice(close, close + 3))) continue; // an assignment
      if (literal && literal.end === key.length && isVarName(literal.value)) {
        scan.read(literal.value, start, toleratesAbsence(text, start, close), "os.environ[]");
      } else scan.dynamicRead(start, text.slice(start, close));
      continue;
    }
    const method = /^\.\s*(get|setdefault|pop)\s*\(/.exec(text.slice(i, i + 30));
    if (method) {
      if (method[1] === "pop") continue; // removes it for a child process; not a read
      call(
        scan,
        start,
        i + method[0].length - 1,
        `os.environ.${method[1]}`,
        method[1] === "setdefault",
      );
      continue;
    }
    const before = text.slice(Math.max(0, start - 200), start);
    const inTest = /(["'])([A-Za-z_]\w*)\1\s+(not\s+)?in\s+$/.exec(before);
    if (inTest?.[2])
      scan.read(inTest[2], start - inTest[0].length, true, `"${inTest[2]}" in os.environ`);
  }
  libraryReads(scan);
  return scan.result;
}

/**
 * The configuration libraries of Python services: python-decouple `config("X", default=…)`,
 * environs `env("X")` / `env.str("X", …)`, django-environ `env("X", default=…)` / `env.int(…)`.
 */
function libraryReads(scan: FileScan): void {
  const text = scan.text;
  const heads: string[] = [];
  if (/^\s*from\s+decouple\s+import\s+[^\n]*\bconfig\b/m.test(text))
    heads.push("(?<![\\w.])config");
  for (const m of text.matchAll(/^\s*(\w+)\s*=\s*(?:environs\.|environ\.)?Env\s*\(/gm)) {
    heads.push(
      `(?<![\\w.])${m[1]}(?:\\s*\\.\\s*(?:str|int|bool|float|list|dict|json|url|db_url|db|cache_url|path|decimal))?`,
    );
  }
  if (heads.length === 0) return;
  for (const m of text.matchAll(new RegExp(`(?:${heads.join("|")})\\s*\\(`, "g"))) {
    call(scan, m.index, m.index + m[0].length - 1, m[0].replace(/\s*\($/, "()"));
  }
}

/** A call `getenv(NAME[, default])` whose `(` is at `open`. */
function call(
  scan: FileScan,
  start: number,
  open: number,
  via: string,
  alwaysOptional = false,
): void {
  const text = scan.text;
  const close = matchClose(text, open);
  if (close === -1) return;
  const args = splitTopLevel(text.slice(open + 1, close - 1));
  const positional = args.filter((a) => !/^\w+\s*=[^=]/.test(a));
  const keyArg = args.find((a) => /^key\s*=/.test(a))?.replace(/^key\s*=\s*/, "");
  const nameArg = positional[0] ?? keyArg;
  const hasDefault = positional.length > 1 || args.some((a) => /^default\s*=/.test(a));
  const literal = nameArg === undefined ? undefined : stringLiteralAt(nameArg, 0);
  if (!literal || literal.end !== nameArg?.length || !isVarName(literal.value)) {
    scan.dynamicRead(start, text.slice(start, close));
    return;
  }
  const optional =
    alwaysOptional ||
    hasDefault ||
    toleratesAbsence(text, start, close) ||
    givenFallback(text, start, close);
  scan.read(literal.value, start, optional, via);
}

/** `v = os.getenv("X")` followed by `if not v:` / `if v is None:` that assigns `v`: a default. */
function givenFallback(text: string, start: number, end: number): boolean {
  const lineStart = text.lastIndexOf("\n", start - 1) + 1;
  const assigned = /([\w.]+)\s*=\s*$/.exec(text.slice(lineStart, start));
  if (!assigned?.[1]) return false;
  const v = assigned[1].replace(/\./g, "\\.");
  const test = new RegExp(
    `\\n[ \\t]*if\\s+(?:not\\s+${v}|${v}\\s+is\\s+None|${v}\\s*==\\s*["']{2})\\s*:\\s*\\n[ \\t]+${v}\\s*=[^=]`,
  );
  return test.test(text.slice(end, end + 300));
}
