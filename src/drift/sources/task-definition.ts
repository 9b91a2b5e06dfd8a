/**
 * The `--task-definition` source: an ECS task definition as `aws ecs describe-task-definition`
 * prints it, its bare `taskDefinition`, or `register-task-definition` input. It is what runs (or
 * is about to), so it is a deployed target; its family and revision are reported.
 */
import { inputError } from "../errors.js";
import type { Location, SourceSummary, Target } from "../model.js";
import { LineIndex, isObject, parseJson } from "../text.js";
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
  };
  if (td.family) target.family = { kind: "known", name: td.family };
  if (td.revision !== undefined) target.revision = td.revision;
  return { target, selected: read.selected };
}

export function readTaskDefinitionFiles(
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
