/**
 * Variables read by Go: `os.Getenv("X")`, `os.LookupEnv("X")` (a presence test, so optional),
 * and struct tags of the env-parsing libraries (`env:"X"`, `envconfig:"X"`). A Getenv whose
 * result is given a fallback (`if v == "" { v = "..." }`) is optional too.
 */
import type { FileReads } from "./reads.js";
import { FileScan, isVarName, matchClose, stringLiteralAt, toleratesAbsence } from "./reads.js";

const CALL = /\b(?:os|syscall)\s*\.\s*(Getenv|LookupEnv)\s*\(/g;
const TAG = /`[^`\n]*\b(env|envconfig)\s*:\s*"([^"]*)"[^`\n]*`/g;

export function mayReadEnvGo(text: string): boolean {
  return text.includes("env") || text.includes("Env");
}

export function scanGo(text: string, file: string): FileReads {
  const scan = new FileScan(text, file);
  for (const m of text.matchAll(CALL)) {
    const open = m.index + m[0].length - 1;
    const close = matchClose(text, open);
    if (close === -1) continue;
    const arg = text.slice(open + 1, close - 1).trim();
    const literal = stringLiteralAt(arg, 0);
    if (!literal || literal.end !== arg.length || !isVarName(literal.value)) {
      scan.dynamicRead(m.index, text.slice(m.index, close));
      continue;
    }
    const lookup = m[1] === "LookupEnv";
    const optional =
      lookup || toleratesAbsence(text, m.index, close) || givenFallback(text, m.index, close);
    scan.read(literal.value, m.index, optional, `os.${m[1]}`);
  }
  for (const m of text.matchAll(TAG)) {
    const [name, ...options] = (m[2] as string).split(",");
    if (!name || !isVarName(name)) continue;
    const tag = m[0];
    const required = options.includes("required") || /\brequired:"true"/.test(tag);
    const hasDefault = /\b(envDefault|default):"/.test(tag);
    scan.read(name, m.index, !required || hasDefault, `struct tag ${m[1]}:"${name}"`);
  }
  return scan.result;
}

/** `v := os.Getenv("X")` followed within a few lines by `if v == "" { v = ... }`. */
function givenFallback(text: string, start: number, end: number): boolean {
  const lineStart = text.lastIndexOf("\n", start - 1) + 1;
  const assigned = /(\w+)\s*:?=\s*$/.exec(text.slice(lineStart, start));
  if (!assigned?.[1]) return false;
  const v = assigned[1];
  const window = text.slice(end, end + 400);
  const test = new RegExp(`if\\s+${v}\\s*==\\s*""\\s*\\{([^}]*)\\}`).exec(window);
  return test !== null && new RegExp(`\\b${v}\\s*=[^=]`).test(test[1] as string);
}
