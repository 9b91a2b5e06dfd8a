/**
 * `--schema`: modelgate's own declared variables (src/config/schema.ts) counted as code reads.
 * modelgate reads its environment in one place through that table (`env[spec.env]`), which a
 * text scanner cannot follow, so the table itself is the list of reads. Every variable in it is
 * optional at start-up (unset turns a feature off), so what a deployment cannot do without is
 * listed under `required` in the policy file. A secret is also satisfied by `<NAME>_FILE`.
 */
import { existsSync, readFileSync } from "node:fs";
import { schemaEntries } from "../../config/index.js";
import { packagePath } from "../../package-root.js";
import type { CodeRead, SourceSummary } from "../model.js";
import { LineIndex, displayPath } from "../text.js";

/** src/config/schema.ts of this checkout (also from dist/, which sits beside src/). */
const SCHEMA_FILE = packagePath("src", "config", "schema.ts");

export interface SchemaVar {
  description: string;
  secret: boolean;
  aliases: string[];
  hasDefault: boolean;
}

export function readSchema(cwd: string): {
  reads: Map<string, CodeRead>;
  vars: Map<string, SchemaVar>;
  summary: SourceSummary;
} {
  const text = existsSync(SCHEMA_FILE) ? readFileSync(SCHEMA_FILE, "utf8") : "";
  const index = new LineIndex(text);
  const shown = displayPath(cwd, SCHEMA_FILE);
  const reads = new Map<string, CodeRead>();
  const vars = new Map<string, SchemaVar>();
  for (const [, spec] of schemaEntries()) {
    const aliases = [...(spec.aliases ?? [])];
    const alternatives = [
      ...aliases,
      ...(spec.secret ? [`${spec.env}_FILE`, ...aliases.map((a) => `${a}_FILE`)] : []),
    ];
    const at = text.indexOf(`env: "${spec.env}"`);
    const line = at === -1 ? undefined : index.line(at);
    const read: CodeRead = {
      location: line === undefined ? { file: shown } : { file: shown, line },
      need: (spec as { required?: boolean }).required === true ? "required" : "optional",
      via: "modelgate configuration schema",
    };
    if (alternatives.length > 0) read.alternatives = alternatives;
    reads.set(spec.env, read);
    vars.set(spec.env, {
      description: spec.description,
      secret: spec.secret === true,
      aliases,
      hasDefault: spec.default !== undefined,
    });
  }
  return {
    reads,
    vars,
    summary: { kind: "schema", path: shown, detail: `${vars.size} declared variables` },
  };
}
