/** Temporary folders with files, for tests that need inputs on disk (broken ones included). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CliContext } from "../../cli/context.js";

export const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));

export interface TempTree {
  dir: string;
  write(path: string, content: string): string;
  remove(): void;
}

export function tempTree(files: Record<string, string> = {}): TempTree {
  const dir = mkdtempSync(join(tmpdir(), "mg-drift-"));
  const tree: TempTree = {
    dir,
    write(path, content) {
      const abs = join(dir, path);
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, content);
      return abs;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
  for (const [path, content] of Object.entries(files)) tree.write(path, content);
  return tree;
}

/** A CLI context whose output is collected, for calling commands directly. */
export function testContext(
  cwd: string,
  env: Record<string, string> = {},
): CliContext & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    cwd,
    env,
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    out: () => out,
    err: () => err,
  };
}
