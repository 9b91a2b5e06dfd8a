/**
 * Compares what the code reads and .env.example documents with what every deployment target
 * provides, and turns each gap into one finding per variable and target, the most specific kind
 * winning (`not-applied` over `missing-in-deploy`). The policy then ignores, forces or re-rates.
 */
import type { CodeRead, CodeScan, Location, Provision, Target, Unresolved } from "../model.js";
import { isSecretLike } from "../secret-like.js";
import type { EnvExample } from "../sources/env-example.js";
import type { SchemaVar } from "../sources/schema.js";
import { pairFamilies } from "./families.js";
import { FINDING_KINDS } from "./kinds.js";
import * as say from "./messages.js";
import type { Policy } from "./policy.js";
import { matches } from "./policy.js";
import { isRuntimeVariable } from "./runtime.js";
import { targetsComparedWithCode } from "./scope.js";
import type { Analysis, Finding, VariableInfo } from "./types.js";

export interface EngineInput {
  code?: CodeScan;
  docs: EnvExample[];
  targets: Target[];
  unresolved: Unresolved[];
  schema?: Map<string, SchemaVar>;
  policy: Policy;
}

export function analyse(input: EngineInput): Analysis {
  const { policy } = input;
  const ignored = (name: string) => policy.ignore.some((p) => matches(p, name));
  const vars = collectVariables(input, ignored);
  const byName = new Map(vars.map((v) => [v.name, v]));
  const alternativeOf = new Map<string, string>();
  for (const v of vars) for (const a of v.alternatives) alternativeOf.set(a, v.name);
  const findings: Finding[] = [];
  // A declared schema knows which variables are secrets; elsewhere the name decides.
  const secretName = (name: string) => {
    const declared = input.schema?.get(alternativeOf.get(name) ?? name);
    return declared ? declared.secret : isSecretLike(name);
  };
  const pairs = pairFamilies(input.targets);
  const compared = targetsComparedWithCode(input.targets, pairs, vars);

  for (const t of input.targets) {
    const provides = (v: VariableInfo, target: Target) =>
      [v.name, ...v.alternatives].some((n) => target.provisions.has(n));
    const openEnds = t.unresolved.filter((u) => u.mayProvide);
    const declared = pairs.get(t.id) ?? [];
    if (declared.length > 1) findings.push(say.ambiguousFamily(t, declared));
    for (const v of compared.has(t.id) ? vars : []) {
      if (provides(v, t)) continue;
      const inTerraform = declared.find((d) => provides(v, d));
      if (inTerraform) findings.push(say.notApplied(v, t, inTerraform));
      else if (openEnds.length > 0 && (v.required || v.docs.length > 0 || v.reads.length > 0)) {
        if (v.required) findings.push(say.maybeProvided(v, t, openEnds));
      } else if (v.required) findings.push(say.missingInDeploy(v, t));
      else if (v.docs.length > 0 || v.reads.length > 0)
        findings.push(say.documentedNotDeployed(v, t));
    }
    for (const [name, provisions] of t.provisions) {
      if (ignored(name) || ignored(alternativeOf.get(name) ?? name)) continue;
      const plain = provisions.find((p) => p.kind === "value" || p.kind === "configmap");
      if (plain && secretName(name)) findings.push(say.plaintextSecret(name, t, plain));
      else if (
        input.code &&
        compared.has(t.id) &&
        !byName.get(name)?.reads.length &&
        !alternativeOf.has(name) &&
        !isRuntimeVariable(name)
      ) {
        findings.push(say.unused(name, t, provisions));
      }
    }
    for (const u of t.unresolved) findings.push(say.unresolved(u, t.id));
  }
  if (input.docs.length > 0) {
    const docTarget = input.docs.map((d) => d.file).join(", ");
    for (const v of vars) {
      if (v.reads.length === 0 || v.docs.length > 0) continue;
      if (input.docs.some((d) => v.alternatives.some((a) => d.entries.has(a)))) continue;
      findings.push(say.undocumented(v, docTarget));
    }
  }
  for (const d of input.code?.dynamic ?? []) findings.push(say.dynamicRead(d));
  for (const u of input.unresolved) findings.push(say.unresolved(u, null));
  return { variables: vars, findings: applyPolicy(findings, policy), targets: input.targets };
}

function collectVariables(input: EngineInput, ignored: (n: string) => boolean): VariableInfo[] {
  const vars = new Map<string, VariableInfo>();
  const get = (name: string): VariableInfo => {
    let v = vars.get(name);
    if (!v) {
      v = {
        name,
        required: undefined,
        secret: isSecretLike(name),
        reads: [],
        docs: [],
        provided: new Map(),
        alternatives: [],
      };
      vars.set(name, v);
    }
    return v;
  };
  const owners = new Map<string, VariableInfo>();
  for (const [name, reads] of input.code?.reads ?? new Map<string, CodeRead[]>()) {
    const v = get(name);
    v.reads.push(...reads);
    for (const r of reads)
      for (const a of r.alternatives ?? []) if (!v.alternatives.includes(a)) v.alternatives.push(a);
    v.alternatives.forEach((a) => owners.set(a, v));
    v.required = reads.some((r) => r.need === "required");
  }
  for (const doc of input.docs) {
    for (const [name, entry] of doc.entries)
      (owners.get(name) ?? get(name)).docs.push({ file: doc.file, entry });
  }
  for (const [name, at] of input.code?.imageDefaults ?? new Map<string, Location>()) {
    const v = vars.get(name);
    if (!v) continue;
    v.imageDefault = at;
    v.required = false;
  }
  for (const name of input.policy.required) get(name).required = true;
  for (const name of input.policy.optional) if (vars.has(name)) get(name).required = false;
  for (const [name, spec] of input.schema ?? new Map<string, SchemaVar>()) {
    const v = vars.get(name);
    if (!v) continue;
    v.description = spec.description;
    v.secret = spec.secret;
  }
  for (const t of input.targets) {
    for (const [name, provisions] of t.provisions) {
      const v = owners.get(name) ?? get(name);
      v.provided.set(t.id, [...(v.provided.get(t.id) ?? []), ...provisions]);
      if (provisions.some((p: Provision) => p.kind === "secret")) v.secret = true;
    }
  }
  return [...vars.values()]
    .filter((v) => !ignored(v.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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
