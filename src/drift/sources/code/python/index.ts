/**
 * Python scanner. TEMPORARY ADAPTER: wraps the regular-expression scanners (../python.ts,
 * ../pydantic.ts) behind the LanguageScanner contract until the syntax-tree scanner replaces them.
 */
import type { Node } from "../syntax.js";
import type { FileReads, LanguageScanner, PolicyReader, SourceFile } from "../scanner.js";
import { classDeclarations, scanPydantic, settingsClosure } from "../pydantic.js";
import type { ClassDecl } from "../pydantic.js";
import { mayReadEnvPython, scanPython } from "../python.js";
import { stripComments } from "../strip.js";

export interface PythonDefinitions {
  readers: readonly PolicyReader[];
  classes: ClassDecl[];
  settings?: Set<string>;
}

export const pythonScanner: LanguageScanner<PythonDefinitions> = {
  grammars: ["python"],
  definitions: (readers) => ({ readers, classes: [] }),
  mayDefine: (text) => text.includes("class "),
  define(_root: Node, file: SourceFile, defs: PythonDefinitions): void {
    defs.classes.push(...classDeclarations(file.text));
    defs.settings = undefined;
  },
  mayRead(text, defs) {
    defs.settings ??= settingsClosure(defs.classes);
    const settings = defs.settings;
    return mayReadEnvPython(text) || [...settings].some((s) => text.includes(s));
  },
  scan(_root: Node, file: SourceFile, defs: PythonDefinitions): FileReads {
    const settings = (defs.settings ??= settingsClosure(defs.classes));
    const stripped = stripComments(file.text, "python");
    const result: FileReads = mayReadEnvPython(file.text)
      ? scanPython(stripped, file.shown)
      : { reads: [], dynamic: [] };
    if (settings.size === 0) return result;
    const fields = scanPydantic(stripped, file.shown, settings);
    return { reads: [...result.reads, ...fields.reads], dynamic: result.dynamic };
  },
};
