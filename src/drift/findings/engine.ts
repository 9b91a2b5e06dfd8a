/**
 * Compares what the code reads and .env.example documents with what every deployment target
 * provides, and turns each gap into one finding per variable and target, the most specific kind
 * winning (`not-applied` over `missing-in-deploy`). The policy then ignores, forces or re-rates.
 * A run given deployment sources that compared none of them fails (`nothing-compared`).
 */
import type { CodeScan, Location, Target, Unresolved } from "../model.js";
import { isSecretLike } from "../secret-like.js";
import type { EnvExample } from "../sources/env-example.js";
import type { SchemaVar } from "../sources/schema.js";
import { pairFamilies } from "./families.js";
import { FINDING_KINDS } from "./kinds.js";
import * as say from "./messages.js";
import type { Policy } from "./policy.js";
import { matches } from "./policy.js";
import { isRuntimeVariable } from "./runtime.js";
import type { Decision } from "./scope.js";
import { decideComparisons } from "./scope.js";
import type { Analysis, CodeService, Coverage, Finding, VariableInfo } from "./types.js";
import { collectVariables, needOf, scopedView } from "./variables.js";

/** A deployment source as given (`--k8s deploy`, `--ecs-service c/s`). */
export interface DeploymentSource {
  label: string;
  location: Location;
}

export interface EngineInput {
  code?: CodeScan;
  docs: EnvExample[];
  targets: Target[];
  unresolved: Unresolved[];
  schema?: Map<string, SchemaVar>;
  policy: Policy;
  /** The code's services, for comparing each target only with its own service's reads. */
  services?: CodeService[];
  /** The --code folders as shown, for saying what a target was compared with. */
  codePaths?: string[];
  /** The deployment sources given: when none of their targets is compared, the run fails. */
  deploymentSources?: DeploymentSource[];
}

export function analyse(input: EngineInput): Analysis {
  const { policy } = input;
  const ignored = (name: string) => policy.ignore.some((p) => matches(p, name));
  const vars = collectVariables(input, ignored);
  const alternativeOf = new Map<string, string>();
  for (const v of vars) for (const a of v.alternatives) alternativeOf.set(a, v.name);
  const findings: Finding[] = [];
  // A declared schema knows which variables are secrets; elsewhere the name decides.
  const secretName = (name: string) => {
    const declared = input.schema?.get(alternativeOf.get(name) ?? name);
    return declared ? declared.secret : isSecretLike(name);
  };
  const undocumented = undocumentedVariables(input, vars);
  const pairs = pairFamilies(input.targets);
  const services = input.services ?? [];
  const decisions = decideComparisons(input.targets, pairs, vars, services);
  const views = new Map<string, VariableInfo[]>();
  const viewOf = (d: Decision): VariableInfo[] => {
    const key = d.services?.map((s) => s.path).join("\n") ?? "";
    let view = views.get(key);
    if (!view) views.set(key, (view = scopedView(vars, d.services, services.length)));
    return view;
  };
  const coverage: Coverage[] = [];
  for (const t of input.targets) {
    const decision = decisions.get(t.id) ?? { compared: true, services: null };
    const view = decision.compared ? viewOf(decision) : [];
    const declared = pairs.get(t.id) ?? [];
    if (declared.length > 1) findings.push(say.ambiguousFamily(t, declared));
    findings.push(...compareTarget(t, view, declared));
    const readBy = new Set(view.filter((v) => v.reads.length > 0).map((v) => v.name));
    const scope = decision.services?.map((s) => s.path);
    // A service whose code reads nothing is most often in a language this check does not read.
    const silent = scope !== undefined && readBy.size === 0;
    if (silent)
      t.notes.push(
        `no code in ${scope.join(", ")} reads a variable (a language this check does not read?): nothing is reported unused`,
      );
    for (const [name, provisions] of t.provisions) {
      if (ignored(name) || ignored(alternativeOf.get(name) ?? name)) continue;
      const plain = provisions.find((p) => p.kind === "value" || p.kind === "configmap");
      if (plain && secretName(name)) findings.push(say.plaintextSecret(name, t, plain));
      else if (
        input.code &&
        decision.compared &&
        !silent &&
        !readBy.has(name) &&
        !alternativeOf.has(name) &&
        !isRuntimeVariable(name)
      ) {
        findings.push(say.unused(name, t, provisions, scope));
      }
    }
    for (const u of t.unresolved)
      findings.push(u.unread ? say.notRead(u, t.id) : say.unresolved(u, t.id));
    coverage.push(coverageOf(t, decision, input));
  }
  for (const v of undocumented)
    findings.push(say.undocumented(v, input.docs.map((d) => d.file).join(", ")));
  for (const d of input.code?.dynamic ?? []) findings.push(say.dynamicRead(d));
  for (const u of input.unresolved)
    findings.push(u.unread ? say.notRead(u, null) : say.unresolved(u, null));
  const given = input.deploymentSources ?? [];
  if (given.length > 0 && !coverage.some((c) => c.compared && c.read)) {
    const unread = [...input.unresolved, ...input.targets.flatMap((t) => t.unresolved)].filter(
      (u) => u.unread,
    );
    findings.push(say.nothingCompared(given, input.targets, coverage, unread));
  }
  return {
    variables: vars,
    findings: applyPolicy(findings, policy),
    targets: input.targets,
    coverage,
  };
}

/** Read by the code, listed in none of the .env.example files given (nor under an alias). */
function undocumentedVariables(input: EngineInput, vars: VariableInfo[]): VariableInfo[] {
  if (input.docs.length === 0) return [];
  return vars.filter(
    (v) =>
      v.reads.length > 0 &&
      v.docs.length === 0 &&
      !input.docs.some((d) => v.alternatives.some((a) => d.entries.has(a))),
  );
}

/** The gaps between what the code (as this target sees it) needs and what the target provides. */
function compareTarget(t: Target, view: VariableInfo[], declared: Target[]): Finding[] {
  const out: Finding[] = [];
  const provides = (v: VariableInfo, target: Target) =>
    [v.name, ...v.alternatives].some((n) => target.provisions.has(n));
  const openEnds = t.unresolved.filter((u) => u.mayProvide);
  for (const v of view) {
    if (provides(v, t)) continue;
    const inTerraform = declared.find((d) => provides(v, d));
    const need = needOf(v);
    if (inTerraform) out.push(say.notApplied(v, t, inTerraform));
    else if (!v.required && v.docs.length === 0 && v.reads.length === 0) continue;
    else if (openEnds.length > 0) {
      if (v.required) out.push(say.maybeProvided(v, t, openEnds));
    } else if (v.required) out.push(say.missingInDeploy(v, t));
    else if (need === "unknown") out.push(say.unknownNeed(v, t));
    // Read with a default and documented nowhere: the default applies, which is no gap (and
    // `undocumented` says the rest, once — not once per target).
    else if (v.docs.length === 0 && !v.imageDefault) continue;
    else out.push(say.documentedNotDeployed(v, t));
  }
  return out;
}

function coverageOf(t: Target, decision: Decision, input: EngineInput): Coverage {
  const open = t.unresolved.filter((u) => u.mayProvide);
  const read = t.provisions.size > 0 || open.length === 0;
  const whole =
    input.code && (input.codePaths?.length ?? 0) > 0
      ? (input.codePaths ?? [])
      : input.docs.map((d) => d.file);
  const out: Coverage = {
    target: t.id,
    compared: decision.compared,
    code: decision.compared ? (decision.services?.map((s) => s.path) ?? whole) : [],
    read,
  };
  if (!decision.compared && decision.reason) out.reason = decision.reason;
  else if (!read)
    out.reason = `its variables come only from ${open
      .slice(0, 3)
      .map((u) => `${u.what} (${u.reason})`)
      .join(", ")}`;
  return out;
}

function applyPolicy(findings: Finding[], policy: Policy): Finding[] {
  const out: Finding[] = [];
  for (const f of findings) {
    let severity: string = policy.severity[f.kind] ?? FINDING_KINDS[f.kind].severity;
    for (const o of policy.overrides) {
      if (o.kind !== undefined && o.kind !== f.kind) continue;
      if (o.variable !== undefined && !matches(o.variable, f.variable ?? "")) continue;
      if (o.target !== undefined && !matches(o.target, f.target ?? "")) continue;
      severity = o.severity;
    }
    if (severity === "off") continue;
    out.push({ ...f, severity: severity as Finding["severity"] });
  }
  const rank = { error: 0, warning: 1, info: 2 };
  return out.sort(
    (a, b) =>
      rank[a.severity] - rank[b.severity] ||
      compare(a.variable ?? "", b.variable ?? "") ||
      compare(a.target ?? "", b.target ?? ""),
  );
}

/** Code-point order: the same on every machine, so generated docs are stable. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
