/**
 * Prisma schemas (`schema.prisma`): `url = env("DATABASE_URL")` in a `datasource` or `generator`
 * block. Prisma refuses to connect (and `prisma generate` / `migrate` fail) when such a variable
 * is missing, so each is required. The format is line-based and small, so a line reader is
 * enough: `//` comments are dropped, and only the two block kinds that take `env()` are read.
 */
import type { CodeRead } from "../../../model.js";

const BLOCK_START = /^\s*(datasource|generator|model|enum|view|type)\s+\w+\s*\{/;
const ENV_CALL = /\benv\(\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*\)/g;

/** The `env("X")` reads of one Prisma schema; `shown` is its path as reports show it. */
export function prismaReads(text: string, shown: string): { name: string; read: CodeRead }[] {
  const reads: { name: string; read: CodeRead }[] = [];
  let block: string | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = withoutComment(raw);
    const start = BLOCK_START.exec(line);
    if (start) block = start[1];
    if (block === "datasource" || block === "generator") {
      for (const match of line.matchAll(ENV_CALL)) {
        const name = match[1] as string;
        const location = { file: shown, line: i + 1 };
        reads.push({ name, read: { location, need: "required", via: `Prisma env() in ${block}` } });
      }
    }
    if (/^\s*\}/.test(line)) block = undefined;
  });
  return reads;
}

/** The line before a `//` that is not inside a string. */
function withoutComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "\\" && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && c === "/" && line[i + 1] === "/") return line.slice(0, i);
  }
  return line;
}
