import { resolve } from "node:path";
import type { SourceSummary, Target } from "../model.js";
import { usageError } from "../errors.js";
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

/** Standard input is read up to this size (`--k8s -`): rendered manifests, not a disk image. */
const MAX_STDIN = 64 * 1024 * 1024;

/** The process's standard input as text; a terminal (nothing piped) is a usage error. */
export async function readStdin(): Promise<string> {
  if (process.stdin.isTTY)
    throw usageError(
      "--k8s - reads manifests from standard input, but nothing is piped in: e.g. `helm template ./chart | modelgate config check --k8s -`.",
    );
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > MAX_STDIN)
      throw usageError(
        `standard input is larger than ${MAX_STDIN / 1024 / 1024} MB; write the manifests to a file and pass it to --k8s.`,
      );
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
}
