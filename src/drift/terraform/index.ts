/**
 * The `--terraform DIR` source: every `aws_ecs_task_definition` in the configuration (and in the
 * modules it calls: local ones, remote ones `terraform init` fetched, and a Terragrunt unit's
 * module) becomes a declared target, with its family resolved as far as static evaluation allows.
 * Nothing is dropped without a word: a target whose containers cannot be evaluated, a remote
 * module that was not fetched and a task definition in a folder nothing here calls are each a
 * `not-read` warning naming the file, the line and why.
 */
import { readdirSync } from "node:fs";
import { relative, resolve, sep } from "node:path";
import type { SourceSummary, Target, Unresolved } from "../model.js";
import { displayPath } from "../text.js";
import { expand } from "./expand.js";
import type { Block } from "./files.js";
import {
  cachedModuleFiles,
  clearTerraformCache,
  moduleCalls,
  readModuleFiles,
  resources,
} from "./files.js";
import { rootInputs } from "./inputs.js";
import {
  isContainerDefinitionModule,
  isTaskDefinitionModule,
  moduleTaskDefinitions,
} from "./known-modules.js";
import { Budget } from "./limits.js";
import type { ModuleInputs, RunContext } from "./module.js";
import { META, ModuleInstance, evalJson } from "./module.js";
import { preloadModules } from "./preload.js";
import { remoteModuleTarget } from "./remote-module.js";
import { unvisitedTaskDefinitions } from "./scan.js";
import { clearManifestCache, locateModule } from "./sources.js";
import { resourceSource, taskDefinition } from "./target.js";
import {
  fetchedTerragruntSource,
  findUnits,
  localTerragruntSource,
  readTerragruntUnit,
} from "./terragrunt.js";
import type { Value, ValueObject } from "./value.js";
import { Unknown } from "./value.js";

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

/** Modules followed below the root, at most. */
const MAX_MODULE_DEPTH = 8;

interface Walk {
  out: TerraformResult;
  opts: TerraformOptions;
  /** Every .tf file read, so task definitions elsewhere in the folder are reported. */
  visited: Set<string>;
}

export async function readTerraform(opts: TerraformOptions): Promise<TerraformResult> {
  clearTerraformCache();
  clearManifestCache();
  const result: TerraformResult = { targets: [], summaries: [], unresolved: [] };
  for (const dir of opts.dirs) {
    const rootDir = resolve(opts.cwd, dir);
    const w: Walk = { out: result, opts, visited: new Set() };
    const before = result.targets.length;
    const files = await readModuleFiles(rootDir, opts.cwd);
    const units = files.length > 0 ? [] : await unitsOf(rootDir);
    if (units.length > 0) {
      for (const unit of units) await readUnit(unit, w);
    } else {
      const run = runContext(opts.cwd, rootDir, dir);
      const inputs = await rootInputs(
        rootDir,
        opts.cwd,
        opts.varFiles,
        opts.envVars,
        run.extraFiles,
      );
      await preloadModules(rootDir, opts.cwd);
      const root = new ModuleInstance(rootDir, "", files, inputs, run);
      walkModule(root, w, 0);
    }
    result.unresolved.push(...unvisitedTaskDefinitions(rootDir, opts.cwd, w.visited));
    const ids = result.targets.slice(before).map((t) => t.id);
    result.summaries.push({
      kind: "terraform",
      path: displayPath(opts.cwd, rootDir),
      detail: `${ids.length} task definition(s)${units.length > 0 ? ` in ${units.length} Terragrunt unit(s)` : ""}`,
      targets: ids,
    });
  }
  return result;
}

function runContext(cwd: string, rootDir: string, shown: string): RunContext {
  return {
    cwd,
    rootDir,
    fileOrigins: new Map(),
    at: { file: shown, line: 1 },
    extraFiles: [],
    touched: new Set(),
    budget: new Budget(),
  };
}

/**
 * The Terragrunt units below a folder; the folder itself when none is below it but it has a
 * terragrunt.hcl (a folder holding both is the root configuration the units include).
 */
async function unitsOf(dir: string): Promise<string[]> {
  const below = findUnits(dir);
  if (below.length > 0) return below;
  return readdirSync(dir).includes("terragrunt.hcl") ? [dir] : [];
}

/** A Terragrunt unit: its module read with the unit's inputs, or its inputs alone. */
async function readUnit(unitDir: string, w: Walk): Promise<void> {
  const { opts, out } = w;
  const run = runContext(opts.cwd, unitDir, displayPath(opts.cwd, unitDir));
  const unit = await readTerragruntUnit(unitDir, opts.cwd, opts.envVars, run.budget);
  if (!unit) return;
  const source = unit.source;
  const dir =
    typeof source === "string"
      ? (localTerragruntSource(unitDir, source) ?? fetchedTerragruntSource(unitDir, source))
      : undefined;
  if (dir) {
    const files = await readModuleFiles(dir, opts.cwd);
    await preloadModules(dir, opts.cwd);
    const inputs: ModuleInputs = { values: new Map(Object.entries(unit.inputs)) };
    const tfvars = await rootInputs(dir, opts.cwd, opts.varFiles, opts.envVars, run.extraFiles);
    for (const [k, v] of tfvars.values) inputs.values.set(k, v);
    inputs.env = tfvars.env;
    const mod = new ModuleInstance(dir, "", files, inputs, { ...run, rootDir: dir });
    walkModule(mod, w, 0, `${relative(opts.cwd, unitDir).split(sep).join("/") || "."}:`);
    return;
  }
  const why =
    source instanceof Unknown
      ? `its module source ${source.text} cannot be resolved (${source.reason})`
      : `its source ${String(source)} is not a local folder and Terragrunt has not fetched it into .terragrunt-cache`;
  const unitName = relative(opts.cwd, unitDir).split(sep).join("/") || ".";
  const stand = new ModuleInstance(unitDir, "", [], { values: new Map() }, run);
  const made = remoteModuleTarget(
    stand,
    unit.block,
    { kind: "remote", source: typeof source === "string" ? source : "?", why },
    unit.inputs,
    "",
    opts.container,
    "run `terragrunt init` in the unit to let modelgate read its module",
    {
      address: unitName,
      what: `Terragrunt unit ${unitName} (${typeof source === "string" ? source : "?"})`,
    },
  );
  if (made.target) out.targets.push(made.target);
  else if (made.unresolved) out.unresolved.push(made.unresolved);
}

function walkModule(mod: ModuleInstance, w: Walk, depth: number, prefix = ""): void {
  const { out, opts } = w;
  for (const f of mod.files) w.visited.add(f.abs);
  for (const block of resources(mod.files, "aws_ecs_task_definition")) {
    for (const inst of expand(block.body, mod.ev)) {
      const target = taskDefinition(
        mod,
        block,
        `${prefix}${mod.address}aws_ecs_task_definition.${block.name}${inst.suffix}`,
        resourceSource(block, inst.ev),
        opts.container,
      );
      if (!target) continue;
      if (inst.note) target.notes.push(inst.note);
      out.targets.push(target);
    }
  }
  for (const call of moduleCalls(mod.files)) {
    const source = evalJson(call.body.source, mod.ev);
    // A container-definition module is read through its outputs (see ./known-modules.ts).
    if (isContainerDefinitionModule(source)) continue;
    if (isTaskDefinitionModule(source)) {
      knownModule(mod, call, source, w, prefix);
      continue;
    }
    const found = locateModule(mod.run.rootDir, mod.dir, mod.childKey(call.name), source);
    if (!found.dir) {
      for (const inst of expand(call.body, mod.ev)) {
        const args: ValueObject = {};
        for (const [k, v] of Object.entries(call.body))
          if (!META.has(k)) args[k] = evalJson(v, inst.ev);
        const made = remoteModuleTarget(mod, call, found, args, inst.suffix, opts.container);
        if (made.target) out.targets.push(made.target);
        else if (made.unresolved) out.unresolved.push(made.unresolved);
      }
      continue;
    }
    if (depth >= MAX_MODULE_DEPTH) {
      out.unresolved.push({
        what: `module "${call.name}" (${found.source})`,
        reason: `modules are followed ${MAX_MODULE_DEPTH} levels deep, and this one is deeper`,
        location: { file: call.file.shown, line: call.line },
        mayProvide: true,
        unread: true,
      });
      continue;
    }
    mod.run.at = { file: call.file.shown, line: call.line };
    const files = cachedModuleFiles(found.dir) ?? [];
    for (const inst of expand(call.body, mod.ev)) {
      const child = mod.child(call, found.dir, files, inst.ev, inst.suffix);
      walkModule(child, w, depth + 1, prefix);
    }
  }
}

/** A terraform-aws-modules/ecs call: its task definitions come from its arguments. */
function knownModule(
  mod: ModuleInstance,
  call: Block,
  source: Value,
  w: Walk,
  prefix: string,
): void {
  for (const inst of expand(call.body, mod.ev)) {
    const args: ValueObject = {};
    for (const [k, v] of Object.entries(call.body))
      if (!META.has(k)) args[k] = evalJson(v, inst.ev);
    for (const d of moduleTaskDefinitions(source, args) ?? []) {
      const target = taskDefinition(
        mod,
        call,
        `${prefix}${mod.address}module.${call.name}${inst.suffix}${d.suffix}`,
        {
          family: () => d.family,
          definitions: () => d.definitions,
          attribute: "container_definitions",
        },
        w.opts.container,
      );
      if (target) w.out.targets.push(target);
    }
  }
}
