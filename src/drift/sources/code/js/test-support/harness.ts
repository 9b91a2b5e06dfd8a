/** Runs the JS/TS scanner's two passes over in-memory files, as `scanCode` does on disk. */
import type { PolicyReader, SourceFile } from "../../scanner.js";
import type { Tree } from "../../syntax.js";
import { grammarOf, loadGrammars, parse } from "../../syntax.js";
import { jsScanner } from "../index.js";

export interface Scanned {
  /** `[name, need, line]` of every read, in file order (files in the order given). */
  reads: [string, string, number][];
  /** `name → need` (the last read of a name wins). */
  needs: Record<string, string>;
  /** `[file, name, need, via]` of every read. */
  detail: [string, string, string, string][];
  dynamic: [string, number][];
}

export async function scanFiles(
  files: Record<string, string>,
  readers: PolicyReader[] = [],
): Promise<Scanned> {
  await loadGrammars(["javascript", "typescript", "tsx"]);
  const defs = jsScanner.definitions(readers);
  const sources: SourceFile[] = [];
  for (const [path, text] of Object.entries(files)) {
    const grammar = grammarOf(path);
    if (!grammar) throw new Error(`${path}: not a JavaScript or TypeScript file`);
    sources.push({ path, shown: path, text, grammar });
  }
  const trees = new Map<SourceFile, Tree>();
  const treeOf = (file: SourceFile): Tree => {
    const known = trees.get(file);
    if (known) return known;
    const parsed = parse(file.grammar, file.text);
    if ("skipped" in parsed) throw new Error(`${file.path}: ${parsed.skipped}`);
    trees.set(file, parsed.tree);
    return parsed.tree;
  };
  const out: Scanned = { reads: [], needs: {}, detail: [], dynamic: [] };
  try {
    for (const file of sources)
      if (jsScanner.mayDefine(file.text)) jsScanner.define(treeOf(file).rootNode, file, defs);
    for (const file of sources) {
      if (!jsScanner.mayRead(file.text, defs)) continue;
      const result = jsScanner.scan(treeOf(file).rootNode, file, defs);
      for (const { name, read } of result.reads) {
        out.reads.push([name, read.need, read.location.line ?? 0]);
        out.needs[name] = read.need;
        out.detail.push([read.location.file ?? "", name, read.need, read.via]);
      }
      for (const d of result.dynamic) out.dynamic.push([d.text, d.location.line ?? 0]);
    }
  } finally {
    for (const tree of trees.values()) tree.delete();
  }
  return out;
}

/** One TypeScript file. */
export function scanTs(source: string, readers: PolicyReader[] = []): Promise<Scanned> {
  return scanFiles({ "app.ts": source }, readers);
}
