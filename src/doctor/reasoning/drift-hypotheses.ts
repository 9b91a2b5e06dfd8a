/**
 * The deployment hypotheses for one variable the model needs: the Terraform has it and the
 * deployed revision does not (the seeds' cause), nothing provides it, or the deployment has it and
 * the service was not redeployed. Read from config check's engine (step 3).
 */
import type { VariableConfig } from "../probes/configuration.js";
import type { Evidence, Facts } from "./facts.js";
import type { H } from "./hypothesis-kit.js";
import { describe, h, notRun, ran, serviceSaidBriefly } from "./hypothesis-kit.js";

function byRole(v: VariableConfig) {
  return {
    declared: v.presence.filter((p) => p.target.role === "declared"),
    deployed: v.presence.filter((p) => p.target.role === "deployed"),
    manifests: v.presence.filter((p) => p.target.role === "manifest"),
  };
}

/** H1: declared in Terraform, never applied to the deployed task definition (the seeds' cause). */
export function notApplied(e: Evidence, f: Facts, v: VariableConfig | undefined, name: string): H {
  const statement = `${name} is declared in the Terraform but missing from the deployed task definition (configuration drift: the Terraform change was never applied).`;
  const rationale =
    "The seeds' root cause: infrastructure code and the running infrastructure disagree when `terraform apply` is skipped or a deploy uses an older revision.";
  const test =
    "config check's engine: the Terraform's task definitions against the deployed task definition / live ECS service, for this variable.";
  if (!v || !ran(e.config))
    return h(
      "not-applied",
      statement,
      rationale,
      test,
      "not-tested",
      notRun(e.config, "The configuration comparison"),
      [],
      ["config"],
    );
  const { declared, deployed } = byRole(v);
  const evidence = [
    ...declared.map(
      (p) =>
        `config check: ${p.provided ? "declared" : "absent"} in Terraform ${describe(p)}${p.references.length ? ` from ${p.references.join(", ")}` : ""}`,
    ),
    ...deployed.map(
      (p) => `config check: ${p.provided ? "present" : "MISSING"} in deployed ${describe(p)}`,
    ),
    ...v.findings
      .filter((x) => x.kind === "not-applied")
      .map((x) => `config check finding not-applied: ${x.message}`),
  ];
  if (declared.length === 0 || deployed.length === 0) {
    const missing =
      declared.length === 0
        ? "no Terraform (--terraform, --tf-json)"
        : "no deployed task definition (--task-definition, --ecs-service)";
    return h(
      "not-applied",
      statement,
      rationale,
      test,
      "not-tested",
      `Cannot be told: ${missing} was given.`,
      evidence,
      ["config"],
    );
  }
  const inTf = declared.filter((p) => p.provided);
  const lacking = deployed.filter((p) => !p.provided);
  if (inTf.length > 0 && lacking.length > 0) {
    const has = f.serviceHas(name);
    const live =
      has === "ok"
        ? ` The service probed has ${name} anyway, so it is not running that revision: the drift is latent and breaks the next deploy from it.`
        : "";
    return h(
      "not-applied",
      statement,
      rationale,
      test,
      "confirmed",
      `The Terraform provides ${name} (${inTf.map(describe).join(", ")}); the deployed ${lacking.map((p) => p.target.label).join(", ")} does not.${live}`,
      [...evidence, ...serviceSaidBriefly(f, name)],
      ["config", "symptom", "ready"],
    );
  }
  if (inTf.length === 0)
    return h(
      "not-applied",
      statement,
      rationale,
      test,
      "ruled-out",
      `The Terraform does not declare ${name} either: nothing was left unapplied (see "never added to the deployment").`,
      evidence,
      ["config"],
    );
  return h(
    "not-applied",
    statement,
    rationale,
    test,
    "ruled-out",
    `Every deployed revision given provides ${name}: the Terraform and the deployment agree.`,
    evidence,
    ["config"],
  );
}

/** H2: in no deployment source at all (only documented, or nowhere). */
export function neverDeployed(
  e: Evidence,
  f: Facts,
  v: VariableConfig | undefined,
  name: string,
): H {
  const statement = `${name} was never added to the deployment: no Terraform, task definition or manifest provides it${v && v.documented.length ? " (only .env.example documents it)" : ""}.`;
  const rationale =
    "The seeds' first hypothesis: the variable was documented for local development (.env.example) but never added to the infrastructure.";
  const test = "config check's engine: every deployment target given, for this variable.";
  if (!v || !ran(e.config))
    return h(
      "never-deployed",
      statement,
      rationale,
      test,
      "not-tested",
      notRun(e.config, "The configuration comparison"),
      [],
      ["config"],
    );
  const targets = v.presence;
  const evidence = [
    ...(v.documented.length ? [`config check: documented in ${v.documented.join(", ")}`] : []),
    ...targets.map(
      (p) =>
        `config check: ${p.provided ? "present" : "absent"} in ${p.target.label} [${p.target.kind}]`,
    ),
  ];
  if (targets.length === 0)
    return h(
      "never-deployed",
      statement,
      rationale,
      test,
      "not-tested",
      "No deployment target was read.",
      evidence,
      ["config"],
    );
  const providing = targets.filter((p) => p.provided);
  if (providing.length === 0 && f.serviceHas(name) !== "ok")
    return h(
      "never-deployed",
      statement,
      rationale,
      test,
      "confirmed",
      `None of the ${targets.length} target(s) read provides ${name}.`,
      evidence,
      ["config"],
    );
  if (providing.length === 0)
    return h(
      "never-deployed",
      statement,
      rationale,
      test,
      "inconclusive",
      `No target read provides ${name}, yet the service has it: the service was not deployed from these sources.`,
      evidence,
      ["config"],
    );
  return h(
    "never-deployed",
    statement,
    rationale,
    test,
    "ruled-out",
    `${providing.map((p) => p.target.label).join(", ")} provide${providing.length === 1 ? "s" : ""} it.`,
    evidence,
    ["config"],
  );
}

/** H3: the deployment has it, the running service does not (older revision, not restarted). */
export function notRedeployed(
  e: Evidence,
  f: Facts,
  v: VariableConfig | undefined,
  name: string,
): H {
  const statement = `The deployed configuration provides ${name}, but the running service was not redeployed with it (it runs an older revision, or was not restarted).`;
  const rationale =
    "A task definition revision only takes effect when the service is updated to it and its tasks are replaced.";
  const test =
    "Compare the deployed targets (task definition, live ECS service, manifests) with what the service itself reports.";
  if (!v || !ran(e.config))
    return h(
      "not-redeployed",
      statement,
      rationale,
      test,
      "not-tested",
      notRun(e.config, "The configuration comparison"),
      [],
      ["config"],
    );
  const { deployed, manifests } = byRole(v);
  const live = [...deployed, ...manifests];
  if (live.length === 0)
    return h(
      "not-redeployed",
      statement,
      rationale,
      test,
      "not-tested",
      "No deployed task definition or manifest was given.",
      [],
      ["config"],
    );
  const evidence = [
    ...live.map((p) => `config check: ${p.provided ? "present" : "absent"} in ${describe(p)}`),
    ...serviceSaidBriefly(f, name),
  ];
  const has = f.serviceHas(name);
  if (live.every((p) => p.provided) && has === "missing")
    return h(
      "not-redeployed",
      statement,
      rationale,
      test,
      "confirmed",
      `Every deployed target given provides ${name}, yet the service says it is not set: the tasks running are not from these revisions (or the secret reached them empty).`,
      evidence,
      ["config", "ready"],
    );
  if (has !== "missing")
    return h(
      "not-redeployed",
      statement,
      rationale,
      test,
      "ruled-out",
      `The service does not report ${name} missing.`,
      evidence,
      ["config", "ready"],
    );
  return h(
    "not-redeployed",
    statement,
    rationale,
    test,
    "ruled-out",
    `The deployed ${live
      .filter((p) => !p.provided)
      .map((p) => p.target.label)
      .join(", ")} itself lacks ${name}: redeploying it would not help.`,
    evidence,
    ["config"],
  );
}
