/**
 * Pydantic settings: every field of a `BaseSettings` subclass is read from the environment,
 * as `env_prefix` + the field name (upper-cased, since matching is case-insensitive), or under
 * its `env=` / `alias=` / `validation_alias=` name. A field without a default is required.
 */
import type { FileReads } from "./reads.js";
import { FileScan, matchClose, splitTopLevel, stringLiteralAt } from "./reads.js";

const CLASS = /^([ \t]*)class\s+(\w+)\s*(?:\(([^)]*)\))?\s*:/gm;

export interface ClassDecl {
  name: string;
  bases: string[];
}

/** Class declarations with their base names (last dotted segment), for the settings closure. */
export function classDeclarations(text: string): ClassDecl[] {
  const out: ClassDecl[] = [];
  for (const m of text.matchAll(CLASS)) {
    const bases = (m[3] ?? "")
      .split(",")
      .map((b) => b.trim().split("[")[0]?.split(".").pop() ?? "")
      .filter(Boolean);
    out.push({ name: m[2] as string, bases });
  }
  return out;
}

/** Names of every class that is (transitively) a BaseSettings. */
export function settingsClosure(decls: ClassDecl[]): Set<string> {
  const names = new Set(["BaseSettings"]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const d of decls) {
      if (!names.has(d.name) && d.bases.some((b) => names.has(b))) {
        names.add(d.name);
        grew = true;
      }
    }
  }
  names.delete("BaseSettings");
  return names;
}

export function scanPydantic(text: string, file: string, settings: Set<string>): FileReads {
  const scan = new FileScan(text, file);
  for (const m of text.matchAll(CLASS)) {
    if (!settings.has(m[2] as string)) continue;
    const indent = (m[1] as string).length;
    const bodyStart = m.index + m[0].length;
    const body = classBody(text, bodyStart, indent);
    scanClass(scan, bodyStart, body);
  }
  return scan.result;
}

/** The text of the class body: the lines indented deeper than the class line. */
function classBody(text: string, from: number, indent: number): string {
  const lines = text.slice(from).split("\n");
  let length = (lines[0] ?? "").length + 1;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() !== "" && line.length - line.trimStart().length <= indent) break;
    length += line.length + 1;
  }
  return text.slice(from, from + length);
}

function scanClass(scan: FileScan, bodyStart: number, body: string): void {
  const prefix = /env_prefix\s*[=:]\s*(["'])([^"']*)\1/.exec(body)?.[2] ?? "";
  const caseSensitive = /case_sensitive\s*[=:]\s*True/.test(body);
  const fieldIndent = /\n([ \t]+)\S/.exec(body)?.[1] ?? "    ";
  const field = new RegExp(
    `\\n${fieldIndent}([A-Za-z]\\w*)\\s*:\\s*([^=\\n]+?)\\s*(?:=\\s*(.*))?(?=\\n|$)`,
    "g",
  );
  for (const m of body.matchAll(field)) {
    const name = m[1] as string;
    const annotation = m[2] as string;
    if (name === "model_config" || /\bClassVar\b/.test(annotation)) continue;
    const offset = bodyStart + m.index + 1;
    let value = m[3];
    if (value !== undefined && /^\w*Field\s*\(/.test(value)) {
      const open = scan.text.indexOf("(", offset + m[0].indexOf(value));
      const close = matchClose(scan.text, open);
      value = close === -1 ? value : scan.text.slice(open - value.indexOf("("), close);
    }
    const spec = fieldSpec(value);
    const names = spec.names.length > 0 ? spec.names : [prefix + name];
    const optional = spec.hasDefault || /\bOptional\[|\|\s*None\b|\bNone\s*\|/.test(annotation);
    const [main, ...alternatives] = names.map((n) => (caseSensitive ? n : n.toUpperCase()));
    if (!main) continue;
    scan.read(main, offset, optional, "BaseSettings field");
    const last = scan.result.reads[scan.result.reads.length - 1];
    if (last && alternatives.length > 0) last.read.alternatives = alternatives;
  }
}

/** The default and env names given by a field's value (`= 5`, `= Field(..., env="X")`). */
function fieldSpec(value: string | undefined): { hasDefault: boolean; names: string[] } {
  if (value === undefined) return { hasDefault: false, names: [] };
  const call = /^\w*Field\s*\(([\s\S]*)\)\s*$/.exec(value.trim());
  if (!call) return { hasDefault: true, names: [] };
  const args = splitTopLevel(call[1] as string);
  const positional = args.filter((a) => !/^\w+\s*=[^=]/.test(a));
  const named = (key: string) =>
    args.find((a) => new RegExp(`^${key}\\s*=`).test(a))?.replace(/^\w+\s*=\s*/, "");
  const first = positional[0];
  const hasDefault =
    (first !== undefined && first !== "...") ||
    (named("default") !== undefined && named("default") !== "...") ||
    named("default_factory") !== undefined;
  const names: string[] = [];
  for (const key of ["validation_alias", "alias", "env"]) {
    const raw = named(key);
    if (raw === undefined) continue;
    for (const m of raw.matchAll(/(["'])([A-Za-z_]\w*)\1/g)) names.push(m[2] as string);
    if (names.length > 0) break;
  }
  return {
    hasDefault,
    names: names.filter((n, i) => names.indexOf(n) === i && stringLiteralAt(`"${n}"`, 0)),
  };
}
