/**
 * The `--tf-json` source: `terraform show -json` output, of a plan (planned_values) or of the
 * state (values), with module resources under `child_modules`. Terraform evaluated every
 * expression, so this is the ground truth for the Terraform side. The file holds sensitive
 * values in plain text: only names and secret references are read from it.
 */
import { inputError } from "../errors.js";
import type { SourceSummary, Target } from "../model.js";
import { isObject, parseJson } from "../text.js";
import { readContainers } from "./containers.js";
import { readSourceFiles } from "./files.js";

interface TfResource {
  address: string;
  values: Record<string, unknown>;
}

function collect(module: unknown, out: TfResource[]): void {
  if (!isObject(module)) return;
  for (const r of Array.isArray(module.resources) ? module.resources : []) {
    if (
      isObject(r) &&
      r.type === "aws_ecs_task_definition" &&
      r.mode !== "data" &&
      typeof r.address === "string"
    ) {
      out.push({ address: r.address, values: isObject(r.values) ? r.values : {} });
    }
  }
  for (const child of Array.isArray(module.child_modules) ? module.child_modules : [])
    collect(child, out);
}

/** Attributes a plan can only know after apply, by resource address. */
function unknownAfterApply(doc: Record<string, unknown>): Set<string> {
  const out = new Set<string>();
  for (const rc of Array.isArray(doc.resource_changes) ? doc.resource_changes : []) {
    if (!isObject(rc) || !isObject(rc.change) || !isObject(rc.change.after_unknown)) continue;
    if (rc.change.after_unknown.container_definitions === true && typeof rc.address === "string")
      out.add(rc.address);
  }
  return out;
}

export function readTfJson(
  cwd: string,
  files: string[],
  container: string | undefined,
): { targets: Target[]; summaries: SourceSummary[] } {
  return readSourceFiles(cwd, files, ({ shown, text }) => {
    const targets: Target[] = [];
    const doc = parseJson(text, shown);
    if (!isObject(doc) || !(isObject(doc.values) || isObject(doc.planned_values))) {
      throw inputError(
        shown,
        1,
        "is not `terraform show -json` output (no values or planned_values); run `terraform show -json > FILE`",
      );
    }
    const root = isObject(doc.planned_values)
      ? doc.planned_values.root_module
      : isObject(doc.values)
        ? doc.values.root_module
        : undefined;
    const resources: TfResource[] = [];
    collect(root, resources);
    const later = unknownAfterApply(doc);
    const ids: string[] = [];
    for (const r of resources) {
      const origin = { file: shown, resource: r.address };
      let definitions: unknown = r.values.container_definitions;
      const target: Target = {
        id: `terraform:${r.address}`,
        kind: "terraform",
        label: r.address,
        role: "declared",
        location: origin,
        containers: [],
        provisions: new Map(),
        unresolved: [],
        notes: [],
      };
      if (typeof r.values.family === "string")
        target.family = { kind: "known", name: r.values.family };
      if (typeof definitions === "string")
        definitions = parseJson(definitions, `${shown} (${r.address} container_definitions)`);
      if (definitions === undefined || definitions === null) {
        target.unresolved.push({
          what: "container definitions",
          reason: later.has(r.address)
            ? "the plan knows them only after apply"
            : "the resource has none in this file",
          location: origin,
          mayProvide: true,
        });
      } else {
        const read = readContainers({ definitions, where: () => origin, origin, container });
        if (!read.selected) continue;
        Object.assign(target, {
          containers: read.containers,
          provisions: read.provisions,
          unresolved: read.unresolved,
          notes: read.notes,
        });
      }
      targets.push(target);
      ids.push(target.id);
    }
    return {
      targets,
      summary: {
        kind: "tf-json",
        path: shown,
        detail: `${ids.length} task definition(s)`,
        targets: ids,
      },
    };
  });
}
