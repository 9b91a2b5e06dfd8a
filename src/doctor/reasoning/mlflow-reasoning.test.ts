/**
 * The reasoning for a model in an MLflow registry, on evidence written by hand: a rejected
 * credential or a missing alias — said by the service, confirmed by the mlflow-model probe — is
 * the root cause; an unset variable stays the configuration's; a readable entry rules it out; a
 * Hub model never gets the MLflow hypothesis.
 */
import { describe, expect, it } from "vitest";
import type { MlflowModelResult } from "../probes/mlflow.js";
import type { HealthData } from "../probes/service.js";
import type { SymptomData } from "../probes/symptom.js";
import type { ProbeOutcome, ProbeState, Step } from "../types.js";
import type { Evidence } from "./facts.js";
import { readFacts } from "./facts.js";
import { buildHypotheses } from "./hypotheses.js";
import { decide } from "./verdict.js";

const SOURCE = "models:/churn@production";
const SERVER = "https://mlflow.internal:5000";
const REJECTED = `The MLflow tracking server at ${SERVER} rejected MLFLOW_TRACKING_TOKEN (HTTP 401) for model 30's source ${SOURCE}: the credential is invalid, expired or revoked; set a valid one.`;
const NO_ALIAS = `The MLflow registry at ${SERVER} has no churn@production for model 30 (HTTP 404) (MLflow: RESOURCE_DOES_NOT_EXIST: Registered model alias production not found.): check the source.`;
const MISSING = `MLFLOW_TRACKING_TOKEN is not set; model 30 is stored in the MLflow registry at ${SERVER}, which requires credentials (source ${SOURCE}). Set MLFLOW_TRACKING_TOKEN where the service runs, and restart it.`;

function p<T>(id: string, step: Step, state: ProbeState, data: T): ProbeOutcome<T> {
  return {
    id,
    step,
    title: id,
    state,
    summary: `${id} ${state}`,
    details: [],
    commands: [],
    ms: 1,
    timeoutMs: 5000,
    data,
  };
}

function failing(code: string, detail: string, source = SOURCE): Evidence {
  return {
    model: "30",
    symptom: p<SymptomData>("symptom", "symptom", "problem", {
      status: 503,
      code,
      detail,
      requestId: "req_1",
      inputFrom: "x",
      ms: 1,
    }),
    health: p<HealthData>("model-health", "service", "problem", {
      status: 503,
      healthy: false,
      state: "failed",
      source,
      revision: null,
      lastError: { code, detail },
    }),
  };
}

const probe = (state: ProbeState, result: Partial<MlflowModelResult>) =>
  p<MlflowModelResult>("mlflow-model", "credentials", state, {
    source: SOURCE,
    name: "churn",
    alias: "production",
    version: null,
    server: SERVER,
    credential: "MLFLOW_TRACKING_TOKEN",
    ok: false,
    code: null,
    detail: "",
    insecureTls: false,
    ...result,
  });

function verdict(e: Evidence) {
  const facts = readFacts(e);
  const hypotheses = buildHypotheses(e, facts);
  return {
    ...decide(e, facts, hypotheses),
    status: Object.fromEntries(hypotheses.map((x) => [x.id, x.status])),
  };
}

describe("the reasoning for an MLflow model", () => {
  it("a rejected token, said by the service and by the registry: the root cause, with both views", () => {
    const v = verdict({
      ...failing("source_unauthorized", REJECTED),
      mlflowModel: probe("problem", { code: "source_unauthorized", detail: REJECTED }),
    });
    expect(v.status["mlflow-model"]).toBe("confirmed");
    expect(v.rootCause).toMatchObject({
      hypothesis: "mlflow-model",
      title: "The model's MLflow registry entry cannot be read.",
    });
    expect(v.rootCause?.confidenceReason).toContain("the MLflow tracking server");
    expect(v.rootCause?.fix[0]?.text).toContain("MLFLOW_TRACKING_TOKEN");
    // The Hub's hypotheses are not about this model.
    expect(v.status["token-rejected"]).toBeUndefined();
    expect(v.status["repo-unreadable"]).toBeUndefined();
  });

  it("an alias that does not exist: the root cause, even before the service was asked", () => {
    const v = verdict({
      model: "30",
      mlflowModel: probe("problem", { code: "source_not_found", detail: NO_ALIAS }),
    });
    expect(v.status["mlflow-model"]).toBe("confirmed");
    expect(v.rootCause?.hypothesis).toBe("mlflow-model");
    expect(v.rootCause?.explanation).toBe(NO_ALIAS);
  });

  it("the service lacks MLFLOW_TRACKING_TOKEN: that, not the registry, is the cause", () => {
    const v = verdict({
      ...failing("source_credentials_missing", MISSING),
      mlflowModel: probe("ok", { ok: true, version: "3" }),
    });
    expect(v.status["mlflow-model"]).toBe("ruled-out");
    expect(v.rootCause?.hypothesis).toBe("service-lacks-variable");
    expect(v.rootCause?.title).toBe("MLFLOW_TRACKING_TOKEN is not set in the running service.");
  });

  it("the registry answers with doctor's credential: ruled out; unreachable from here: inconclusive", () => {
    const ok = verdict({ model: "30", mlflowModel: probe("ok", { ok: true, version: "3" }) });
    expect(ok.status["mlflow-model"]).toBe("ruled-out");
    expect(ok.rootCause).toBeNull();
    const away = verdict({
      model: "30",
      mlflowModel: probe("failed", { code: "source_unreachable", detail: "connection refused" }),
    });
    expect(away.status["mlflow-model"]).toBe("inconclusive");
  });

  it("a Hub model: no MLflow hypothesis", () => {
    const v = verdict(failing("source_not_found", "no such repository", "hf://acme/private"));
    expect(v.status["mlflow-model"]).toBeUndefined();
    expect(v.status["repo-unreadable"]).toBe("confirmed");
  });
});
