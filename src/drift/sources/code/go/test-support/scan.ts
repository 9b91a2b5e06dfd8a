/** Runs the whole code scan over Go fixture files written to a temporary folder. */
import { tempTree } from "../../../../test-support/tmp.js";
import type { PolicyReader } from "../../scanner.js";
import { scanCode } from "../../index.js";

export interface GoScan {
  /** Each name's reads as `need@file:line`, in report order. */
  reads: Record<string, string[]>;
  /** Each name's reads as `need`, when only the verdict matters. */
  needs: Record<string, string>;
  dynamic: string[];
  vias: Record<string, string[]>;
  alternatives: Record<string, string[]>;
}

export async function scanGo(
  files: Record<string, string>,
  readers: PolicyReader[] = [],
): Promise<GoScan> {
  const tree = tempTree({ "go.mod": "module example.com/app\n\ngo 1.22\n", ...files });
  try {
    const { scan } = await scanCode({
      cwd: tree.dir,
      dirs: ["."],
      entries: [],
      includeTests: false,
      readers,
    });
    const out: GoScan = { reads: {}, needs: {}, dynamic: [], vias: {}, alternatives: {} };
    for (const [name, reads] of scan.reads) {
      out.reads[name] = reads.map((r) => `${r.need}@${r.location.file}:${r.location.line}`);
      out.needs[name] = [...new Set(reads.map((r) => r.need))].join("|");
      out.vias[name] = reads.map((r) => r.via);
      const alternatives = reads.flatMap((r) => r.alternatives ?? []);
      if (alternatives.length > 0) out.alternatives[name] = alternatives;
    }
    out.dynamic = scan.dynamic.map((d) => `${d.location.file}:${d.location.line} ${d.text}`);
    return out;
  } finally {
    tree.remove();
  }
}
