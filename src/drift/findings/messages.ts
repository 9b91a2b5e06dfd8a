/** One finding per situation, each with a message that says what to do in one sentence. */
import type { DynamicRead, Location, Provision, Target, Unresolved } from "../model.js";
import { isSecretLike } from "../secret-like.js";
import { describeFamily } from "./families.js";
import { FINDING_KINDS } from "./kinds.js";
import type { FindingKind, LocationRole } from "./kinds.js";
import type { Coverage, Finding, FindingLocation, VariableInfo } from "./types.js";

function at(loc: Location): string {
  if (loc.file) return loc.line ? `${loc.file}:${loc.line}` : loc.file;
  return loc.resource ?? "?";
}

const loc = (role: LocationRole, l: Location): FindingLocation => ({ role, ...l });

function finding(
  kind: FindingKind,
  variable: string | null,
  target: string | null,
  message: string,
  locations: FindingLocation[],
): Finding {
  return { kind, severity: FINDING_KINDS[kind].severity, variable, target, message, locations };
}

/** Where the variable is read or documented: the evidence for a finding about it. */
function evidence(v: VariableInfo): FindingLocation[] {
  return [
    ...v.reads.slice(0, 3).map((r) => loc("read", r.location)),
    ...v.docs.map((d) => loc("documented", d.entry.location)),
  ];
}

/** "revision 150 of hokusai-api-development" (and where it runs, for a live service). */
function revisionName(t: Target): string {
  const family = describeFamily(t.family);
  const rev =
    t.revision === undefined
      ? `the task definition of family ${family}`
      : `revision ${t.revision} of ${family}`;
  if (t.kind === "ecs-service")
    return `the running ${rev} (${t.label.replace(/^[^(]*\(/, "").replace(/\)$/, "")})`;
  return `the deployed ${rev} (${t.location.file ?? t.location.resource ?? t.label})`;
}

function deployedName(t: Target): string {
  if (t.kind === "ecs-service")
    return `the running revision ${t.family?.kind === "known" ? `${t.family.name}:${t.revision ?? "?"}` : t.label} (${t.status ?? "running"})`;
  if (t.kind === "task-definition") return `the deployed task definition ${t.label}`;
  return t.label;
}

function howToAdd(name: string, t: Target): string {
  const secret = isSecretLike(name);
  if (t.kind === "k8s")
    return secret
      ? "add it to the container's env from a Secret (secretKeyRef)"
      : "add it to the container's env";
  if (t.kind === "compose") return "add it to the service's environment or env_file";
  return secret
    ? "add it to the container's secrets with a Secrets Manager or SSM valueFrom"
    : "add it to the container's environment (or secrets)";
}

export function notApplied(v: VariableInfo, t: Target, declared: Target): Finding {
  const where = v.provided.get(declared.id)?.[0]?.location ?? declared.location;
  return finding(
    "not-applied",
    v.name,
    t.id,
    `${v.name}: the Terraform has it (${declared.label}, ${at(where)}); ${revisionName(t)} does not: run terraform apply and deploy the new revision.`,
    [loc("declared", where), loc("missing", t.location), ...evidence(v)],
  );
}

export function missingInDeploy(v: VariableInfo, t: Target): Finding {
  const read = v.reads.find((r) => r.need === "required") ?? v.reads[0];
  const why = read
    ? `is read without a default (${at(read.location)})`
    : "is required by the policy";
  return finding(
    "missing-in-deploy",
    v.name,
    t.id,
    `${v.name} ${why} but ${deployedName(t)} does not provide it: ${howToAdd(v.name, t)}.`,
    [loc("missing", t.location), ...evidence(v)],
  );
}

export function documentedNotDeployed(v: VariableInfo, t: Target): Finding {
  const why = v.imageDefault
    ? `gets its value from the image (ENV at ${at(v.imageDefault)})`
    : v.docs[0]
      ? `is documented in ${at(v.docs[0].entry.location)}`
      : `is read with a default (${at((v.reads[0] as { location: Location }).location)})`;
  return finding(
    "documented-not-deployed",
    v.name,
    t.id,
    `${v.name} ${why} but ${deployedName(t)} does not set it: set it there if the default is not right for this deployment, or ignore it in the policy file.`,
    [loc("missing", t.location), ...evidence(v)],
  );
}

export function unknownNeed(v: VariableInfo, t: Target): Finding {
  const read = v.reads.find((r) => r.need === "unknown") ?? v.reads[0];
  return finding(
    "unresolved",
    v.name,
    t.id,
    `${v.name} is read${read ? ` (${at(read.location)})` : ""} but what the code does without it could not be told, and ${deployedName(t)} does not set it: check whether the code needs it, then set it there or list it under \`required\` or \`optional\` in the policy file.`,
    [loc("missing", t.location), ...evidence(v)],
  );
}

export function maybeProvided(v: VariableInfo, t: Target, open: Unresolved[]): Finding {
  const first = open[0] as Unresolved;
  return finding(
    "unresolved",
    v.name,
    t.id,
    `${v.name} is required but ${deployedName(t)} lists it nowhere; it may come from ${first.what}, which cannot be read (${first.reason}): check that it sets ${v.name}.`,
    [loc("expression", first.location), ...evidence(v)],
  );
}

export function plaintextSecret(name: string, t: Target, p: Provision): Finding {
  const fix =
    t.kind === "k8s"
      ? "move it to a Secret and use secretKeyRef"
      : t.kind === "compose"
        ? "pass it from the host (KEY=${KEY}) or an env_file kept out of git"
        : "move it to the container's secrets with a Secrets Manager or SSM valueFrom";
  const how =
    p.kind === "configmap" ? `comes from ${p.reference ?? "a ConfigMap"}` : "is a plain value";
  return finding(
    "plaintext-secret",
    name,
    t.id,
    `${name} looks like a secret but ${how} in ${t.label}: ${fix}.`,
    [loc("provided", p.location)],
  );
}

export function unused(
  name: string,
  t: Target,
  provisions: Provision[],
  scope: string[] | undefined,
): Finding {
  const code = scope ? `no code in ${scope.join(", ")}` : "no scanned code";
  return finding(
    "unused",
    name,
    t.id,
    `${t.label} sets ${name} but ${code} reads it: remove it, or ignore it in the policy file if a dependency reads it.`,
    provisions.slice(0, 1).map((p) => loc("provided", p.location)),
  );
}

export function undocumented(v: VariableInfo, docs: string): Finding {
  const read = v.reads[0];
  return finding(
    "undocumented",
    v.name,
    "env-example",
    `${v.name} is read by the code${read ? ` (${at(read.location)})` : ""} but not listed in ${docs}: add it there with a comment saying what it is for.`,
    evidence(v),
  );
}

export function unresolved(u: Unresolved, target: string | null): Finding {
  const terraform = /\.tf(\.json)?$/.test(u.location.file ?? "");
  const fix = terraform
    ? "check it by hand, or pass --tf-json with what Terraform evaluated"
    : "check it by hand";
  return finding(
    "unresolved",
    null,
    target,
    `${u.what} cannot be resolved statically (${u.reason}): ${fix}.`,
    [loc("expression", u.location)],
  );
}

export function dynamicRead(d: DynamicRead): Finding {
  return finding(
    "unresolved",
    null,
    "code",
    `${d.text} reads a variable whose name is computed at run time: check which names it can take and list them in .env.example.`,
    [loc("read", d.location)],
  );
}

export function ambiguousFamily(t: Target, declared: Target[]): Finding {
  return finding(
    "unresolved",
    null,
    t.id,
    `${declared.length} Terraform task definitions resolve to family ${describeFamily(t.family)} (${declared.map((d) => d.label).join(", ")}); each is compared with ${t.label}: give each its own family if they are different services.`,
    declared.map((d) => loc("declared", d.location)),
  );
}

export function notRead(u: Unresolved, target: string | null): Finding {
  return finding("not-read", null, target, `${u.what} is not read: ${u.reason}.`, [
    loc("expression", u.location),
  ]);
}

/** Deployment sources were given and no target's variables were compared with anything. */
export function nothingCompared(
  given: { label: string; location: Location }[],
  targets: Target[],
  coverage: Coverage[],
  unread: Unresolved[],
): Finding {
  const sources = given.map((g) => g.label).join(", ");
  const fix =
    "so this check proves nothing: fix the sources (pass the folder or file that holds the service's targets, rendered manifests, an env_file that exists), or lower nothing-compared in the policy file if this is expected.";
  if (targets.length === 0) {
    const why = unread
      .slice(0, 3)
      .map((u) => `${u.what}: ${u.reason}`)
      .join("; ");
    return finding(
      "nothing-compared",
      null,
      null,
      `No deployment target was found in ${sources}${why ? ` (${why})` : ""}: nothing was compared, ${fix}`,
      given.map((g) => loc("missing", g.location)),
    );
  }
  const label = new Map(targets.map((t) => [t.id, t.label]));
  const why = coverage
    .slice(0, 4)
    .map((c) => `${label.get(c.target) ?? c.target}: ${c.reason ?? "not compared"}`)
    .join("; ");
  return finding(
    "nothing-compared",
    null,
    null,
    `None of the ${targets.length} deployment target(s) in ${sources} was compared (${why}${coverage.length > 4 ? "; …" : ""}): ${fix}`,
    targets.slice(0, 5).map((t) => loc("missing", t.location)),
  );
}
