/**
 * The hypotheses a careful engineer would test for "the model does not answer", in the seeds'
 * order, each confirmed, ruled out, or left open by the probes' evidence — never by a guess. A
 * hypothesis that could not be tested says which probe was missing and why.
 */
import { secretUnresolved, serviceLacks } from "./config-hypotheses.js";
import { neverDeployed, notApplied, notRedeployed } from "./drift-hypotheses.js";
import type { Evidence, Facts } from "./facts.js";
import type { H } from "./hypothesis-kit.js";
import { h, notRun } from "./hypothesis-kit.js";
import { isMlflowModel, mlflowModelUnreadable } from "./mlflow-hypotheses.js";
import {
  modelBroken,
  repoUnreadable,
  sourceUnreachable,
  tokenRejected,
} from "./source-hypotheses.js";

function dependency(e: Evidence, f: Facts, which: "postgres" | "redis"): H {
  const label = which === "postgres" ? "PostgreSQL" : "Redis";
  const p = which === "postgres" ? e.postgres : e.redis;
  const statement = `${label} cannot be reached (a security-group or firewall rule, a wrong address, the server down).`;
  const rationale =
    which === "redis"
      ? "The seeds' second problem: a Redis security-group rule missing for the service's tasks."
      : "The store backs keys, models and usage: without it every request fails.";
  const test = `Connect to ${label} within the timeout and speak its protocol, from the host doctor runs on; read the service's own /ready check.`;
  const serviceCheck = f.failingServiceChecks.find((c) =>
    which === "postgres" ? c.name === "store" : c.name === "redis",
  );
  const evidence = [
    ...(p?.data ? [`${label}: ${p.summary}`] : []),
    ...(serviceCheck ? [`/ready: ${serviceCheck.name} fails: ${serviceCheck.reason}`] : []),
  ];
  if (p?.data && !p.data.reachable)
    return h(which, statement, rationale, test, "confirmed", p.summary, evidence, [which, "ready"]);
  if (serviceCheck)
    return h(
      which,
      statement,
      rationale,
      test,
      "confirmed",
      `The service's own /ready says: ${serviceCheck.reason}`,
      evidence,
      ["ready", which],
    );
  if (p?.data?.reachable && p.state === "problem")
    return h(
      which,
      statement,
      rationale,
      test,
      "inconclusive",
      `Reachable, but: ${p.data.reason}.`,
      evidence,
      [which],
    );
  if (p?.state === "ok")
    return h(which, statement, rationale, test, "ruled-out", p.summary, evidence, [which]);
  return h(
    which,
    statement,
    rationale,
    test,
    "not-tested",
    notRun(p, `The ${label} check`),
    evidence,
    [which],
  );
}

/** H9: other secret references of the deployment do not resolve (independent problems). */
function otherSecrets(e: Evidence, focus: string[]): H | null {
  const bad = (e.secrets?.data?.refs ?? []).filter(
    (r) => r.resolves === "no" && !focus.includes(r.variable),
  );
  if (bad.length === 0) return null;
  return h(
    "other-secrets",
    `Other secret references of the deployment do not resolve (${[...new Set(bad.map((b) => b.variable))].join(", ")}).`,
    "A deployment can carry more than one broken reference; ECS refuses to start a task whose secrets do not resolve.",
    "Ask Secrets Manager / SSM for every reference of every target read.",
    "confirmed",
    bad.map((b) => `${b.variable} → ${b.reference}: ${b.reason}`).join("; "),
    bad.map((b) => `Secrets: ${b.target}: ${b.variable} → ${b.reference}: ${b.reason}`),
    ["secret-refs"],
  );
}

export function buildHypotheses(e: Evidence, f: Facts): H[] {
  const list: H[] = [];
  const focus = f.needed.map((n) => n.variable);
  // Without the service's account, the variables in question are those config check flags.
  const configured = e.config?.data?.variables ?? [];
  const variables = focus.length > 0 ? focus : configured.map((v) => v.name);
  for (const name of variables) {
    const v = configured.find((c) => c.name === name);
    if (focus.includes(name)) list.push(serviceLacks(e, f, name));
    list.push(
      notApplied(e, f, v, name),
      neverDeployed(e, f, v, name),
      notRedeployed(e, f, v, name),
    );
    list.push(secretUnresolved(e, name, v?.alternatives ?? []));
  }
  const hub =
    e.health?.data?.source?.startsWith("hf://") || variables.includes("HUGGINGFACE_API_KEY");
  if (hub) list.push(tokenRejected(e, f, "HUGGINGFACE_API_KEY"), repoUnreadable(e, f));
  if (isMlflowModel(e, variables)) list.push(mlflowModelUnreadable(e, f));
  list.push(
    sourceUnreachable(f),
    modelBroken(f),
    dependency(e, f, "postgres"),
    dependency(e, f, "redis"),
  );
  const others = otherSecrets(e, variables);
  if (others) list.push(others);
  // Several variables: ids stay unique.
  const seen = new Map<string, number>();
  for (const x of list) {
    const n = (seen.get(x.id) ?? 0) + 1;
    seen.set(x.id, n);
    if (n > 1) x.id = `${x.id}-${n}`;
  }
  return list;
}
