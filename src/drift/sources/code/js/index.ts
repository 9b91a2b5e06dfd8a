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
import { INJECTED_TEXT, scanInjectedEnv } from "./injected.js";
import { readEnvObject } from "./reads.js";
import { defineWrappers, scanCalls } from "./wrappers.js";

export type { JsDefinitions } from "./model.js";

/** A parameter used as the name in `env[…]`, the only way to write a wrapper. */
const WRAPPER_TEXT = /env\s*(?:\?\.)?\s*\[\s*[A-Za-z_$]/;
const SCHEMA_TEXT = /\.(?:object|Object)\s*\(/;
/** Every read of the environment object names `env` (`process.env`, `{ env }`, `import.meta.env`). */
const ENV_WORD = /\benv\b/;
const ENV_HOLDER = /process|import\s*\.\s*meta/;
const LIBRARIES = ["ConfigService", "createEnv", "prisma/config", "validateSync"];

export const jsScanner: LanguageScanner<JsDefinitions> = {
  grammars: ["javascript", "typescript", "tsx"],
  definitions: (readers) => ({ readers, wrappers: new Map(), schemas: new Map() }),

  mayDefine: (text) =>
    ((text.includes("env") && WRAPPER_TEXT.test(text)) ||
      (text.includes("bject") && SCHEMA_TEXT.test(text))) &&
    !minified(text),

  define(root: Node, file: SourceFile, defs: JsDefinitions): void {
    if (WRAPPER_TEXT.test(file.text)) defineWrappers(root, file.text, defs);
    if (SCHEMA_TEXT.test(file.text)) defineSchemas({ root, text: file.text, file, defs });
  },

  mayRead(text, defs) {
    defs.callNames ??= callNames(defs);
    // Plain `includes` first: these run on every file of the repository.
    const candidate =
      (text.includes("env") && ENV_WORD.test(text) && ENV_HOLDER.test(text)) ||
      LIBRARIES.some((word) => text.includes(word)) ||
      (text.includes("env") && INJECTED_TEXT.test(text)) ||
      (defs.callNames?.test(text) ?? false);
    return candidate && !minified(text);
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
    scanInjectedEnv(f);
    const { reads, dynamic } = f.collector.result;
    reads.sort((a, b) => (a.read.location.line ?? 0) - (b.read.location.line ?? 0));
    return { reads, dynamic };
  },
};

/**
 * A minified bundle (a vendored `swagger-ui-bundle.js`): the reads in it are its dependencies',
 * not the service's, and parsing megabytes of one line would cost seconds. Judged on a sample.
 */
function minified(text: string): boolean {
  if (text.length < 20_000) return false;
  let lines = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < 20_000; i = text.indexOf("\n", i + 1)) lines++;
  return lines < 20;
}

/**
 * One pattern for every wrapper and policy reader call, or null when there are none. A method
 * wrapper (`get(key)`) only counts where it is called on `this` or with an UPPER_CASE literal,
 * so that a wrapper with a common name does not make every file with a `.get(` parsed.
 */
function callNames(defs: JsDefinitions): RegExp | null {
  const esc = (n: string) => n.replace(/[$.*+?^(){}[\]|\\]/g, "\\$&");
  const parts: string[] = [];
  for (const w of defs.wrappers.values()) {
    const name = esc(w.name);
    parts.push(
      w.method
        ? `(?<![\\w$])${name}\\s*\\(\\s*["'\`][A-Z]|this\\s*\\.\\s*${name}(?![\\w$])`
        : `(?<![\\w$])${name}\\s*[(<]`,
    );
  }
  for (const r of defs.readers) parts.push(`(?<![\\w$])${esc(r.call)}\\s*[(<]`);
  return parts.length === 0 ? null : new RegExp(parts.join("|"));
}
