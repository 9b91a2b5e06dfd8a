/**
 * The source hypotheses: the Hub rejects the token, the repository or revision cannot be read,
 * the source cannot be reached, or the model itself is broken (a bug, not configuration).
 */
import type { Evidence, Facts } from "./facts.js";
import type { H } from "./hypothesis-kit.js";
import { h, notRun, serviceSaidBriefly } from "./hypothesis-kit.js";

/** H5: the token is set but invalid, expired or revoked. */
export function tokenRejected(e: Evidence, f: Facts, name: string): H {
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
export function repoUnreadable(e: Evidence, f: Facts): H {
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
export function sourceUnreachable(f: Facts): H {
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
export function modelBroken(f: Facts): H {
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
