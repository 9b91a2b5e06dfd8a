/** Runs the whole code scan (walk, pre-filters, both passes) over Python files written to disk. */
import { tempTree } from "../../../../test-support/tmp.js";
import { scanCode } from "../../index.js";
import type { PolicyReader } from "../../scanner.js";

export interface Scanned {
  /** name → `need@line` (several reads joined with a space, in file order). */
  needs: Record<string, string>;
  /** name → how each read was made (`os.getenv`, `env() → os.getenv`). */
  vias: Record<string, string>;
  /** name → the other names that satisfy it. */
  alternatives: Record<string, string[]>;
  /** `file:line` of each read, by name, when the file matters. */
  where: Record<string, string>;
  /** Dynamic reads as `line: text`. */
  dynamic: string[];
}

export async function scanPython(
  files: Record<string, string> | string,
  readers: PolicyReader[] = [],
): Promise<Scanned> {
  const tree = tempTree(typeof files === "string" ? { "app.py": files } : files);
  try {
    const { scan } = await scanCode({
      cwd: tree.dir,
      dirs: ["."],
      entries: [],
      includeTests: false,
      readers,
    });
    const out: Scanned = { needs: {}, vias: {}, alternatives: {}, where: {}, dynamic: [] };
    for (const [name, reads] of [...scan.reads].sort(([a], [b]) => a.localeCompare(b))) {
      out.needs[name] = reads.map((r) => `${r.need}@${r.location.line}`).join(" ");
      out.vias[name] = [...new Set(reads.map((r) => r.via))].join(" | ");
      out.where[name] = reads.map((r) => `${r.location.file}:${r.location.line}`).join(" ");
      const alternatives = reads.flatMap((r) => r.alternatives ?? []);
      if (alternatives.length > 0) out.alternatives[name] = alternatives;
    }
    out.dynamic = scan.dynamic.map((d) => `${d.location.line}: ${d.text}`);
    return out;
  } finally {
    tree.remove();
  }
}

/** Joins source lines, so fixtures read as the Python they are. */
export function py(...lines: string[]): string {
  return lines.join("\n") + "\n";
}
