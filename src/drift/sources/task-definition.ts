/**
 * The `--task-definition` source: an ECS task definition as `aws ecs describe-task-definition`
 * prints it, its bare `taskDefinition`, or `register-task-definition` input — a file, or the
 * task definitions in a folder. It is what runs (or is about to), so it is a deployed target;
 * its family and revision are reported.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { inputError } from "../errors.js";
import type { Location, SourceSummary, Target } from "../model.js";
import { LineIndex, displayPath, isObject, parseJson } from "../text.js";
import { readContainers } from "./containers.js";
import { readSourceFiles } from "./files.js";

export interface TaskDefinitionShape {
  family?: string;
  revision?: number;
  taskDefinitionArn?: string;
  containerDefinitions: unknown;
}

/** The task definition inside any of the accepted shapes, or undefined. */
export function unwrapTaskDefinition(doc: unknown): TaskDefinitionShape | undefined {
  if (Array.isArray(doc)) return { containerDefinitions: doc };
  if (!isObject(doc)) return undefined;
  const inner = isObject(doc.taskDefinition) ? doc.taskDefinition : doc;
  if (!("containerDefinitions" in inner)) return undefined;
  return {
    family: typeof inner.family === "string" ? inner.family : undefined,
    revision: typeof inner.revision === "number" ? inner.revision : undefined,
    taskDefinitionArn:
      typeof inner.taskDefinitionArn === "string" ? inner.taskDefinitionArn : undefined,
    containerDefinitions: inner.containerDefinitions,
  };
}

export function taskDefinitionLabel(td: Pick<TaskDefinitionShape, "family" | "revision">): string {
  if (!td.family) return "task definition (no family)";
  return td.revision === undefined ? td.family : `${td.family}:${td.revision}`;
}

/** Builds the target for one task definition; `where` places a variable name. */
export function taskDefinitionTarget(
  td: TaskDefinitionShape,
  id: string,
  origin: Location,
  where: (name: string) => Location,
  container: string | undefined,
): { target: Target; selected: boolean } {
  const read = readContainers({ definitions: td.containerDefinitions, where, origin, container });
  const target: Target = {
    id,
    kind: "task-definition",
    label: taskDefinitionLabel(td),
    role: "deployed",
    location: origin,
    containers: read.containers,
    provisions: read.provisions,
    unresolved: read.unresolved,
    notes: read.notes,
    identity: {
      names: [...(td.family ? [td.family] : []), ...read.containers],
      images: (Array.isArray(td.containerDefinitions) ? td.containerDefinitions : [])
        .map((c: unknown) => (isObject(c) && typeof c.image === "string" ? c.image : ""))
        .filter(Boolean),
      builds: [],
    },
  };
  if (td.family) target.family = { kind: "known", name: td.family };
  if (td.revision !== undefined) target.revision = td.revision;
  return { target, selected: read.selected };
}

/** JSON files looked at in one folder at most, and the size past which one is not looked at. */
const MAX_FILES = 2000;
const MAX_BYTES = 4 * 1024 * 1024;

/**
 * A file as given, or the task definitions in a folder (recursively): JSON files that hold one.
 * Other JSON in the folder is skipped, and said so.
 */
function taskDefinitionFiles(
  cwd: string,
  path: string,
): { files: string[]; skipped: SourceSummary[] } {
  const abs = resolve(cwd, path);
  if (!statSync(abs, { throwIfNoEntry: false })?.isDirectory())
    return { files: [path], skipped: [] };
  const shown = displayPath(cwd, abs);
  const json: string[] = [];
  const stack = [abs];
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory() && !e.name.startsWith(".") && e.name !== "node_modules") stack.push(p);
      else if (e.isFile() && e.name.endsWith(".json")) json.push(p);
    }
    if (json.length > MAX_FILES)
      throw inputError(
        shown,
        undefined,
        `holds more than ${MAX_FILES} JSON files; pass the task definition files themselves`,
      );
  }
  const files = json.sort().filter((f) => {
    try {
      if (statSync(f).size > MAX_BYTES) return false;
      return unwrapTaskDefinition(JSON.parse(readFileSync(f, "utf8"))) !== undefined;
    } catch {
      return false;
    }
  });
  if (files.length === 0)
    throw inputError(
      shown,
      undefined,
      "has no ECS task definition (a .json file with containerDefinitions); pass the output of `aws ecs describe-task-definition`",
    );
  const others = json.length - files.length;
  const skipped =
    others > 0
      ? [
          {
            kind: "task-definition",
            path: shown,
            detail: `${others} other JSON file(s) skipped (not task definitions)`,
          },
        ]
      : [];
  return { files, skipped };
}

export function readTaskDefinitionFiles(
  cwd: string,
  paths: string[],
  container: string | undefined,
): { targets: Target[]; summaries: SourceSummary[] } {
  const listed = paths.map((p) => taskDefinitionFiles(cwd, p));
  const read = readFiles(
    cwd,
    listed.flatMap((l) => l.files),
    container,
  );
  return {
    targets: read.targets,
    summaries: [...read.summaries, ...listed.flatMap((l) => l.skipped)],
  };
}

function readFiles(
  cwd: string,
  files: string[],
  container: string | undefined,
): { targets: Target[]; summaries: SourceSummary[] } {
  return readSourceFiles(cwd, files, ({ shown, text }) => {
    const td = unwrapTaskDefinition(parseJson(text, shown));
    if (!td) {
      throw inputError(
        shown,
        1,
        "is not an ECS task definition (no containerDefinitions); pass the output of `aws ecs describe-task-definition`",
      );
    }
    const index = new LineIndex(text);
    const where = (name: string): Location => {
      const at = text.indexOf(`"${name}"`);
      return at === -1 ? { file: shown } : { file: shown, line: index.line(at) };
    };
    const id = `task-definition:${taskDefinitionLabel(td)}`;
    const { target, selected } = taskDefinitionTarget(
      td,
      id,
      { file: shown, line: 1 },
      where,
      container,
    );
    if (!selected) {
      const detail = `no container named ${container}; skipped`;
      return { targets: [], summary: { kind: "task-definition", path: shown, detail } };
    }
    return {
      targets: [target],
      summary: { kind: "task-definition", path: shown, detail: target.label, targets: [target.id] },
    };
  });
}
