/** The finding kinds, their default severities and what each means (docs, SARIF rules). */

export type Severity = "error" | "warning" | "info";

export const FINDING_KINDS = {
  "missing-in-deploy": {
    severity: "error",
    title: "Required variable missing from a deployment target",
    help: "The code reads it without a default, and the target does not provide it.",
  },
  "not-applied": {
    severity: "error",
    title: "Declared in Terraform, missing from the deployed task definition",
    help: "The Terraform has it; the running revision does not: apply the Terraform and deploy.",
  },
  "plaintext-secret": {
    severity: "error",
    title: "Secret-like variable given as a plain value",
    help: "Use a secret reference (ECS secrets valueFrom, a Kubernetes Secret) instead of a value.",
  },
  "nothing-compared": {
    severity: "error",
    title: "Deployment sources given, but no target's variables were compared",
    help: "No target was found, none could be read, or none belongs to the code: fix the sources (see what was not compared and why) so the check compares something.",
  },
  "documented-not-deployed": {
    severity: "warning",
    title: "Documented or defaulted variable absent from a deployment target",
    help: "Listed in .env.example or read with a default, but the target does not set it.",
  },
  undocumented: {
    severity: "warning",
    title: "Read by the code, absent from .env.example",
    help: "Add it to .env.example with a comment saying what it is for.",
  },
  unused: {
    severity: "warning",
    title: "Provided by a deployment target, read by no code",
    help: "Remove it, or ignore it in the policy file if a dependency reads it.",
  },
  "not-read": {
    severity: "warning",
    title: "A deployment source or target that could not be read",
    help: "A Helm chart, an unrendered template or a target whose variables cannot be evaluated: pass rendered output (`helm template`, `kubectl kustomize`, `terraform show -json`).",
  },
  unresolved: {
    severity: "info",
    title: "Could not be determined statically",
    help: "A name or a source of variables that cannot be resolved without running something.",
  },
} as const satisfies Record<string, { severity: Severity; title: string; help: string }>;

export type FindingKind = keyof typeof FINDING_KINDS;

export const KIND_NAMES = Object.keys(FINDING_KINDS) as FindingKind[];

/** Role of a location in a finding: where the variable was read, documented, provided, declared. */
export type LocationRole =
  "read" | "documented" | "provided" | "declared" | "missing" | "expression";
