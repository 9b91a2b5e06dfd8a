/**
 * Every way the MLflow tracking server (or its artifact store) can refuse, as one actionable
 * sentence with its catalogue code. A missing or rejected credential names its variable; the
 * credential itself is never part of a message.
 */
import { ModelgateError } from "../../errors.js";
import { unreachable } from "../huggingface/errors.js";
import { SourceLimitError, tooLargeError } from "../limits.js";
import { HttpStatusError } from "../net/download.js";
import { describeFailure, IntegrityError, TransportError } from "../net/transport.js";

export const URI_VARIABLE = "MLFLOW_TRACKING_URI";
export const TOKEN_VARIABLE = "MLFLOW_TRACKING_TOKEN";
export const USERNAME_VARIABLE = "MLFLOW_TRACKING_USERNAME";
export const PASSWORD_VARIABLE = "MLFLOW_TRACKING_PASSWORD";

/** What was being done when MLflow refused, for the sentence. */
export interface MlflowSite {
  modelId: string;
  /** The source as stored: models:/churn@production. */
  source: string;
  /** The registered model's name. */
  name: string;
  /** The tracking server as shown (its URL without credentials or query). */
  server: string;
  /** Which credential was sent, if any. */
  credential: "token" | "basic" | null;
  timeoutMs: number;
  /** The version, once resolved. */
  version?: string;
  /** The artifact being fetched. */
  file?: string;
}

/** The variable(s) holding the credential that was sent. */
export function credentialVariables(credential: "token" | "basic" | null): string {
  return credential === "basic" ? `${USERNAME_VARIABLE} and ${PASSWORD_VARIABLE}` : TOKEN_VARIABLE;
}

/** The sentence for a server that wants credentials none were configured for. */
export function credentialsMissingSentence(modelId: string, server: string): string {
  return `${TOKEN_VARIABLE} is not set; model ${modelId} is stored in the MLflow registry at ${server}, which requires credentials`;
}

export function credentialsMissing(site: Pick<MlflowSite, "modelId" | "server" | "source">) {
  return new ModelgateError(
    "source_credentials_missing",
    `${credentialsMissingSentence(site.modelId, site.server)} (source ${site.source}). Set ${TOKEN_VARIABLE} (or ${USERNAME_VARIABLE} and ${PASSWORD_VARIABLE}; each also as <NAME>_FILE) where the service runs, and restart it.`,
  );
}

export function trackingUriMissing(modelId: string, source: string): ModelgateError {
  return new ModelgateError(
    "source_credentials_missing",
    `${URI_VARIABLE} is not set; model ${modelId} is stored in an MLflow registry (source ${source}). Set ${URI_VARIABLE} to the tracking server's URL (http(s)://host[:port]) where the service runs, and restart it.`,
  );
}

/** Only an http(s) tracking server can be asked (a file or database store is MLflow-internal). */
export function trackingUriUnsupported(modelId: string, source: string, why: string) {
  return new ModelgateError(
    "source_unsupported",
    `${URI_VARIABLE} ${why}; model ${modelId} (source ${source}) is fetched through an MLflow tracking server's REST API: set ${URI_VARIABLE} to the server's http(s) URL (run \`mlflow server\` in front of that store).`,
  );
}

/** MLflow's own words ({"error_code", "message"}), short and on one line. */
function mlflowSays(body: unknown): string {
  if (typeof body !== "object" || body === null) return "";
  const { error_code: code, message } = body as Record<string, unknown>;
  const text = [code, message]
    .filter((v): v is string => typeof v === "string" && v !== "")
    .join(": ")
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x1f\x7f]+/g, " ")
    .trim();
  return text === "" ? "" : ` (MLflow: ${text.length > 300 ? `${text.slice(0, 299)}…` : text})`;
}

function what(site: MlflowSite): string {
  return site.file
    ? `the artifact ${site.file} of registered model ${site.name} version ${site.version ?? "?"}`
    : `registered model ${site.name}`;
}

/** An answer MLflow gave with a status retrying will not change. */
export function statusError(status: number, body: unknown, site: MlflowSite): ModelgateError {
  if (status === 401 || (status === 403 && !site.credential)) {
    if (!site.credential) return credentialsMissing(site);
    return new ModelgateError(
      "source_unauthorized",
      `The MLflow tracking server at ${site.server} rejected ${credentialVariables(site.credential)} (HTTP 401) for model ${site.modelId}'s source ${site.source}: the credential is invalid, expired or revoked; set a valid one.`,
    );
  }
  if (status === 403) {
    return new ModelgateError(
      "source_unauthorized",
      `${credentialVariables(site.credential)} may not read ${what(site)} on the MLflow tracking server at ${site.server} (HTTP 403)${mlflowSays(body)}: grant its user READ permission on the registered model (model ${site.modelId}).`,
    );
  }
  const fix = `check the source (re-register with \`modelgate models register ${site.modelId} --source models:/NAME/VERSION\` or models:/NAME@ALIAS)`;
  if (status === 404 || status === 400) {
    return new ModelgateError(
      "source_not_found",
      site.file
        ? `The MLflow artifacts of registered model ${site.name} version ${site.version ?? "?"} have no file ${site.file}, which model ${site.modelId}'s package needs${mlflowSays(body)}: log the model again with it.`
        : `The MLflow registry at ${site.server} has no ${site.source.replace(/^models:\//, "")} for model ${site.modelId} (HTTP ${status})${mlflowSays(body)}: ${fix}.`,
    );
  }
  return unreachable(
    `The MLflow tracking server at ${site.server} answered model ${site.modelId}'s request for ${what(site)} with HTTP ${status}${mlflowSays(body)}`,
    "unexpected status",
    30,
  );
}

const TLS_CODES =
  /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|DEPTH_ZERO|SSL|EPROTO/;

/**
 * Maps anything an MLflow call or artifact download can throw for an expected reason to a
 * ModelgateError; anything else (a bug) is rethrown as is.
 */
export function mlflowError(err: unknown, site: MlflowSite): never {
  if (err instanceof ModelgateError) throw err;
  if (err instanceof SourceLimitError) throw tooLargeError(err, site.modelId, site.source);
  const unavailable = `The MLflow tracking server at ${site.server} is unavailable for model ${site.modelId}'s source ${site.source}`;
  if (err instanceof TransportError) {
    const tries = err.attempts > 1 ? `, ${err.attempts} attempts` : "";
    const tls = TLS_CODES.test(err.reason)
      ? `; its TLS certificate was not trusted: for MLFLOW_TRACKING_URI's server, set MLFLOW_TRACKING_SERVER_CERT_PATH to the PEM file of the CA that signed it (or MLFLOW_TRACKING_INSECURE_TLS=true, for a test server only); for another host, give Node its CA with NODE_EXTRA_CA_CERTS=/path/ca.pem`
      : "";
    throw unreachable(unavailable, `${err.reason}${tries}${tls}`, err.retryAfterS);
  }
  if (err instanceof HttpStatusError) throw statusError(err.status, null, site);
  if (err instanceof IntegrityError) {
    throw unreachable(
      `The MLflow artifact store sent ${site.file ?? "a file"} of registered model ${site.name} version ${site.version ?? "?"} incomplete for model ${site.modelId}`,
      err.message,
      30,
    );
  }
  if (
    err instanceof SyntaxError ||
    (err instanceof DOMException && (err.name === "TimeoutError" || err.name === "AbortError"))
  ) {
    throw unreachable(unavailable, describeFailure(err, site.timeoutMs), 30);
  }
  throw err;
}

/** The tracking server answered, but not with what MLflow's REST API answers. */
export function notMlflow(site: MlflowSite, answer: string): ModelgateError {
  return new ModelgateError(
    "source_unreachable",
    `${site.server} answered model ${site.modelId}'s request for ${what(site)} with ${answer}, not MLflow's REST API: check that ${URI_VARIABLE} is the tracking server's URL; retry after 30 s.`,
    { headers: { "Retry-After": "30" } },
  );
}
