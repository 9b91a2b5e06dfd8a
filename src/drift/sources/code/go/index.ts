/**
 * Go scanner. TEMPORARY ADAPTER: wraps the regular-expression scanner (../go.ts) behind the
 * LanguageScanner contract until the syntax-tree scanner replaces it.
 */
import type { Node } from "../syntax.js";
import type { FileReads, LanguageScanner, PolicyReader, SourceFile } from "../scanner.js";
import { mayReadEnvGo, scanGo } from "../go.js";
import { stripComments } from "../strip.js";

export interface GoDefinitions {
  readers: readonly PolicyReader[];
}

export const goScanner: LanguageScanner<GoDefinitions> = {
  grammars: ["go"],
  definitions: (readers) => ({ readers }),
  mayDefine: () => false,
  define(): void {},
  mayRead: (text) => mayReadEnvGo(text),
  scan(_root: Node, file: SourceFile): FileReads {
    return scanGo(stripComments(file.text, "go"), file.shown);
  },
};
