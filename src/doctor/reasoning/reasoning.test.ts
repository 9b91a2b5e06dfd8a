/**
 * The reasoning alone, on evidence written by hand: each failure a careful engineer would tell
 * apart ends in its own root cause, what it explains is not reported twice, an independent
 * problem is reported beside it, and nothing is concluded from probes that did not run.
 */
import { describe, expect, it } from "vitest";
import type { ConfigData, TargetRef, VariablePresence } from "../probes/configuration.js";
import type { RepoResult, TokenResult } from "../probes/credentials.js";
import type { DependencyData } from "../probes/dependencies.js";
import type { SecretsData } from "../probes/secrets.js";
import type { HealthData, MetricsData, ReadyData } from "../probes/service.js";
import type { SymptomData } from "../probes/symptom.js";
import type { ProbeOutcome, ProbeState, Step } from "../types.js";
import type { Evidence } from "./facts.js";
import { readFacts } from "./facts.js";
import { buildHypotheses } from "./hypotheses.js";
import { decide } from "./verdict.js";

const V = "HUGGINGFACE_API_KEY";
const MISSING = `${V} is not set; model 21 is stored in a private Hugging Face repository acme/private. Set ${V} (or HF_TOKEN) where the service runs.`;
const REJECTED = `The Hugging Face Hub rejected ${V} (HTTP 401) for model 21's repository acme/private: the token is invalid, expired or revoked; set a valid read token.`;

function p<T>(
  id: string,
  step: Step,
  state: ProbeState,
  data?: T,
  summary = `${id} ${state}`,
): ProbeOutcome<T> {
  const out: ProbeOutcome<T> = {
    id,
    step,
    title: id,
    state,
    summary,
    details: [],
    commands: [],
    ms: 1,
    timeoutMs: 5000,
  };
  if (data !== undefined) out.data = data;
  return out;
}

const symptom = (status: number, code: string | null, detail: string | null) =>
  p<SymptomData>("symptom", "symptom", status < 300 ? "ok" : "problem", {
    status,
    code,
    detail,
    requestId: "req_1",
    inputFrom: "x",
    ms: 1,
  });
const health = (lastError: { code: string; detail: string } | null) =>
  p<HealthData>("model-health", "service", lastError ? "problem" : "ok", {
    status: lastError ? 503 : 200,
    healthy: !lastError,
    state: lastError ? "failed" : "ready",
    source: "hf://acme/private",
    revision: null,
    lastError,
  });
const ready = (checks: ReadyData["checks"]) =>
  p<ReadyData>("ready", "service", checks.every((c) => c.ok) ? "ok" : "problem", {
    status: 200,
    ready: true,
    checks,
    version: "0.1.0",
  });
const metrics = (unmet: string[]) =>
  p<MetricsData>("metrics", "service", unmet.length ? "problem" : "ok", {
    present: true,
    unmet,
    otherUnmet: [],
    modelReady: unmet.length ? 0 : 1,
  });

const TF: TargetRef = {
  id: "terraform:api",
  label: "aws_ecs_task_definition.api",
  kind: "terraform",
  role: "declared",
  family: "api",
  revision: null,
  file: "infra/ecs.tf",
};
const TD: TargetRef = {
  id: "task-definition:api:150",
  label: "api:150",
  kind: "task-definition",
  role: "deployed",
  family: "api",
  revision: 150,
  file: "td.json",
};
const has = (target: TargetRef, provided: boolean): VariablePresence => ({
  target,
  provided,
  kinds: provided ? ["secret"] : [],
  references: provided ? ["arn:aws:secretsmanager:us-east-1:1:secret:hf-AbC"] : [],
  at: `${target.file}:1`,
});
function config(inTf: boolean, inTd: boolean): ProbeOutcome<ConfigData> {
  const findings =
    inTf && !inTd ? [{ kind: "not-applied", severity: "error", message: "not applied" }] : [];
  return p<ConfigData>("config", "configuration", findings.length ? "problem" : "ok", {
    variables: [
      {
        name: V,
        alternatives: ["HF_TOKEN"],
        documented: [".env.example:3"],
        presence: [has(TF, inTf), has(TD, inTd)],
        findings,
      },
    ],
    otherErrors: [],
    targets: [TF, TD],
    sources: [],
    secretRefs: [],
  });
}
const secrets = (resolves: "yes" | "no") =>
  p<SecretsData>("secret-refs", "secrets", resolves === "yes" ? "ok" : "problem", {
    refs: [
      {
        variable: V,
        target: "api:150",
        reference: "arn:aws:secretsmanager:us-east-1:1:secret:hf-AbC",
        at: null,
        resolves,
        reason:
          resolves === "yes"
            ? "the secret exists and is not empty"
            : "the secret does not exist (ResourceNotFoundException)",
      },
    ],
    omitted: 0,
  });
const token = (ok: boolean) =>
  p<TokenResult>(
    "hub-token",
    "credentials",
    ok ? "ok" : "problem",
    ok
      ? { tested: true, origin: "the secret", ok: true, owner: "acme-bot" }
      : {
          tested: true,
          origin: "the secret",
          ok: false,
          code: "source_unauthorized",
          detail: REJECTED,
        },
  );
const repo = (ok: boolean) =>
  p<RepoResult>("hub-repo", "credentials", ok ? "ok" : "problem", {
    source: "hf://acme/private",
    repo: "acme/private",
    revision: null,
    withToken: "the secret",
    ok,
    commit: ok ? "a".repeat(40) : null,
    private: true,
    code: ok ? null : "source_not_found",
    detail: ok ? "resolves" : "no such repository",
  });
const dep = (name: "postgres" | "redis", reachable: boolean) =>
  p<DependencyData>(
    name,
    "dependencies",
    reachable ? "ok" : "problem",
    {
      name,
      address: "10.0.0.5:6379",
      host: "bastion",
      localAddress: null,
      reachable,
      stage: reachable ? "ok" : "connect",
      reason: reachable ? "ok" : "no TCP connection",
      ms: 2000,
      timeoutMs: 2000,
    },
    reachable
      ? `${name} ok`
      : `Redis at 10.0.0.5:6379 is unreachable from host bastion: no TCP connection within 2 s.`,
  );

function verdict(e: Evidence) {
  const facts = readFacts(e);
  const hypotheses = buildHypotheses(e, facts);
  return {
    facts,
    hypotheses,
    ...decide(e, facts, hypotheses),
    status: Object.fromEntries(hypotheses.map((h) => [h.id, h.status])),
  };
}

const incident = (): Evidence => ({
  model: "21",
  symptom: symptom(503, "source_credentials_missing", MISSING),
  health: health({ code: "source_credentials_missing", detail: MISSING }),
  ready: ready([{ name: "model:21", ok: false, reason: MISSING }]),
  metrics: metrics([V]),
  config: config(true, false),
  secrets: secrets("yes"),
  hubToken: token(true),
  hubRepo: repo(true),
});

describe("the reasoning", () => {
  it("the seeds' incident: not applied, with high confidence; what it explains is not repeated", () => {
    const v = verdict(incident());
    expect(v.facts.needed.map((n) => n.variable)).toEqual([V]);
    expect(v.rootCause?.hypothesis).toBe("not-applied");
    expect(v.rootCause?.confidence).toBe("high");
    expect(v.alsoFound).toEqual([]);
    expect(v.status).toMatchObject({
      "service-lacks-variable": "confirmed",
      "token-rejected": "ruled-out",
      "secret-unresolved": "ruled-out",
    });
  });

  it("reports a dead Redis beside the root cause, as the seeds' second problem", () => {
    const v = verdict({
      ...incident(),
      redis: dep("redis", false),
      postgres: dep("postgres", true),
    });
    expect(v.rootCause?.hypothesis).toBe("not-applied");
    expect(v.alsoFound.map((a) => a.hypothesis)).toEqual(["redis"]);
    expect(v.alsoFound[0]?.fix[0]?.text).toMatch(/security-group rule/);
  });

  it("the deployment has the variable but the service does not: not redeployed", () => {
    const v = verdict({ ...incident(), config: config(true, true) });
    expect(v.rootCause?.hypothesis).toBe("not-redeployed");
    expect(v.status["not-applied"]).toBe("ruled-out");
  });

  it("no target provides it: never added to the deployment", () => {
    const v = verdict({ ...incident(), config: config(false, false) });
    expect(v.rootCause?.hypothesis).toBe("never-deployed");
  });

  it("the secret the deployment references is gone: that, not drift, when both have it", () => {
    const v = verdict({ ...incident(), config: config(true, true), secrets: secrets("no") });
    expect(v.status["secret-unresolved"]).toBe("confirmed");
    expect(v.status["not-redeployed"]).toBe("confirmed");
    // New tasks cannot start without the secret, so the old ones run on without the variable.
    expect(v.rootCause?.hypothesis).toBe("secret-unresolved");
    expect(v.alsoFound).toEqual([]);
  });

  it("a rejected token: the service says so and the Hub agrees", () => {
    const v = verdict({
      model: "21",
      symptom: symptom(503, "source_unauthorized", REJECTED),
      health: health({ code: "source_unauthorized", detail: REJECTED }),
      ready: ready([{ name: "model:21", ok: false, reason: REJECTED }]),
      metrics: metrics([V]),
      config: config(true, true),
      secrets: secrets("yes"),
      hubToken: token(false),
      hubRepo: repo(false),
    });
    expect(v.facts.serviceHas(V)).toBe("rejected");
    expect(v.rootCause?.hypothesis).toBe("token-rejected");
    expect(v.status["not-applied"]).toBe("ruled-out");
    expect(v.status["service-lacks-variable"]).toBe("ruled-out");
  });

  it("a 500 without configuration in question: the model or the service is broken", () => {
    const v = verdict({
      model: "21",
      symptom: symptom(500, null, null),
      health: health(null),
      ready: ready([{ name: "model:21", ok: true, reason: "loaded" }]),
      metrics: metrics([]),
    });
    expect(v.rootCause?.hypothesis).toBe("model-broken");
    expect(v.status["source-unreachable"]).toBe("ruled-out");
  });

  it("a working model with drift in the files: a latent problem, said as such", () => {
    const v = verdict({
      model: "21",
      symptom: symptom(200, null, null),
      health: health(null),
      ready: ready([{ name: "model:21", ok: true, reason: "loaded" }]),
      metrics: metrics([]),
      config: config(true, false),
    });
    expect(v.rootCause?.hypothesis).toBe("not-applied");
    expect(v.rootCause?.explanation).toMatch(/is not running api:150.*Any task started from it/);
  });

  it("everything in order: nothing found", () => {
    const v = verdict({
      model: "21",
      symptom: symptom(200, null, null),
      health: health(null),
      ready: ready([{ name: "model:21", ok: true, reason: "loaded" }]),
      metrics: metrics([]),
      config: config(true, true),
      secrets: secrets("yes"),
      hubToken: token(true),
      hubRepo: repo(true),
      redis: dep("redis", true),
      postgres: dep("postgres", true),
    });
    expect(v.rootCause).toBeNull();
    expect(v.hypotheses.filter((h) => h.status === "confirmed")).toEqual([]);
  });

  it("concludes nothing from probes that did not run", () => {
    const v = verdict({
      model: "21",
      symptom: symptom(503, "source_credentials_missing", MISSING),
      config: p<ConfigData>(
        "config",
        "configuration",
        "skipped",
        undefined,
        "No configuration source given.",
      ),
      secrets: p<SecretsData>("secret-refs", "secrets", "skipped"),
      hubToken: p<TokenResult>("hub-token", "credentials", "skipped"),
      hubRepo: p<RepoResult>("hub-repo", "credentials", "skipped"),
    });
    expect(v.rootCause?.hypothesis).toBe("service-lacks-variable");
    expect(v.rootCause?.confidence).toBe("low");
    expect(v.rootCause?.confidenceReason).toMatch(
      /not observed: the configuration sources \(step 3 did not run\)/,
    );
    expect(v.status).toMatchObject({
      "not-applied": "not-tested",
      "never-deployed": "not-tested",
      "secret-unresolved": "not-tested",
    });
  });
});
