/**
 * The `--terraform DIR` source: every `aws_ecs_task_definition` in the configuration (and in the
 * local modules it calls) becomes a declared target, with its family resolved as far as static
 * evaluation allows. Container definitions may be jsonencode([...]), a heredoc, file() or
 * templatefile() JSON; whatever cannot be resolved is reported with its location.
 */
import { resolve } from "node:path";
import type { SourceSummary, Target, Unresolved } from "../model.js";
import { displayPath } from "../text.js";
import { clearTerraformCache, moduleCalls, readModuleFiles, resources } from "./files.js";
import { expand } from "./expand.js";
import type { RunContext } from "./module.js";
import { ModuleInstance, evalJson, installedModuleDir, rootInputs } from "./module.js";
import { resourceSource, taskDefinition } from "./target.js";
import {
  isContainerDefinitionModule,
  isTaskDefinitionModule,
  moduleTaskDefinitions,
} from "./known-modules.js";
import type { Block } from "./files.js";
import type { ValueObject } from "./value.js";
import type { Value } from "./value.js";

export interface TerraformOptions {
  cwd: string;
  dirs: string[];
  varFiles: string[];
  envVars: Record<string, string | undefined>;
  container?: string;
}

export interface TerraformResult {
  targets: Target[];
  summaries: SourceSummary[];
  /** Problems not tied to one task definition (a module that cannot be read). */
  unresolved: Unresolved[];
}

const META = new Set(["source", "version", "providers", "count", "for_each", "depends_on"]);

export async function readTerraform(opts: TerraformOptions): Promise<TerraformResult> {
  clearTerraformCache();
  const result: TerraformResult = { targets: [], summaries: [], unresolved: [] };
  for (const dir of opts.dirs) {
    const rootDir = resolve(opts.cwd, dir);
    const run: RunContext = {
      cwd: opts.cwd,
      rootDir,
      fileOrigins: new Map(),
      at: { file: dir, line: 1 },
      extraFiles: [],
    };
    const files = await readModuleFiles(rootDir, opts.cwd);
    const inputs = await rootInputs(rootDir, opts.cwd, opts.varFiles, opts.envVars, run.extraFiles);
    const before = result.targets.length;
    await walk(new ModuleInstance(rootDir, "", files, inputs, run), result, opts, "", 0);
    const ids = result.targets.slice(before).map((t) => t.id);
    result.summaries.push({
      kind: "terraform",
      path: displayPath(opts.cwd, rootDir),
      detail: `${ids.length} task definition(s)`,
      targets: ids,
    });
  }
  return result;
}

async function walk(
  mod: ModuleInstance,
  out: TerraformResult,
  opts: TerraformOptions,
  key: string,
  depth: number,
): Promise<void> {
  for (const block of resources(mod.files, "aws_ecs_task_definition")) {
    for (const inst of expand(block.body, mod.ev)) {
      const target = taskDefinition(
        mod,
        block,
        `${mod.address}aws_ecs_task_definition.${block.name}${inst.suffix}`,
        resourceSource(block, inst.ev),
        opts.container,
      );
      if (!target) continue;
      if (inst.note) target.notes.push(inst.note);
      out.targets.push(target);
    }
  }
  if (depth >= 8) return;
  for (const call of moduleCalls(mod.files)) {
    const source = evalJson(call.body.source, mod.ev);
    const callKey = key ? `${key}.${call.name}` : call.name;
    const local =
      typeof source === "string" && (source.startsWith("./") || source.startsWith("../"));
    // A container-definition module is read through its outputs (see ./known-modules.ts).
    if (isContainerDefinitionModule(source) || knownModule(mod, call, source, out, opts)) continue;
    const dir = local ? resolve(mod.dir, source) : installedModuleDir(mod.run.rootDir, callKey);
    if (!dir) {
      if (Object.keys(call.body).some((k) => /container|task|environment|secret/i.test(k))) {
        out.unresolved.push({
          what: `module "${call.name}" (${typeof source === "string" ? source : "?"})`,
          reason:
            "its source is not local and `terraform init` has not downloaded it; its task definitions are not read (pass --tf-json)",
          location: { file: call.file.shown, line: call.line },
          mayProvide: true,
        });
      }
      continue;
    }
    mod.run.at = { file: call.file.shown, line: call.line };
    const files = await readModuleFiles(dir, opts.cwd);
    for (const inst of expand(call.body, mod.ev)) {
      const inputs = new Map<string, Value>();
      for (const [k, v] of Object.entries(call.body))
        if (!META.has(k)) inputs.set(k, evalJson(v, inst.ev));
      const child = new ModuleInstance(
        dir,
        `${mod.address}module.${call.name}${inst.suffix}.`,
        files,
        inputs,
        mod.run,
      );
      await walk(child, out, opts, callKey, depth + 1);
    }
  }
}

/** A terraform-aws-modules/ecs call: its task definitions come from its arguments. */
function knownModule(
  mod: ModuleInstance,
  call: Block,
  source: Value,
  out: TerraformResult,
  opts: TerraformOptions,
): boolean {
  if (!isTaskDefinitionModule(source)) return false;
  for (const inst of expand(call.body, mod.ev)) {
    const args: ValueObject = {};
    for (const [k, v] of Object.entries(call.body))
      if (!META.has(k)) args[k] = evalJson(v, inst.ev);
    for (const d of moduleTaskDefinitions(source, args) ?? []) {
      const target = taskDefinition(
        mod,
        call,
        `${mod.address}module.${call.name}${inst.suffix}${d.suffix}`,
        {
          family: () => d.family,
          definitions: () => d.definitions,
          attribute: "container_definitions",
        },
        opts.container,
      );
      if (target) out.targets.push(target);
    }
  }
  return true;
}
