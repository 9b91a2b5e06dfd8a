/**
 * Step 4, credentials, for a model in an MLflow registry: ask the tracking server which version
 * the model's models:/ (or mlflow://) source names, with the credential and TLS settings of
 * doctor's environment (MLFLOW_TRACKING_*), through modelgate's own MLflow client — so doctor
 * asks exactly what the service would. The answer: the version and alias resolved, or why not
 * (unreachable, a credential missing or rejected — its variable named —, no such model, version
 * or alias). The command shown names the variables, never their values.
 */
import type { Source } from "../../sources/index.js";
import { credentialOf, trackingBase } from "../../sources/mlflow/api.js";
import { credentialVariables } from "../../sources/mlflow/errors.js";
import { probeMlflow } from "../../sources/mlflow/probe.js";
import { mlflowTlsWarnings } from "../../sources/mlflow/tls.js";
import { formatMlflowSource, pinnedVersion } from "../../sources/mlflow/uri.js";
import type { MlflowSettings } from "../../sources/types.js";
import type { ProbeSpec } from "../run-probe.js";
import { skipped } from "../run-probe.js";
import { sourceOfKind, withScratch } from "./model-source.js";

type MlflowSource = Extract<Source, { kind: "mlflow" }>;

export interface MlflowModelResult {
  /** The source as stored (models:/churn@production). */
  source: string;
  name: string;
  alias: string | null;
  /** The version the source names: resolved by the server, or the pinned one. */
  version: string | null;
  /** The tracking server asked (its base URL). */
  server: string;
  /** The variables whose credential was sent, or null when none was. */
  credential: string | null;
  ok: boolean;
  code: string | null;
  detail: string;
  /** MLFLOW_TRACKING_INSECURE_TLS was on: the server's certificate was not verified. */
  insecureTls: boolean;
}

/** The model's MLflow source, or why there is none to check. */
export function mlflowSourceOf(
  source: string | null,
): { source: MlflowSource } | { reason: string } {
  return sourceOfKind(
    source,
    "mlflow",
    (s) =>
      `the model's source is ${s}, not an MLflow registry model: no MLflow tracking server is involved`,
  );
}

/** The curl a person would run to ask the same: variables, never values. */
export function mlflowCurl(ref: MlflowSource, settings: MlflowSettings | undefined): string {
  const api = '"$MLFLOW_TRACKING_URI/api/2.0/mlflow/';
  const parts = ["curl -sS"];
  const pinned = pinnedVersion(ref);
  if (ref.alias !== null) {
    parts.push(
      `${api}registered-models/alias?${new URLSearchParams({ name: ref.name, alias: ref.alias })}"`,
    );
  } else if (pinned) {
    parts.push(
      `${api}model-versions/get?${new URLSearchParams({ name: ref.name, version: pinned })}"`,
    );
  } else {
    parts.push(`-X POST ${api}registered-models/get-latest-versions"`);
    parts.push('-H "Content-Type: application/json"');
    parts.push(`--data '${JSON.stringify({ name: ref.name }).replace(/'/g, "'\\''")}'`);
  }
  const kind = credentialOf(settings).kind;
  if (kind === "token") parts.push('-H "Authorization: Bearer $MLFLOW_TRACKING_TOKEN"');
  if (kind === "basic") parts.push('-u "$MLFLOW_TRACKING_USERNAME:$MLFLOW_TRACKING_PASSWORD"');
  if (settings?.serverCertPath) parts.push('--cacert "$MLFLOW_TRACKING_SERVER_CERT_PATH"');
  else if (settings?.insecureTls) parts.push("-k");
  return parts.join(" \\\n  ");
}

/** The summary of a refusal, by its code: what is wrong and which setting to look at. */
function refusal(
  code: string,
  detail: string,
  sent: boolean,
): { state: "problem" | "failed"; summary: string } {
  if (code === "source_unreachable") {
    if (/TLS certificate was not trusted/.test(detail)) {
      return {
        state: "problem",
        summary: `The tracking server's TLS certificate is not trusted: ${detail}`,
      };
    }
    return {
      state: "failed",
      summary: `The MLflow tracking server could not be asked from here: ${detail}`,
    };
  }
  if (code === "source_credentials_missing" && !sent) {
    return {
      state: "problem",
      summary: `The MLflow tracking server requires credentials, and doctor's environment has none: ${detail}`,
    };
  }
  if (code === "source_unauthorized") {
    return {
      state: "problem",
      summary: `The MLflow tracking server refuses the credential: ${detail}`,
    };
  }
  if (code === "source_not_found") {
    return { state: "problem", summary: `Not found in the MLflow registry: ${detail}` };
  }
  return { state: "problem", summary: detail };
}

export function mlflowModelProbe(
  settings: MlflowSettings | undefined,
  model: () => { id: string; source: string | null },
  timeoutMs: number,
): ProbeSpec<MlflowModelResult> {
  return {
    id: "mlflow-model",
    step: "credentials",
    title: "Ask the MLflow tracking server which version the model's source names",
    timeoutMs,
    async run() {
      const { id, source } = model();
      const found = mlflowSourceOf(source);
      if (!("source" in found)) return skipped(`Not checked: ${found.reason}.`);
      if (!settings?.trackingUri) {
        return skipped(
          "Not checked: doctor's environment has no MLFLOW_TRACKING_URI (set it, and the MLFLOW_TRACKING_* credential the service uses, to ask the tracking server from here).",
        );
      }
      const ref = found.source;
      const kind = credentialOf(settings).kind;
      const credential = kind ? credentialVariables(kind) : null;
      const as = credential
        ? `with ${credential} from doctor's environment`
        : "without credentials (doctor's environment has none)";
      const warnings = mlflowTlsWarnings(settings).map((w) => `warning: ${w}`);
      const base = {
        source: formatMlflowSource(ref),
        name: ref.name,
        alias: ref.alias,
        server: trackingBase(settings) ?? settings.trackingUri,
        credential,
        insecureTls: settings.insecureTls === true,
      };
      const result = await withScratch((dir) =>
        probeMlflow(ref, id, {
          dataDir: dir,
          hubUrl: "https://huggingface.co",
          token: undefined,
          timeoutMs,
          retry: { attempts: 1 },
          mlflow: settings,
        }),
      );
      const commands = [mlflowCurl(ref, settings)];
      if (result.ok) {
        const version = result.revision?.replace(/^v/, "") ?? null;
        const named =
          ref.alias !== null ? `alias ${ref.alias} names version ${version}` : `version ${version}`;
        const unverified = base.insecureTls
          ? " Its certificate was NOT verified (MLFLOW_TRACKING_INSECURE_TLS=true)."
          : "";
        return {
          state: "ok",
          summary: `Registered model ${ref.name} is readable ${as} at ${base.server}: ${named}.${unverified}`,
          details: [result.detail, ...warnings],
          commands,
          data: { ...base, version, ok: true, code: null, detail: result.detail },
        };
      }
      const { error } = result;
      const { state, summary } = refusal(error.code, error.detail, credential !== null);
      return {
        state,
        summary,
        details: [`${base.source} on ${base.server}, asked ${as}`, ...warnings],
        commands,
        data: {
          ...base,
          version: pinnedVersion(ref),
          ok: false,
          code: error.code,
          detail: error.detail,
        },
      };
    },
  };
}
