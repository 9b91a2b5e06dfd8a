/**
 * The MLflow registry's counterpart of the Hub's token and repository hypotheses, as one: the
 * model's models:/ source cannot be read — the tracking server refuses the credential, or the
 * registered model, version or alias does not exist, or its certificate is not trusted. A
 * setting the service says is not set is the configuration hypotheses' (service-lacks-variable).
 */
import type { HypothesisStatus } from "../types.js";
import type { Evidence, Facts } from "./facts.js";
import type { H } from "./hypothesis-kit.js";
import { h, notRun } from "./hypothesis-kit.js";

const ID = "mlflow-model";
const STATEMENT =
  "The model's MLflow registry entry cannot be read: the tracking server refuses the credential (or its certificate is not trusted), or the registered model, version or alias does not exist.";
const RATIONALE =
  "A rotated MLflow token, a user without READ on the registered model, an alias deleted or renamed, or a private CA the service does not trust all fail the model's load.";
const TEST =
  "Ask the tracking server which version the model's source names (registered-models/alias, model-versions/get or get-latest-versions) with the MLFLOW_TRACKING_* settings of doctor's environment.";

/** A source served from an MLflow registry, as `models:/…` or `mlflow://…`. */
const MLFLOW_SOURCE = /^(models:\/|mlflow:\/\/)/;

/** Refusals the registry's answer settles (an unreachable server says nothing about them). */
const REFUSALS = new Set([
  "source_unauthorized",
  "source_not_found",
  "source_credentials_missing",
  "config_invalid",
  "source_unsupported",
]);

/** Whether the model in question is served from an MLflow registry, as far as doctor knows. */
export function isMlflowModel(e: Evidence, variables: string[]): boolean {
  const source = e.health?.data?.source ?? "";
  return (
    MLFLOW_SOURCE.test(source) ||
    e.mlflowModel?.data !== undefined ||
    variables.some((v) => v.startsWith("MLFLOW_TRACKING_"))
  );
}

export function mlflowModelUnreadable(e: Evidence, f: Facts): H {
  const r = e.mlflowModel?.data;
  const evidence = r
    ? [
        `MLflow: ${r.source} on ${r.server} ${r.credential ? `with ${r.credential}` : "without credentials"}: ${r.ok ? `version ${r.version}` : `${r.code}: ${r.detail}`}`,
      ]
    : [];
  const probes = ["symptom", "mlflow-model"];
  const verdict = (status: HypothesisStatus, conclusion: string, by = ["mlflow-model"]): H =>
    h(ID, STATEMENT, RATIONALE, TEST, status, conclusion, evidence, by);
  const failure = f.failure;
  // The service's own refusal counts when the model is known to be MLflow's (not the Hub's).
  const mlflowSource = MLFLOW_SOURCE.test(e.health?.data?.source ?? "") || r !== undefined;
  if (
    mlflowSource &&
    failure &&
    (failure.code === "source_unauthorized" || failure.code === "source_not_found")
  ) {
    evidence.unshift(`${failure.where}: ${failure.code}: ${failure.detail}`);
    const agrees =
      r && !r.ok && r.code === failure.code
        ? " The registry says the same to doctor."
        : r?.ok && failure.code === "source_unauthorized"
          ? ` The registry accepts ${r.credential ?? "no credential"} from doctor's environment: the service runs with another (stale or mistyped) value; redeploy so it reads the current secret.`
          : "";
    return verdict("confirmed", `The service says: ${failure.detail}${agrees}`, probes);
  }
  if (failure?.code === "source_credentials_missing")
    return verdict(
      "ruled-out",
      "No credential reached the tracking server: the service says a setting is not set (the configuration hypotheses test it).",
      probes,
    );
  if (r && !r.ok && r.code && REFUSALS.has(r.code) && e.mlflowModel?.state === "problem")
    return verdict("confirmed", r.detail);
  if (r?.ok)
    return verdict(
      "ruled-out",
      `${r.source} resolves to version ${r.version}${r.credential ? ` with ${r.credential}` : ""}: the registered model exists and can be read.`,
    );
  if (e.mlflowModel?.state === "failed") return verdict("inconclusive", e.mlflowModel.summary);
  return verdict("not-tested", notRun(e.mlflowModel, "The MLflow registry check"));
}
