/** YAML documents with their line ranges; a syntax error names the file and line. */
import { LineCounter, parseAllDocuments } from "yaml";
import { inputError } from "../errors.js";
import { LineIndex } from "../text.js";

export interface YamlDoc {
  value: unknown;
  /** Character range of the document in its file. */
  from: number;
  to: number;
}

export function parseYamlDocs(text: string, shown: string): { docs: YamlDoc[]; index: LineIndex } {
  const lineCounter = new LineCounter();
  const docs: YamlDoc[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter })) {
    const error = doc.errors[0];
    if (error) {
      const line = error.linePos?.[0].line ?? lineCounter.linePos(error.pos[0]).line;
      const what = (error.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
      throw inputError(shown, line, `invalid YAML (${what}); fix the syntax`);
    }
    docs.push({
      value: doc.toJS({ maxAliasCount: 1000 }) as unknown,
      from: doc.range[0],
      to: doc.range[2],
    });
  }
  return { docs, index: new LineIndex(text) };
}
