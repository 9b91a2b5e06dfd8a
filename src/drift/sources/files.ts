import { resolve } from "node:path";
import type { SourceSummary, Target } from "../model.js";
import { displayPath, readText } from "../text.js";

export interface SourceFile {
  /** Absolute path. */
  abs: string;
  /** The path as shown in findings (relative to the working directory). */
  shown: string;
  text: string;
}

/**
 * Reads every file given for one kind of source (compose files, task definitions, plans):
 * `read` turns one file into the targets it declares and the line summarising it.
 */
export function readSourceFiles(
  cwd: string,
  files: readonly string[],
  read: (file: SourceFile) => { targets: Target[]; summary: SourceSummary },
): { targets: Target[]; summaries: SourceSummary[] } {
  const targets: Target[] = [];
  const summaries: SourceSummary[] = [];
  for (const f of files) {
    const abs = resolve(cwd, f);
    const shown = displayPath(cwd, abs);
    const one = read({ abs, shown, text: readText(abs, shown) });
    targets.push(...one.targets);
    summaries.push(one.summary);
  }
  return { targets, summaries };
}
