/**
 * JavaScript / TypeScript / TSX scanner on syntax trees (issue 9, parts 1–3).
 *
 * Pass 1 (`define`) records the project's own wrappers around `process.env[name]` and its
 * module-level zod / TypeBox schemas; pass 2 (`scan`) reports every read: the environment object
 * and its aliases (./env-objects.ts, ./reads.ts), configuration libraries (./libraries.ts), and
 * calls of wrappers and policy readers (./wrappers.ts), each with what absence does (./need.ts).
 *
 * The pre-filters are plain text tests, so files that cannot read the environment are never
 * parsed: a file that reads it must name `process`, `import.meta`, a library entry point or a
 * wrapper.
 */
import type { FileReads, LanguageScanner, SourceFile } from "../scanner.js";
import { ReadCollector } from "../scanner.js";
import type { Node } from "../syntax.js";
import { envObjects } from "./env-objects.js";
import { defineSchemas, scanLibraries } from "./libraries.js";
import type { JsDefinitions, JsFile } from "./model.js";
import { readEnvObject } from "./reads.js";
import { defineWrappers, scanCalls } from "./wrappers.js";

export type { JsDefinitions } from "./model.js";

/** A parameter used as the name in `env[…]`, the only way to write a wrapper. */
const WRAPPER_TEXT = /env\s*(?:\?\.)?\s*\[\s*[A-Za-z_$]/;
const SCHEMA_TEXT = /\.(?:object|Object)\s*\(/;
const READ_TEXT = /process|import\s*\.\s*meta|ConfigService|createEnv|prisma\/config/;

export const jsScanner: LanguageScanner<JsDefinitions> = {
  grammars: ["javascript", "typescript", "tsx"],
  definitions: (readers) => ({ readers, wrappers: new Map(), schemas: new Map() }),

  mayDefine: (text) => WRAPPER_TEXT.test(text) || SCHEMA_TEXT.test(text),

  define(root: Node, file: SourceFile, defs: JsDefinitions): void {
    if (WRAPPER_TEXT.test(file.text)) defineWrappers(root, file.text, defs);
    if (SCHEMA_TEXT.test(file.text)) defineSchemas({ root, text: file.text, file, defs });
  },

  mayRead(text, defs) {
    if (READ_TEXT.test(text)) return true;
    defs.callNames ??= callNames(defs);
    return defs.callNames?.test(text) ?? false;
  },

  scan(root: Node, file: SourceFile, defs: JsDefinitions): FileReads {
    const f: JsFile = {
      root,
      text: file.text,
      file,
      defs,
      collector: new ReadCollector(file),
      reported: new Set(),
    };
    for (const env of envObjects(root, file.text)) readEnvObject(env, f);
    scanLibraries(f);
    scanCalls(f);
    const { reads, dynamic } = f.collector.result;
    reads.sort((a, b) => (a.read.location.line ?? 0) - (b.read.location.line ?? 0));
    return { reads, dynamic };
  },
};

/** One pattern for every wrapper and policy reader name, or null when there are none. */
function callNames(defs: JsDefinitions): RegExp | null {
  const names = [
    ...defs.wrappers.keys(),
    ...defs.readers.map((r) => r.call.split(".").pop() ?? r.call),
  ].filter((n) => n !== "");
  if (names.length === 0) return null;
  const escaped = names.map((n) => n.replace(/[$.*+?^(){}[\]|\\]/g, "\\$&"));
  return new RegExp(`(?<![\\w$])(?:${escaped.join("|")})\\s*[(<]`);
}
