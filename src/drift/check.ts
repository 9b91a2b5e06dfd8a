/**
 * Runs a drift check: reads every source given (flags, else the policy file's `sources`),
 * compares them, and returns the analysis. Used by `config check` and `config docs`.
 */
import type { CodeRead, CodeScan, SourceSummary, Target, Unresolved } from "./model.js";
import { usageError } from "./errors.js";
import { analyse } from "./findings/engine.js";
import type { Policy } from "./findings/policy.js";
import { loadPolicy } from "./findings/policy.js";
import type { Analysis } from "./findings/types.js";
import { scanCode } from "./sources/code/index.js";
import { readCompose } from "./sources/compose.js";
import type { EcsClientFactory } from "./sources/ecs-service.js";
import { defaultEcsClient, readEcsServices } from "./sources/ecs-service.js";
import type { EnvExample } from "./sources/env-example.js";
import { readEnvExamples } from "./sources/env-example.js";
import { readK8s } from "./sources/k8s.js";
import type { SchemaVar } from "./sources/schema.js";
import { readSchema } from "./sources/schema.js";
import { readTaskDefinitionFiles } from "./sources/task-definition.js";
import { readTfJson } from "./sources/tf-json.js";
import { hasAnySource, resolveSources } from "./settings.js";
import type { Sources } from "./settings.js";
import { preferTfJson, uniqueIds } from "./targets.js";
import { readTerraform } from "./terraform/index.js";

export type { Sources } from "./settings.js";

export interface CheckOptions {
  cwd: string;
  /** Sources given on the command line; when none is, the policy file's `sources` apply. */
  sources: Partial<Sources>;
  /** The policy file (--config); default .modelgate/drift.json, then modelgate.drift.json. */
  config?: string;
  /** The environment, for TF_VAR_* values. */
  env: Record<string, string | undefined>;
}

export interface CheckDeps {
  ecsClient?: EcsClientFactory;
}

export interface CheckResult extends Analysis {
  sources: SourceSummary[];
  docs: EnvExample[];
  schema?: Map<string, SchemaVar>;
  policy: Policy;
  settings: Sources;
}

export async function runCheck(opts: CheckOptions, deps: CheckDeps = {}): Promise<CheckResult> {
  const policy = loadPolicy(opts.cwd, opts.config);
  const s = resolveSources(opts.sources, policy);
  if (s.entry.length > 0 && s.code.length === 0)
    throw usageError("--entry needs --code DIR: the folder the entry's imports are resolved in.");
  if (!hasAnySource(s)) {
    throw usageError(
      "Nothing to check: give at least one source (--code, --env-example, --terraform, --task-definition, --ecs-service, --k8s, --compose), or list them under `sources` in modelgate.drift.json.",
    );
  }
  const summaries: SourceSummary[] = [];
  let code: CodeScan | undefined;
  if (s.code.length > 0) {
    const scanned = await scanCode({
      cwd: opts.cwd,
      dirs: s.code,
      entries: s.entry,
      includeTests: s.includeTests,
    });
    code = scanned.scan;
    summaries.push(scanned.summary);
  }
  let schema: Map<string, SchemaVar> | undefined;
  if (s.schema) {
    const read = readSchema(opts.cwd);
    schema = read.vars;
    code ??= { reads: new Map(), dynamic: [], files: 0 };
    for (const [name, r] of read.reads)
      code.reads.set(name, [
        r,
        ...(code.reads.get(name) ?? []).map((x: CodeRead) => ({
          ...x,
          alternatives: r.alternatives,
        })),
      ]);
    summaries.push(read.summary);
  }
  const docs = readEnvExamples(opts.cwd, s.envExample);
  summaries.push(...docs.summaries);
  const targets: Target[] = [];
  const unresolved: Unresolved[] = [];
  const tfJson = readTfJson(opts.cwd, s.tfJson, s.container);
  if (s.terraform.length > 0) {
    const tf = await readTerraform({
      cwd: opts.cwd,
      dirs: s.terraform,
      varFiles: s.tfVarFile,
      envVars: opts.env,
      container: s.container,
    });
    summaries.push(...tf.summaries);
    targets.push(...preferTfJson(tf.targets, tfJson.targets));
    if (tfJson.targets.length === 0) unresolved.push(...tf.unresolved);
  } else targets.push(...tfJson.targets);
  summaries.push(...tfJson.summaries);
  const files = readTaskDefinitionFiles(opts.cwd, s.taskDefinition, s.container);
  targets.push(...files.targets);
  summaries.push(...files.summaries);
  const ecs = await readEcsServices(
    s.ecsService,
    s.region,
    s.container,
    deps.ecsClient ?? defaultEcsClient,
  );
  targets.push(...ecs.targets);
  summaries.push(...ecs.summaries);
  const k8s = readK8s(opts.cwd, s.k8s, s.container);
  targets.push(...k8s.targets);
  unresolved.push(...k8s.unresolved);
  summaries.push(...k8s.summaries);
  const compose = readCompose(opts.cwd, s.compose, s.container);
  targets.push(...compose.targets);
  summaries.push(...compose.summaries);
  if (
    s.container !== undefined &&
    targets.length === 0 &&
    summaries.some((x) => x.kind !== "code" && x.kind !== "env-example" && x.kind !== "schema")
  ) {
    throw usageError(
      `No deployment target has a container named ${s.container}: check --container.`,
    );
  }
  uniqueIds(targets);
  const analysis = analyse({ code, docs: docs.docs, targets, unresolved, schema, policy });
  return { ...analysis, sources: summaries, docs: docs.docs, schema, policy, settings: s };
}
