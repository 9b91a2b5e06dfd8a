/**
 * Runs a drift check: reads every source given (flags, else the policy file's `sources`),
 * compares them, and returns the analysis. Used by `config check` and `config docs`.
 */
import { resolve } from "node:path";
import type { CodeRead, CodeScan, SourceSummary } from "./model.js";
import { readDeployments } from "./deployments.js";
import { usageError } from "./errors.js";
import { analyse } from "./findings/engine.js";
import type { Policy } from "./findings/policy.js";
import { loadPolicy } from "./findings/policy.js";
import type { Analysis, CodeService, Coverage } from "./findings/types.js";
import { scanCode } from "./sources/code/index.js";
import type { EcsClientFactory } from "./sources/ecs-service.js";
import type { EnvExample } from "./sources/env-example.js";
import { readEnvExamples } from "./sources/env-example.js";
import type { SchemaVar } from "./sources/schema.js";
import { readSchema } from "./sources/schema.js";
import { hasAnySource, resolveSources } from "./settings.js";
import type { Sources } from "./settings.js";
import { uniqueIds } from "./targets.js";
import { codeServices } from "./services.js";
import { readStdin } from "./sources/files.js";
import { displayPath } from "./text.js";

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
  /** Reads standard input, for `--k8s -`; default: the process's, bounded. */
  stdin?: () => Promise<string>;
  /** kubectl's path, or null to read Kustomize folders without it; default: found on PATH. */
  kubectl?: string | null;
}

export interface CheckResult extends Analysis {
  sources: SourceSummary[];
  docs: EnvExample[];
  schema?: Map<string, SchemaVar>;
  policy: Policy;
  settings: Sources;
}

/** The path the policy file is searched from: the first local source given. */
function firstSourcePath(s: Partial<Sources>): string | undefined {
  const lists = [s.code, s.envExample, s.terraform, s.k8s, s.compose, s.taskDefinition, s.tfJson];
  return lists.flatMap((l) => l ?? []).find((p) => p !== "-");
}

export async function runCheck(opts: CheckOptions, deps: CheckDeps = {}): Promise<CheckResult> {
  const policy = loadPolicy(opts.cwd, opts.config, firstSourcePath(opts.sources));
  const s = resolveSources(opts.sources, policy);
  if (s.entry.length > 0 && s.code.length === 0)
    throw usageError("--entry needs --code DIR: the folder the entry's imports are resolved in.");
  if (!hasAnySource(s)) {
    throw usageError(
      "Nothing to check: give at least one source (--code, --env-example, --terraform, --task-definition, --ecs-service, --k8s, --compose), or list them under `sources` in modelgate.drift.json.",
    );
  }
  if (s.k8s.filter((p) => p === "-").length > 1)
    throw usageError("--k8s - reads standard input, which can be read once: give it once.");
  const summaries: SourceSummary[] = [policySummary(policy)];
  let code: CodeScan | undefined;
  if (s.code.length > 0) {
    const scanned = await scanCode({
      cwd: opts.cwd,
      dirs: s.code,
      entries: s.entry,
      includeTests: s.includeTests,
      exclude: s.exclude,
      readers: policy.readers ?? [],
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
  const stdin = s.k8s.includes("-") ? await (deps.stdin ?? readStdin)() : undefined;
  const deployments = await readDeployments({
    cwd: opts.cwd,
    sources: s,
    env: opts.env,
    ecsClient: deps.ecsClient,
    stdin,
    kubectl: deps.kubectl,
  });
  summaries.push(...deployments.summaries);
  const { targets } = deployments;
  uniqueIds(targets);
  const services = code && s.code.length > 0 ? codeServices(opts.cwd, s.code) : [];
  const codePaths = s.code.map((d) => displayPath(opts.cwd, resolve(opts.cwd, d)));
  const analysis = analyse({
    code,
    docs: docs.docs,
    targets,
    unresolved: deployments.unresolved,
    schema,
    policy,
    services,
    codePaths,
    deploymentSources: deployments.given,
  });
  if (services.length > 1) summaries.push(servicesSummary(services, analysis.coverage, codePaths));
  return { ...analysis, sources: summaries, docs: docs.docs, schema, policy, settings: s };
}

/** Which policy file applies, or that none does and where it was looked for. */
function policySummary(policy: Policy): SourceSummary {
  if (!policy.file) return { kind: "policy", path: "none", detail: policy.searched ?? "" };
  return {
    kind: "policy",
    path: policy.file,
    detail: policy.searched ? `found in ${policy.searched}` : "given with --config",
  };
}

function servicesSummary(
  services: CodeService[],
  coverage: Coverage[],
  codePaths: string[],
): SourceSummary {
  const paired = new Set(coverage.flatMap((c) => (c.compared ? c.code : [])));
  const alone = services.filter((s) => !paired.has(s.path)).map((s) => s.path);
  return {
    kind: "services",
    path: codePaths.join(", "),
    detail: `${services.length} services, each compared with its own targets${alone.length > 0 ? `; no target for ${alone.join(", ")}` : ""}`,
  };
}
