/**
 * The `--env-example` source: the variables a `.env.example`-style file documents, with the
 * comment right above each (used as its description). Values are never kept: a real secret
 * committed by mistake must not travel into a report.
 */
import { resolve } from "node:path";
import { inputError } from "../errors.js";
import type { DocEntry, SourceSummary } from "../model.js";
import { displayPath, readText } from "../text.js";

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/;
const COMMENTED_ASSIGNMENT = /^\s*#+\s*(?:export\s+)?([A-Z_][A-Z0-9_]*)\s*=(.*)$/;

export interface EnvExample {
  file: string;
  entries: Map<string, DocEntry>;
}

export function parseEnvExample(text: string, file: string): EnvExample {
  const entries = new Map<string, DocEntry>();
  const lines = text.split(/\r?\n/);
  let comment: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const lineNo = i + 1;
    if (line.trim() === "") {
      comment = [];
      continue;
    }
    const assignment = ASSIGNMENT.exec(line);
    const disabled = assignment ? null : COMMENTED_ASSIGNMENT.exec(line);
    const match = assignment ?? disabled;
    if (match) {
      const name = match[1] as string;
      const value = (match[2] as string).trim();
      const quote = value[0];
      if ((quote === '"' || quote === "'") && !closesOnLine(value, quote)) {
        // A quoted value continues over several lines until its closing quote.
        let j = i + 1;
        while (j < lines.length && !(lines[j] as string).includes(quote)) j++;
        if (j >= lines.length) {
          throw inputError(
            file,
            lineNo,
            `the ${quote} quote opened for ${name} is never closed; close it`,
          );
        }
        i = j;
      }
      if (!entries.has(name)) {
        const entry: DocEntry = {
          location: { file, line: lineNo },
          commentedOut: Boolean(disabled),
        };
        if (comment.length > 0) entry.comment = comment.join(" ");
        entries.set(name, entry);
      }
      comment = [];
      continue;
    }
    const text = /^\s*#+\s?(.*)$/.exec(line);
    if (text) {
      const body = (text[1] as string).trim();
      if (body !== "" && !/^[-=#*]{3,}$/.test(body)) comment.push(body);
    }
    // Any other line (a stray word, a YAML-ish `KEY: value`) documents nothing; dotenv ignores it too.
  }
  return { file, entries };
}

function closesOnLine(value: string, quote: string): boolean {
  for (let i = 1; i < value.length; i++) {
    if (value[i] === "\\") i++;
    else if (value[i] === quote) return true;
  }
  return false;
}

export function readEnvExamples(
  cwd: string,
  files: string[],
): { docs: EnvExample[]; summaries: SourceSummary[] } {
  const docs = files.map((f) => {
    const abs = resolve(cwd, f);
    const shown = displayPath(cwd, abs);
    return parseEnvExample(readText(abs, shown), shown);
  });
  return {
    docs,
    summaries: docs.map((d) => ({
      kind: "env-example",
      path: d.file,
      detail: `${d.entries.size} variables`,
    })),
  };
}
