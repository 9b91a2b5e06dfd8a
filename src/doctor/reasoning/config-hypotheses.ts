/**
 * What the service says about the variable, and whether its secret reference resolves. The
 * deployment's own account of it (Terraform against the deployed revision) is in
 * ./drift-hypotheses.ts.
 */
import type { Evidence, Facts } from "./facts.js";
import type { H } from "./hypothesis-kit.js";
import { h, notRun, ran, serviceSaid } from "./hypothesis-kit.js";

/** H0: the running service lacks the setting (its own account). */
export function serviceLacks(e: Evidence, f: Facts, v: string): H {
  const has = f.serviceHas(v);
  const statement = `The running service does not have ${v}, which model ${f.model} needs.`;
  const rationale = `The failure names ${v}; a variable set in Terraform or a task definition still has to reach the running process.`;
  const test =
    "Read predict's error, /ready, the model's health and the /metrics gauge modelgate_config_requirement_unmet.";
  const evidence = [...serviceSaid(f, v)];
  if (has === "missing")
    return h(
      "service-lacks-variable",
      statement,
      rationale,
      test,
      "confirmed",
      `The service itself says ${v} is not set: every request for model ${f.model} fails until it is.`,
      evidence,
      ["symptom", "ready", "model-health", "metrics"],
    );
  if (has === "rejected")
    return h(
      "service-lacks-variable",
      statement,
      rationale,
      test,
      "ruled-out",
      `${v} is set in the service; it is refused (see the token hypothesis).`,
      evidence,
      ["symptom", "model-health"],
    );
  return h(
    "service-lacks-variable",
    statement,
    rationale,
    test,
    has === "ok" ? "ruled-out" : "not-tested",
    has === "ok"
      ? "The model answers: the service has what it needs."
      : "The service's account could not be read.",
    evidence,
    ["symptom", "ready"],
  );
}

/** H4: the secret reference behind the variable does not resolve. */
export function secretUnresolved(e: Evidence, name: string, alternatives: string[]): H {
  const statement = `The secret reference (valueFrom) for ${name} does not resolve: the secret or parameter is missing, has no such JSON key, or is empty.`;
  const rationale =
    "A reference to a deleted or renamed secret leaves the variable unset (ECS refuses to start such a task; other platforms start it without the value).";
  const test =
    "Ask Secrets Manager / SSM for each reference of this variable with doctor's AWS credentials (values never shown).";
  const names = [name, ...alternatives];
  const refs = (e.secrets?.data?.refs ?? []).filter((r) => names.includes(r.variable));
  if (!ran(e.secrets))
    return h(
      "secret-unresolved",
      statement,
      rationale,
      test,
      "not-tested",
      notRun(e.secrets, "Resolving the secret references"),
      [],
      ["secret-refs"],
    );
  if (refs.length === 0)
    return h(
      "secret-unresolved",
      statement,
      rationale,
      test,
      "not-tested",
      `No target read references a secret for ${name}.`,
      [],
      ["secret-refs"],
    );
  const evidence = refs.map(
    (r) =>
      `Secrets: ${r.target} → ${r.reference}: ${r.resolves === "yes" ? "resolves" : r.resolves === "no" ? "does NOT resolve" : "not asked"} (${r.reason})`,
  );
  const bad = refs.filter((r) => r.resolves === "no");
  if (bad.length > 0)
    return h(
      "secret-unresolved",
      statement,
      rationale,
      test,
      "confirmed",
      `${bad.map((r) => r.reference).join(", ")}: ${bad[0]?.reason}.`,
      evidence,
      ["secret-refs"],
    );
  if (refs.every((r) => r.resolves === "yes"))
    return h(
      "secret-unresolved",
      statement,
      rationale,
      test,
      "ruled-out",
      `The secret exists and holds a value (${refs.length} reference(s) checked): the value is there to be deployed.`,
      evidence,
      ["secret-refs"],
    );
  return h(
    "secret-unresolved",
    statement,
    rationale,
    test,
    "inconclusive",
    "Some references could not be asked.",
    evidence,
    ["secret-refs"],
  );
}
