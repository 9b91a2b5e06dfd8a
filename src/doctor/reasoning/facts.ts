/**
 * What the probes established, read once for the hypotheses: how the model fails as the service
 * tells it, which settings it lacks, and whether the running service has each of them.
 */
import { schemaEntries } from "../../config/index.js";
import type { ConfigData } from "../probes/configuration.js";
import type { RepoResult, TokenResult } from "../probes/credentials.js";
import type { DependencyData } from "../probes/dependencies.js";
import type { MlflowModelResult } from "../probes/mlflow.js";
import type { SecretsData } from "../probes/secrets.js";
import type { HealthData, MetricsData, ReadyData } from "../probes/service.js";
import type { SymptomData } from "../probes/symptom.js";
import type { ProbeOutcome } from "../types.js";

export interface Evidence {
  model: string | null;
  /** The service's base URL, when given (for the commands a report suggests). */
  url?: string | null;
  symptom?: ProbeOutcome<SymptomData>;
  ready?: ProbeOutcome<ReadyData>;
  health?: ProbeOutcome<HealthData>;
  metrics?: ProbeOutcome<MetricsData>;
  config?: ProbeOutcome<ConfigData>;
  secrets?: ProbeOutcome<SecretsData>;
  hubToken?: ProbeOutcome<TokenResult>;
  hubRepo?: ProbeOutcome<RepoResult>;
  mlflowModel?: ProbeOutcome<MlflowModelResult>;
  postgres?: ProbeOutcome<DependencyData>;
  redis?: ProbeOutcome<DependencyData>;
}

/** Whether the running service has a variable: missing, set but refused, fine, or not known. */
export type ServiceHas = "missing" | "rejected" | "ok" | "unknown";

export interface Facts {
  model: string | null;
  /** The model's failure as the service states it (predict's envelope, else its health), or null. */
  failure: { code: string; detail: string; where: string } | null;
  /** The model answered predict (2xx). */
  predictOk: boolean;
  /** Settings the service says the model lacks, each with who said it and what they said. */
  needed: { variable: string; saidBy: string[]; said: { by: string; text: string }[] }[];
  serviceHas: (variable: string) => ServiceHas;
  /** A readiness check of the service itself (not a model's) that fails: store, redis, … */
  failingServiceChecks: { name: string; reason: string }[];
}

/** Every variable name modelgate declares, with its aliases: what a sentence may mention. */
function knownVariables(): Map<string, string> {
  const names = new Map<string, string>();
  for (const [, spec] of schemaEntries()) {
    names.set(spec.env, spec.env);
    for (const alias of spec.aliases ?? []) names.set(alias, spec.env);
  }
  return names;
}

/** The codes whose sentence names the setting at fault, and the phrase that says it is absent. */
const SETTING_CODES = new Set([
  "source_credentials_missing",
  "source_unauthorized",
  "config_invalid",
  "model_unavailable",
]);

/** The sentence naming the problem, without the advice that follows it. */
export function firstSentence(text: string): string {
  const end = text.search(/\.\s+[A-Z]/);
  return end === -1 ? text : text.slice(0, end);
}

function mentioned(text: string): string[] {
  const known = knownVariables();
  const found: string[] = [];
  for (const word of text.match(/\b[A-Z][A-Z0-9_]{2,}\b/g) ?? []) {
    const canonical = known.get(word.replace(/_FILE$/, ""));
    if (canonical && !found.includes(canonical)) found.push(canonical);
  }
  return found;
}

export function readFacts(e: Evidence): Facts {
  const symptom = e.symptom?.data;
  const health = e.health?.data;
  const modelCheck = e.ready?.data?.checks.find((c) => c.name === `model:${e.model}`);
  const predictOk = symptom !== undefined && symptom.status >= 200 && symptom.status < 300;
  let failure: Facts["failure"] = null;
  if (symptom && symptom.status >= 500 && symptom.code && symptom.detail) {
    failure = { code: symptom.code, detail: symptom.detail, where: "predict" };
  } else if (symptom && symptom.status >= 500) {
    failure = {
      code: `http_${symptom.status}`,
      detail: `HTTP ${symptom.status} without modelgate's error envelope`,
      where: "predict",
    };
  } else if (!predictOk && health?.lastError) {
    failure = { ...health.lastError, where: "model health" };
  } else if (!predictOk && modelCheck && !modelCheck.ok) {
    failure = { code: "not_ready", detail: modelCheck.reason, where: "/ready" };
  }

  const needed = new Map<string, Map<string, string>>();
  const add = (variable: string, by: string, text: string) => {
    if (!needed.has(variable)) needed.set(variable, new Map());
    needed.get(variable)?.set(by, text);
  };
  for (const v of e.metrics?.data?.unmet ?? [])
    add(v, "/metrics", `modelgate_config_requirement_unmet{model="${e.model}",variable="${v}"} 1`);
  if (symptom?.code && SETTING_CODES.has(symptom.code) && symptom.detail)
    for (const v of mentioned(symptom.detail))
      add(v, "predict", `${symptom.status} ${symptom.code}: ${firstSentence(symptom.detail)}`);
  if (health?.lastError && SETTING_CODES.has(health.lastError.code))
    for (const v of mentioned(health.lastError.detail))
      add(
        v,
        "model health",
        `last_error ${health.lastError.code}: ${firstSentence(health.lastError.detail)}`,
      );
  // A /ready reason carries no code: only a sentence saying a setting is absent or refused counts.
  if (
    modelCheck &&
    !modelCheck.ok &&
    /\bis not set\b|does not look like|reject|refus|may not read/.test(modelCheck.reason)
  )
    for (const v of mentioned(modelCheck.reason))
      add(v, "/ready", `check ${modelCheck.name} fails: ${firstSentence(modelCheck.reason)}`);

  const codes = [symptom?.code, health?.lastError?.code].filter((c): c is string => Boolean(c));
  const serviceHas = (variable: string): ServiceHas => {
    if (!needed.has(variable)) {
      return predictOk ? "ok" : "unknown";
    }
    if (
      codes.includes("source_credentials_missing") ||
      /\bis not set\b/.test(failure?.detail ?? "")
    )
      return "missing";
    if (codes.includes("source_unauthorized")) return "rejected";
    if ((e.metrics?.data?.unmet ?? []).includes(variable)) return "missing";
    return "unknown";
  };

  const failingServiceChecks = (e.ready?.data?.checks ?? [])
    .filter((c) => !c.ok && !c.name.startsWith("model:"))
    .map((c) => ({ name: c.name, reason: c.reason }));

  return {
    model: e.model,
    failure,
    predictOk,
    needed: [...needed].map(([variable, by]) => ({
      variable,
      saidBy: [...by.keys()],
      said: [...by].map(([source, text]) => ({ by: source, text })),
    })),
    serviceHas,
    failingServiceChecks,
  };
}
