/**
 * The hypotheses a careful engineer would test for "the model does not answer", in the seeds'
 * order, each confirmed, ruled out, or left open by the probes' evidence — never by a guess. A
 * hypothesis that could not be tested says which probe was missing and why.
 */
import type { VariableConfig, VariablePresence } from "../probes/configuration.js";
import type { Hypothesis, HypothesisStatus, ProbeOutcome } from "../types.js";
import type { Evidence, Facts } from "./facts.js";

type H = Hypothesis;

function h(
  id: string,
  statement: string,
  rationale: string,
  test: string,
  status: HypothesisStatus,
  conclusion: string,
  evidence: string[],
  probes: string[],
): H {
  return { id, statement, rationale, test, status, conclusion, evidence, probes };
}

/** Why a probe gives no evidence: its own sentence. */
function notRun(p: ProbeOutcome | undefined, what: string): string {
  if (!p) return `${what} did not run.`;
  const reason = p.summary
    .replace(/^(Not checked|Not tested|Could not run): /, "")
    .replace(/\.$/, "");
  return `${what} ${p.state === "failed" ? "could not finish" : "did not run"}: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}.`;
}

const ran = (p: ProbeOutcome | undefined) =>
  p !== undefined && (p.state === "ok" || p.state === "problem");

function describe(p: VariablePresence): string {
  return p.at ? `${p.target.label} at ${p.at}` : p.target.label;
}

/** What the service said about the variable, one line a source ("predict: 503 …"). */
function serviceSaid(f: Facts, variable: string): string[] {
  const said = f.needed.find((n) => n.variable === variable)?.said ?? [];
  return said.map((s) => `${s.by}: ${s.text}`);
}

/** The same, in one line, where it only backs another hypothesis. */
function serviceSaidBriefly(f: Facts, variable: string): string[] {
  const by = f.needed.find((n) => n.variable === variable)?.saidBy ?? [];
  if (by.length === 0) return [];
  const how = f.serviceHas(variable) === "rejected" ? "set but refused" : "not set";
  return [`${by.join(", ")}: the service says ${variable} is ${how} for model ${f.model}`];
}

/** H0: the running service lacks the setting (its own account). */
function serviceLacks(e: Evidence, f: Facts, v: string): H {
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

function byRole(v: VariableConfig) {
  return {
    declared: v.presence.filter((p) => p.target.role === "declared"),
    deployed: v.presence.filter((p) => p.target.role === "deployed"),
    manifests: v.presence.filter((p) => p.target.role === "manifest"),
  };
}

/** H1: declared in Terraform, never applied to the deployed task definition (the seeds' cause). */
function notApplied(e: Evidence, f: Facts, v: VariableConfig | undefined, name: string): H {
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
function neverDeployed(e: Evidence, f: Facts, v: VariableConfig | undefined, name: string): H {
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
function notRedeployed(e: Evidence, f: Facts, v: VariableConfig | undefined, name: string): H {
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

/** H4: the secret reference behind the variable does not resolve. */
function secretUnresolved(e: Evidence, name: string, alternatives: string[]): H {
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

/** H5: the token is set but invalid, expired or revoked. */
function tokenRejected(e: Evidence, f: Facts, name: string): H {
  const statement = `A Hugging Face token is set, but the Hub rejects it (invalid, expired or revoked).`;
  const rationale =
    "Tokens are revoked and rotated; a rejected token fails exactly like a missing one for a private repository.";
  const test =
    "whoami-v2 on the Hub with the token the deployment holds (its secret) or doctor's own.";
  const has = f.serviceHas(name);
  const t = e.hubToken?.data;
  const evidence: string[] = [];
  if (t?.tested)
    evidence.push(
      `Hub whoami with the token from ${t.origin}: ${t.ok ? `accepted (${t.owner})` : `rejected (${t.code})`}`,
    );
  if (has === "missing") {
    evidence.unshift(...serviceSaidBriefly(f, name));
    return h(
      "token-rejected",
      statement,
      rationale,
      test,
      "ruled-out",
      `No token reached the Hub: the service says ${name} is not set at all.${t?.tested && t.ok ? " And the token the deployment holds is valid." : ""}`,
      evidence,
      ["symptom", "hub-token"],
    );
  }
  if (has === "rejected") {
    evidence.unshift(...serviceSaidBriefly(f, name));
    if (t?.tested && t.ok)
      return h(
        "token-rejected",
        statement,
        rationale,
        test,
        "confirmed",
        `The service's token is refused while the token from ${t.origin} is accepted: the service runs with another (stale or mistyped) value; redeploy so it reads the current secret.`,
        evidence,
        ["symptom", "hub-token"],
      );
    return h(
      "token-rejected",
      statement,
      rationale,
      test,
      "confirmed",
      `The service says the Hub refuses its token${t?.tested && !t.ok ? `, and the Hub refuses the token from ${t.origin} too` : ""}.`,
      evidence,
      ["symptom", "hub-token"],
    );
  }
  if (t?.tested && !t.ok && e.hubToken?.state === "problem")
    return h(
      "token-rejected",
      statement,
      rationale,
      test,
      "confirmed",
      `The Hub refuses the token from ${t.origin}: ${t.detail}`,
      evidence,
      ["hub-token"],
    );
  if (t?.tested && t.ok)
    return h(
      "token-rejected",
      statement,
      rationale,
      test,
      "ruled-out",
      `The Hub accepts the token from ${t.origin} (whoami: ${t.owner}).`,
      evidence,
      ["hub-token"],
    );
  return h(
    "token-rejected",
    statement,
    rationale,
    test,
    "not-tested",
    notRun(e.hubToken, "The token check"),
    evidence,
    ["hub-token"],
  );
}

/** H6: the repository or revision cannot be read (missing, no access). */
function repoUnreadable(e: Evidence, f: Facts): H {
  const statement = `The model's Hugging Face repository or revision cannot be read (it does not exist, or the token has no access to it).`;
  const rationale =
    "A renamed repository, a deleted tag, or a fine-grained token without this repository all fail the model's load.";
  const test =
    "Resolve the model's repository and revision on the Hub with the token (model info, no download).";
  const r = e.hubRepo?.data;
  const evidence = r
    ? [
        `Hub: ${r.repo}@${r.revision ?? "main"} ${r.withToken ? `with the token from ${r.withToken}` : "without a token"}: ${r.ok ? `commit ${r.commit} (${r.private ? "private" : "public"})` : `${r.code}: ${r.detail}`}`,
      ]
    : [];
  const code = f.failure?.code;
  if (code === "source_not_found")
    return h(
      "repo-unreadable",
      statement,
      rationale,
      test,
      "confirmed",
      `The service says: ${f.failure?.detail}`,
      evidence,
      ["symptom", "hub-repo"],
    );
  if (r && !r.ok && r.withToken && e.hubRepo?.state === "problem")
    return h("repo-unreadable", statement, rationale, test, "confirmed", r.detail, evidence, [
      "hub-repo",
    ]);
  if (r?.ok)
    return h(
      "repo-unreadable",
      statement,
      rationale,
      test,
      "ruled-out",
      `The repository resolves to commit ${r.commit}${r.withToken ? " with the deployment's token" : ""}: it exists and can be read.`,
      evidence,
      ["hub-repo"],
    );
  if (r && !r.withToken && r.private)
    return h(
      "repo-unreadable",
      statement,
      rationale,
      test,
      "inconclusive",
      "The repository is private and no token was available to test access with.",
      evidence,
      ["hub-repo"],
    );
  return h(
    "repo-unreadable",
    statement,
    rationale,
    test,
    "not-tested",
    notRun(e.hubRepo, "The repository check"),
    evidence,
    ["hub-repo"],
  );
}

/** H7: the service cannot reach the model's source. */
function sourceUnreachable(f: Facts): H {
  const statement =
    "The service cannot reach the model's source (the Hub or the artifact URL) over the network.";
  const rationale = "Egress rules, DNS or an outage at the source make a cold model unloadable.";
  const test = "The error code the service gives for the model (source_unreachable).";
  if (!f.failure)
    return h(
      "source-unreachable",
      statement,
      rationale,
      test,
      f.predictOk ? "ruled-out" : "not-tested",
      f.predictOk ? "The model answers." : "The service's account could not be read.",
      [],
      ["symptom"],
    );
  const ev = [`${f.failure.where}: ${f.failure.code}: ${f.failure.detail}`];
  if (f.failure.code === "source_unreachable")
    return h("source-unreachable", statement, rationale, test, "confirmed", f.failure.detail, ev, [
      "symptom",
      "model-health",
    ]);
  return h(
    "source-unreachable",
    statement,
    rationale,
    test,
    "ruled-out",
    `The service gives another reason (${f.failure.code}), not an unreachable source.`,
    ev,
    ["symptom", "model-health"],
  );
}

/** H8: the model package or runtime is broken (a bug, not configuration). */
function modelBroken(f: Facts): H {
  const statement =
    "The model itself is broken: an invalid package, an inference error, or a bug in the service (HTTP 500).";
  const rationale =
    "A 500 means a bug; model_invalid means the package; both need code, not configuration.";
  const test = "The status and error code of predict and of the model's health.";
  if (f.predictOk)
    return h(
      "model-broken",
      statement,
      rationale,
      test,
      "ruled-out",
      "The model answers predict.",
      [],
      ["symptom"],
    );
  if (!f.failure)
    return h(
      "model-broken",
      statement,
      rationale,
      test,
      "not-tested",
      "The model's answer could not be read.",
      [],
      ["symptom"],
    );
  const ev = [`${f.failure.where}: ${f.failure.code}: ${f.failure.detail}`];
  if (
    ["model_invalid", "spec_invalid", "internal_error"].includes(f.failure.code) ||
    f.failure.code.startsWith("http_5")
  )
    return h("model-broken", statement, rationale, test, "confirmed", f.failure.detail, ev, [
      "symptom",
    ]);
  return h(
    "model-broken",
    statement,
    rationale,
    test,
    "ruled-out",
    `The service names a configuration or source state (${f.failure.code}), not a broken model.`,
    ev,
    ["symptom"],
  );
}

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
