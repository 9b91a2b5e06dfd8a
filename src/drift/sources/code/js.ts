/**
 * Variables read by JavaScript/TypeScript: `process.env.X`, `process.env["X"]`, destructuring
 * from `process.env`, `import.meta.env.X`, and the same through a local alias
 * (`const env = process.env`). A computed name is reported as dynamic, never guessed.
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

const ENV_OBJECT = /\b(?:process\s*\.\s*env|import\s*\.\s*meta\s*\.\s*env)\b/g;
const ALIAS =
  /\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:process\s*\.\s*env|import\s*\.\s*meta\s*\.\s*env)\s*(?:;|\n|$)/g;

/** Quick filter: files without any of these cannot read the environment. */
export function mayReadEnvJs(text: string): boolean {
  return text.includes(".env");
}

export function scanJs(text: string, file: string): FileReads {
  const scan = new FileScan(text, file);
  for (const match of text.matchAll(ENV_OBJECT)) {
    const start = match.index;
    const via = match[0].startsWith("import") ? "import.meta.env" : "process.env";
    readAfter(scan, start, start + match[0].length, via);
  }
  for (const match of text.matchAll(ALIAS)) {
    const alias = match[1] as string;
    const uses = new RegExp(`(?<![\\w$.])${alias.replace(/\$/g, "\\$")}\\b`, "g");
    uses.lastIndex = match.index + match[0].length;
    for (const use of text.matchAll(uses)) {
      if (use.index <= match.index + match[0].length - 1) continue;
      readAfter(scan, use.index, use.index + use[0].length, `${alias} (= process.env)`);
    }
  }
  return scan.result;
}

/** Interpret what follows an environment object reference that spans [start, end). */
function readAfter(scan: FileScan, start: number, end: number, via: string): void {
  const text = scan.text;
  let i = end;
  while (text[i] === " " || text[i] === "\t" || text[i] === "\n") i++;
  let dotted = false;
  if (text.startsWith("?.", i)) {
    i += 2;
    dotted = true;
  } else if (text[i] === "." && text[i + 1] !== ".") {
    i++;
    dotted = true;
  }
  if (dotted && text[i] !== "[") {
    const name = /^\s*([A-Za-z_$][\w$]*)/.exec(text.slice(i, i + 200));
    if (name?.[1]) {
      const after = i + name[0].length;
      // `.hasOwnProperty(...)`, `.toString()` and friends are not variables.
      if (text[after] === "(") return;
      // An assignment or a delete sets the variable for child processes; it is not a read.
      if (
        /^\s*=(?!=)/.test(text.slice(after, after + 3)) ||
        /\bdelete\s+$/.test(text.slice(start - 8, start))
      )
        return;
      scan.read(name[1], start, toleratesAbsence(text, start, after), via);
    }
    return;
  }
  if (text[i] === "[") {
    const close = matchClose(text, i);
    if (close === -1) return;
    const inner = text.slice(i + 1, close - 1).trim();
    const literal = stringLiteralAt(inner, 0);
    if (literal && literal.end === inner.length && isVarName(literal.value)) {
      scan.read(literal.value, start, toleratesAbsence(text, start, close), via);
    } else {
      scan.dynamicRead(start, text.slice(start, close));
    }
    return;
  }
  const before = text.slice(Math.max(0, start - 400), start);
  if (/\.\.\.\s*$/.test(before)) {
    scan.dynamicRead(start - 3, `...${text.slice(start, end)}`);
    return;
  }
  const inTest = /(["'`])([A-Za-z_][\w]*)\1\s+in\s+$/.exec(before);
  if (inTest?.[2]) {
    scan.read(inTest[2], start - inTest[0].length, true, `"${inTest[2]}" in ${via}`);
    return;
  }
  const destructure = /\}\s*=\s*$/.exec(before);
  if (destructure) readDestructuring(scan, start - (before.length - destructure.index), start, via);
}

/** `const { A, B: b, C = "x", ...rest } = process.env` — `closeAt` is the offset of the `}`. */
function readDestructuring(scan: FileScan, closeAt: number, envAt: number, via: string): void {
  const text = scan.text;
  let depth = 0;
  let open = -1;
  for (let i = closeAt; i >= Math.max(0, closeAt - 4000); i--) {
    if (text[i] === "}") depth++;
    else if (text[i] === "{") {
      depth--;
      if (depth === 0) {
        open = i;
        break;
      }
    }
  }
  if (open === -1) return;
  let offset = open + 1;
  for (const raw of splitTopLevel(text.slice(open + 1, closeAt))) {
    const at = text.indexOf(raw, offset);
    offset = at === -1 ? offset : at + raw.length;
    const item = raw.trim();
    if (item.startsWith("...")) {
      scan.dynamicRead(at === -1 ? envAt : at, `{ ${item} } = ${via}`);
      continue;
    }
    const m = /^(?:(["'])([^"']+)\1|([A-Za-z_$][\w$]*))\s*(?::\s*[A-Za-z_$][\w$]*)?\s*(=)?/.exec(
      item,
    );
    const name = m?.[2] ?? m?.[3];
    if (!m || !name || !isVarName(name)) continue;
    scan.read(name, at === -1 ? envAt : at, m[4] === "=", `destructured from ${via}`);
  }
}
