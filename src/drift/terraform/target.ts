/**
 * One `aws_ecs_task_definition` instance as a declared target: its family (a name, a pattern with
 * unknown parts, or unknown), and the names its container definitions provide, each placed at the
 * file and line that defines it.
 */
import type { Family, Target } from "../model.js";
import { findWordLine, parseJson } from "../text.js";
import { readContainers } from "../sources/containers.js";
import type { Block, TfFile } from "./files.js";
import { lineOf } from "./files.js";
import { revive, withMarkers } from "./json-text.js";
import type { ModuleInstance, RunContext } from "./module.js";
import { evalJson } from "./module.js";
import type { Value } from "./value.js";
import { Unknown } from "./value.js";

function family(v: Value): Family {
  if (typeof v === "string") return { kind: "known", name: v };
  if (v instanceof Unknown && v.pattern) {
    return {
      kind: "pattern",
      parts: v.pattern.map((p) => (typeof p === "string" ? p : null)),
      text: v.text,
    };
  }
  return { kind: "unknown", text: v instanceof Unknown ? `${v.text} (${v.reason})` : String(v) };
}

/** What a task definition is made of, evaluated once the location for errors is set. */
export interface TaskDefinitionSource {
  family: () => Value;
  definitions: () => Value;
  /** The attribute as hcl2json gave it: a heredoc's JSON errors are offset by its line. */
  raw?: unknown;
  attribute: string;
}

export function resourceSource(block: Block, ev: ModuleInstance["ev"]): TaskDefinitionSource {
  return {
    family: () => evalJson(block.body.family, ev),
    definitions: () => evalJson(block.body.container_definitions, ev),
    raw: block.body.container_definitions,
    attribute: "container_definitions",
  };
}

export function taskDefinition(
  mod: ModuleInstance,
  block: Block,
  address: string,
  source: TaskDefinitionSource,
  container: string | undefined,
): Target | undefined {
  // file() and templatefile() add the files they read while the definitions are evaluated.
  const files = (): TfFile[] => [...mod.files, ...mod.run.extraFiles];
  const attrLine =
    findWordLine(block.file.text, block.file.index, source.attribute, block.from, block.to) ??
    block.line;
  mod.run.at = { file: block.file.shown, line: attrLine };
  const origin = { file: block.file.shown, line: block.line };
  const target: Target = {
    id: `terraform:${address}`,
    kind: "terraform",
    label: address,
    role: "declared",
    location: origin,
    family: family(source.family()),
    containers: [],
    provisions: new Map(),
    unresolved: [],
    notes: [],
  };
  const raw = source.raw;
  const definitions = containerValue(
    source.definitions(),
    mod.run,
    block.file.shown,
    typeof raw === "string" && !raw.startsWith("${") ? attrLine : 0,
  );
  const read = readContainers({
    definitions,
    origin: { file: block.file.shown, line: attrLine },
    where: (name) => lineOf(block, files(), name),
    container,
    unknown: (v) => (v instanceof Unknown ? { text: v.text, reason: v.reason } : undefined),
    locate: (text) => locateText(block, files(), text, attrLine),
  });
  if (!read.selected) return undefined;
  Object.assign(target, {
    containers: read.containers,
    provisions: read.provisions,
    unresolved: read.unresolved,
    notes: read.notes,
  });
  return target;
}

/**
 * The line where an unresolved expression is written: inside the block, else in a file the
 * block read (file(), templatefile()), else the attribute's line.
 */
function locateText(
  block: Block,
  files: TfFile[],
  text: string,
  fallback: number,
): { file: string; line: number } {
  const probes = [text.slice(0, 40)];
  const traversal = /^(?:var|local|each|count|module|data|aws_\w+)\.[\w.]+/.exec(text);
  if (traversal) probes.push(traversal[0]);
  for (const probe of probes) {
    if (probe.length < 3) continue;
    const at = block.file.text.indexOf(probe, block.from);
    if (at !== -1 && at < block.to)
      return { file: block.file.shown, line: block.file.index.line(at) };
    for (const f of files) {
      if (f === block.file) continue;
      const found = f.text.indexOf(probe);
      if (found !== -1 && f.json !== undefined && !f.shown.endsWith(".tf"))
        return { file: f.shown, line: f.index.line(found) };
    }
  }
  return { file: block.file.shown, line: fallback };
}

/** Container definitions as a structure: parsed JSON text, or jsonencode()'s argument. */
function containerValue(v: Value, run: RunContext, shown: string, lineOffset: number): unknown {
  if (typeof v === "string") {
    const origin = run.fileOrigins.get(v);
    return parseJson(v, origin ?? `${shown}`, origin ? 0 : lineOffset);
  }
  if (v instanceof Unknown && v.structured !== undefined) return v.structured;
  if (v instanceof Unknown && v.pattern) {
    const { text, unknowns } = withMarkers(v.pattern);
    try {
      return revive(JSON.parse(text), unknowns);
    } catch {
      return v; // The unknown parts break the JSON shape: the whole list is unresolved.
    }
  }
  return v;
}
