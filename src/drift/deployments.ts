/**
 * Reads every deployment source a check was given — Terraform, plans, task definitions, live ECS
 * services, Kubernetes manifests, compose files — into targets, applying `--container NAME` or
 * `WORKLOAD/CONTAINER`. Also lists the sources given, so a run that compares none fails.
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import type { DeploymentSource } from "./findings/engine.js";
import { usageError } from "./errors.js";
import type { SourceSummary, Target, Unresolved } from "./model.js";
import type { Sources } from "./settings.js";
import { readCompose } from "./sources/compose.js";
import type { EcsClientFactory } from "./sources/ecs-service.js";
import { defaultEcsClient, readEcsServices } from "./sources/ecs-service.js";
import { STDIN_SHOWN, readK8s } from "./sources/k8s.js";
import { readTaskDefinitionFiles } from "./sources/task-definition.js";
import { readTfJson } from "./sources/tf-json.js";
import { isWorkload, parseSelector, preferTfJson } from "./targets.js";
import { readTerraform } from "./terraform/index.js";
import { displayPath } from "./text.js";

export interface DeploymentInput {
  cwd: string;
  sources: Sources;
  env: Record<string, string | undefined>;
  ecsClient?: EcsClientFactory;
  /** What was piped to standard input, when a --k8s path is `-`. */
  stdin?: string;
  /** kubectl's path, or null to read Kustomize folders without it; default: found on PATH. */
  kubectl?: string | null;
}

export interface Deployments {
  targets: Target[];
  unresolved: Unresolved[];
  summaries: SourceSummary[];
  given: DeploymentSource[];
}

/** An executable on the given PATH, if any. */
export function onPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? "").split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export async function readDeployments(input: DeploymentInput): Promise<Deployments> {
  const { cwd, sources: s } = input;
  const selector = parseSelector(s.container);
  const container = selector?.container;
  const targets: Target[] = [];
  const unresolved: Unresolved[] = [];
  const summaries: SourceSummary[] = [];
  const tfJson = readTfJson(cwd, s.tfJson, container);
  if (s.terraform.length > 0) {
    const tf = await readTerraform({
      cwd,
      dirs: s.terraform,
      varFiles: s.tfVarFile,
      envVars: input.env,
      container,
    });
    summaries.push(...tf.summaries);
    targets.push(...preferTfJson(tf.targets, tfJson.targets));
    if (tfJson.targets.length === 0) unresolved.push(...tf.unresolved);
  } else targets.push(...tfJson.targets);
  summaries.push(...tfJson.summaries);
  const files = readTaskDefinitionFiles(cwd, s.taskDefinition, container);
  const ecs = await readEcsServices(
    s.ecsService,
    s.region,
    container,
    input.ecsClient ?? defaultEcsClient,
  );
  // ECS-shaped targets know containers only: WORKLOAD/CONTAINER also picks the family.
  const ecsShaped = [...targets, ...files.targets, ...ecs.targets].filter(
    (t) => selector?.workload === undefined || isWorkload(t, selector.workload),
  );
  targets.length = 0;
  targets.push(...ecsShaped);
  summaries.push(...files.summaries, ...ecs.summaries);
  const kubectl =
    input.kubectl === undefined ? onPath("kubectl", input.env.PATH) : (input.kubectl ?? undefined);
  const k8s = readK8s({ cwd, paths: s.k8s, selector, stdin: input.stdin, kubectl });
  targets.push(...k8s.targets);
  unresolved.push(...k8s.unresolved);
  summaries.push(...k8s.summaries);
  const compose = readCompose(cwd, s.compose, selector?.workload ?? selector?.container);
  targets.push(...compose.targets);
  summaries.push(...compose.summaries);
  const given = deploymentSources(cwd, s);
  if (selector && targets.length === 0 && given.length > 0) {
    // Only on this error path: read again without the selector to say what there is to pick.
    const all = await readDeployments({ ...input, sources: { ...s, container: undefined } });
    throw usageError(
      `No deployment target has a container (or workload) ${selector.text}: check --container (NAME, or WORKLOAD/CONTAINER such as frontend/server).${choices(all.targets)}`,
    );
  }
  return { targets, unresolved, summaries, given };
}

const MAX_CHOICES = 20;

/** " Found: web/server, worker/app." — what --container could name, bounded. */
function choices(targets: Target[]): string {
  const names = new Set<string>();
  for (const t of targets) {
    const workload =
      t.kind === "k8s"
        ? t.label.split("/").pop()
        : t.family?.kind === "known"
          ? t.family.name
          : undefined;
    for (const c of t.containers) names.add(workload && workload !== c ? `${workload}/${c}` : c);
  }
  if (names.size === 0) return " The sources hold no container at all.";
  const list = [...names].sort();
  const shown = list.slice(0, MAX_CHOICES).join(", ");
  const more = list.length > MAX_CHOICES ? ` and ${list.length - MAX_CHOICES} more` : "";
  return ` Found: ${shown}${more}.`;
}

function deploymentSources(cwd: string, s: Sources): DeploymentSource[] {
  const file = (flag: string, p: string): DeploymentSource => {
    const shown = p === "-" ? STDIN_SHOWN : displayPath(cwd, resolve(cwd, p));
    return { label: `${flag} ${shown}`, location: { file: shown } };
  };
  return [
    ...s.terraform.map((p) => file("--terraform", p)),
    ...s.tfJson.map((p) => file("--tf-json", p)),
    ...s.taskDefinition.map((p) => file("--task-definition", p)),
    ...s.ecsService.map((p) => ({ label: `--ecs-service ${p}`, location: { resource: p } })),
    ...s.k8s.map((p) => file("--k8s", p)),
    ...s.compose.map((p) => file("--compose", p)),
  ];
}
