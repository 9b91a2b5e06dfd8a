/**
 * Reading a Terraform folder: every .tf / .tf.json file parsed (through ./hcl.ts), the blocks
 * of each (variables, locals, resources, module calls) with the file they came from, and the
 * line of a block or of a word inside it, for reports.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { inputError } from "../errors.js";
import { LineIndex, displayPath, findWordLine, isObject, parseJson, readText } from "../text.js";
import { parseHcl } from "./hcl.js";

export interface TfFile {
  abs: string;
  shown: string;
  text: string;
  index: LineIndex;
  json: Record<string, unknown>;
}

export interface Block {
  file: TfFile;
  /** For a resource: its type; for a module call or variable: "". */
  type: string;
  name: string;
  body: Record<string, unknown>;
  /** Character range of the block in its file (header to closing brace), for locating words. */
  from: number;
  to: number;
  line: number;
}

const cache = new Map<string, TfFile[]>();

export function clearTerraformCache(): void {
  cache.clear();
}

/** Parses every .tf and .tf.json file directly in `dir` (a module is one folder). */
export async function readModuleFiles(dir: string, cwd: string): Promise<TfFile[]> {
  const cached = cache.get(dir);
  if (cached) return cached;
  const shownDir = displayPath(cwd, dir);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw inputError(
      shownDir,
      undefined,
      "is not a folder; --terraform takes the folder of a Terraform configuration",
    );
  }
  const names = readdirSync(dir)
    .filter((n) => n.endsWith(".tf") || n.endsWith(".tf.json"))
    .sort();
  const files: TfFile[] = [];
  for (const name of names) {
    const abs = join(dir, name);
    const shown = displayPath(cwd, abs);
    const text = readText(abs, shown);
    const parsed = name.endsWith(".json") ? parseJson(text, shown) : await parseHcl(text, shown);
    files.push({
      abs,
      shown,
      text,
      index: new LineIndex(text),
      json: isObject(parsed) ? parsed : {},
    });
  }
  cache.set(dir, files);
  return files;
}

function firstBody(v: unknown): Record<string, unknown> {
  const body = Array.isArray(v) ? v[0] : v;
  return isObject(body) ? body : {};
}

function locate(file: TfFile, header: RegExp): { from: number; to: number; line: number } {
  const m = header.exec(file.text);
  if (!m) return { from: 0, to: file.text.length, line: 1 };
  const close = file.text.indexOf("\n}", m.index);
  return {
    from: m.index,
    to: close === -1 ? file.text.length : close + 2,
    line: file.index.line(m.index),
  };
}

const q = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The files already read from a folder (./index.ts reads every module before evaluating). */
export function cachedModuleFiles(dir: string): TfFile[] | undefined {
  return cache.get(dir);
}

/** `resource "TYPE" "NAME"` blocks, or `data "TYPE" "NAME"` ones. */
export function resources(
  files: TfFile[],
  type: string,
  kind: "resource" | "data" = "resource",
): Block[] {
  const out: Block[] = [];
  for (const file of files) {
    const all = file.json[kind];
    const byType = isObject(all) ? all[type] : undefined;
    if (!isObject(byType)) continue;
    for (const [name, body] of Object.entries(byType)) {
      const at = locate(
        file,
        new RegExp(`^[ \\t]*${kind}\\s+"?${q(type)}"?\\s+"?${q(name)}"?\\s*\\{`, "m"),
      );
      out.push({ file, type, name, body: firstBody(body), ...at });
    }
  }
  return out;
}

/** `output "NAME" { value = … }` blocks: name → the raw value. */
export function outputs(files: TfFile[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const file of files) {
    if (!isObject(file.json.output)) continue;
    for (const [name, body] of Object.entries(file.json.output))
      out.set(name, firstBody(body).value);
  }
  return out;
}

export function moduleCalls(files: TfFile[]): Block[] {
  const out: Block[] = [];
  for (const file of files) {
    if (!isObject(file.json.module)) continue;
    for (const [name, body] of Object.entries(file.json.module)) {
      const at = locate(file, new RegExp(`^[ \\t]*module\\s+"?${q(name)}"?\\s*\\{`, "m"));
      out.push({ file, type: "", name, body: firstBody(body), ...at });
    }
  }
  return out;
}

export function variables(files: TfFile[]): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const file of files) {
    if (!isObject(file.json.variable)) continue;
    for (const [name, body] of Object.entries(file.json.variable)) out.set(name, firstBody(body));
  }
  return out;
}

export function locals(files: TfFile[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const file of files) {
    const blocks = Array.isArray(file.json.locals)
      ? file.json.locals
      : isObject(file.json.locals)
        ? [file.json.locals]
        : [];
    for (const block of blocks)
      if (isObject(block)) for (const [k, v] of Object.entries(block)) out.set(k, v);
  }
  return out;
}

/** Where a variable name is defined rather than mentioned: a map key, a `name = "X"`, a JSON key. */
function definitionLine(
  file: TfFile,
  name: string,
  from = 0,
  to = file.text.length,
): number | undefined {
  const q = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const re = new RegExp(
    `(?:^|[\\s{,])(?:"${q}"|${q})\\s*[=:](?!=)|\\bname"?\\s*[=:]\\s*"${q}"`,
    "g",
  );
  re.lastIndex = from;
  const m = re.exec(file.text);
  return m && m.index < to ? file.index.line(m.index + m[0].indexOf(name)) : undefined;
}

/** Line of a variable name: its definition in the block, then in any file, then any mention. */
export function lineOf(
  block: Block,
  files: TfFile[],
  word: string,
): { file: string; line: number } {
  const inBlock = definitionLine(block.file, word, block.from, block.to);
  if (inBlock !== undefined) return { file: block.file.shown, line: inBlock };
  for (const f of files) {
    const line = definitionLine(f, word);
    if (line !== undefined) return { file: f.shown, line };
  }
  const mention = findWordLine(block.file.text, block.file.index, word, block.from, block.to);
  if (mention !== undefined) return { file: block.file.shown, line: mention };
  for (const f of files) {
    const line = findWordLine(f.text, f.index, word);
    if (line !== undefined) return { file: f.shown, line };
  }
  return { file: block.file.shown, line: block.line };
}
