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
import type { Value, ValueObject } from "./value.js";
import { Unknown, fromJson, isValueObject } from "./value.js";

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
  // file() and templatefile() add the files they read while the definitions are evaluated; a
  // name is looked for first in the files this target read, then in the module's.
  mod.run.touched = new Set();
  const files = (): TfFile[] => {
    const extra = mod.run.extraFiles;
    const read = extra.filter((f) => mod.run.touched.has(f.abs));
    return [...read, ...mod.files, ...extra.filter((f) => !read.includes(f))];
  };
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
  const notes = new Set<string>();
  const definitions = readable(
    containerValue(
      source.definitions(),
      mod.run,
      block.file.shown,
      typeof raw === "string" && !raw.startsWith("${") ? attrLine : 0,
    ),
    notes,
  );
  if (definitions instanceof Unknown || !Array.isArray(definitions)) {
    // Nothing of the containers is known: the target is there, but not read.
    if (container !== undefined) return undefined;
    target.unresolved.push({
      what: `${address} (${source.attribute} ${definitions instanceof Unknown ? definitions.text : ""})`.replace(
        " )",
        ")",
      ),
      reason:
        definitions instanceof Unknown
          ? definitions.reason
          : "they are not a list of container definitions",
      location: { file: block.file.shown, line: attrLine },
      mayProvide: true,
      unread: true,
    });
    return target;
  }
  // A container that is unknown as a whole is a part of the target not read.
  for (const c of definitions.filter((d): d is Unknown => d instanceof Unknown)) {
    target.unresolved.push({
      what: `a container of ${address} (${c.text})`,
      reason: c.reason,
      location: locateText(block, files(), c.text, attrLine),
      mayProvide: true,
      unread: true,
    });
  }
  const read = readContainers({
    definitions: definitions.filter((d) => !(d instanceof Unknown)),
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
    unresolved: [...target.unresolved, ...read.unresolved],
    notes: [...read.notes, ...notes],
  });
  target.identity = identity(target, definitions);
  return target;
}

/** Names and images that tell which service of the code a target runs. */
function identity(target: Target, definitions: Value[]): NonNullable<Target["identity"]> {
  const family = target.family?.kind === "known" ? [target.family.name] : [];
  const images = definitions
    .map((c) => (isValueObject(c) && typeof c.image === "string" ? c.image : ""))
    .filter(Boolean);
  return {
    names: [...family, ...target.containers.filter((c) => /^[\w.-]+$/.test(c) && !c.includes("."))],
    images,
    builds: [],
  };
}

/**
 * The line where an unresolved expression is written: inside the block, else in a file the
 * block read (file(), templatefile()) or another file of the module, else the attribute's line.
 */
export function locateText(
  block: Block,
  files: TfFile[],
  text: string,
  fallback: number,
): { file: string; line: number } {
  const probes = [text.slice(0, 40).trim()];
  const traversal = /^(?:var|local|each|count|module|data|aws_\w+)\.[\w.]+/.exec(text);
  if (traversal) probes.push(traversal[0]);
  for (const probe of probes) {
    if (probe.length < 3) continue;
    // Expression texts have their whitespace collapsed; the source may span lines.
    const re = new RegExp(probe.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/ /g, "\\s+"), "g");
    re.lastIndex = block.from;
    const inBlock = re.exec(block.file.text);
    if (inBlock && inBlock.index < block.to)
      return { file: block.file.shown, line: block.file.index.line(inBlock.index) };
    for (const f of files) {
      re.lastIndex = 0;
      const found = re.exec(f.text);
      if (found) return { file: f.shown, line: f.index.line(found.index) };
    }
  }
  return { file: block.file.shown, line: fallback };
}

/** Container definitions as a structure: parsed JSON text, or jsonencode()'s argument. */
function containerValue(v: Value, run: RunContext, shown: string, lineOffset: number): Value {
  if (typeof v === "string") {
    const origin = run.fileOrigins.get(v);
    return fromJson(parseJson(v, origin ?? `${shown}`, origin ? 0 : lineOffset));
  }
  return v;
}

/**
 * The known part of partly unknown container definitions, as plain structure for
 * ../sources/containers.ts: the value a jsonencode() encodes, the known keys of a partial map,
 * JSON text with unknown parts parsed around them, and the elements of a for-expression whose
 * `if` cannot be resolved (kept, with a note). What stays unknown is an Unknown there.
 */
export function readable(v: Value, notes: Set<string>, depth = 0): Value {
  if (depth > 64) return v;
  if (v instanceof Unknown) {
    if (v.structured !== undefined) return readable(v.structured, notes, depth + 1);
    if (v.partial) return readable(v.partial, notes, depth + 1);
    if (v.pattern) {
      const { text, unknowns, conditions } = withMarkers(v.pattern);
      try {
        const parsed = JSON.parse(text) as unknown;
        for (const c of conditions) notes.add(`read as if ${c.text} held: ${c.reason}`);
        return readable(revive(parsed, unknowns), notes, depth + 1);
      } catch {
        return v; // The unknown parts break the JSON shape: it stays unknown.
      }
    }
    return v;
  }
  if (Array.isArray(v)) {
    return v.map((item) => {
      if (item instanceof Unknown && item.maybe !== undefined) {
        notes.add(`read although it may not be there: an element of ${item.text} (${item.reason})`);
        return readable(item.maybe, notes, depth + 1);
      }
      return readable(item, notes, depth + 1);
    });
  }
  if (isValueObject(v)) {
    const out: ValueObject = {};
    for (const [k, item] of Object.entries(v)) out[k] = readable(item, notes, depth + 1);
    return out;
  }
  return v;
}
