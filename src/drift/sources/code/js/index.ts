/**
 * JavaScript / TypeScript scanner. TEMPORARY ADAPTER: wraps the regular-expression scanner
 * (../js.ts) behind the LanguageScanner contract until the syntax-tree scanner replaces it.
 */
import type { Node } from "../syntax.js";
import type { FileReads, LanguageScanner, PolicyReader, SourceFile } from "../scanner.js";
import { mayReadEnvJs, scanJs } from "../js.js";
import { stripComments } from "../strip.js";

export interface JsDefinitions {
  readers: readonly PolicyReader[];
}

export const jsScanner: LanguageScanner<JsDefinitions> = {
  grammars: ["javascript", "typescript", "tsx"],
  definitions: (readers) => ({ readers }),
  mayDefine: () => false,
  define(): void {},
  mayRead: (text) => mayReadEnvJs(text),
  scan(_root: Node, file: SourceFile): FileReads {
    return scanJs(stripComments(file.text, "js"), file.shown);
  },
};
