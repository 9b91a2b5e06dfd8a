/**
 * The MLflow tracking server's REST API (2.0): which version an alias or "latest" names, a
 * version's status, and where its artifacts are. Every call has a deadline and retries (the
 * sources' resilient fetch), answers are read to a bounded size, and the credential
 * (MLFLOW_TRACKING_TOKEN as a bearer token, or MLFLOW_TRACKING_USERNAME/PASSWORD as basic auth,
 * as MLflow's own client sends them) goes to the tracking server only, as do its TLS settings
 * (./tls.ts).
 */
import { ModelgateError } from "../../errors.js";
import { SourceLimitError } from "../limits.js";
import { resilientFetch } from "../net/transport.js";
import type { MlflowSettings, SourceContext } from "../types.js";
import type { MlflowSite } from "./errors.js";
import {
  mlflowError,
  notMlflow,
  PASSWORD_VARIABLE,
  statusError,
  trackingUriMissing,
  trackingUriUnsupported,
  URI_VARIABLE,
  USERNAME_VARIABLE,
} from "./errors.js";
import {
  CERT_PATH_VARIABLE,
  INSECURE_TLS_VARIABLE,
  tlsSettingsError,
  withTrackingTls,
} from "./tls.js";
import type { MlflowRef } from "./uri.js";

/** Largest answer read from the tracking server: registry answers are small JSON. */
export const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

export interface Credential {
  kind: "token" | "basic" | null;
  headers: Record<string, string>;
}

/** What MLflow's client sends: the token as a bearer token, else username and password. */
export function credentialOf(settings: MlflowSettings | undefined): Credential {
  if (settings?.token) {
    return { kind: "token", headers: { Authorization: `Bearer ${settings.token}` } };
  }
  if (settings?.username && settings.password) {
    const basic = Buffer.from(`${settings.username}:${settings.password}`).toString("base64");
    return { kind: "basic", headers: { Authorization: `Basic ${basic}` } };
  }
  return { kind: null, headers: {} };
}

/** The tracking server's base URL (no trailing slash), or null when it cannot be used. */
export function trackingBase(settings: MlflowSettings | undefined): string | null {
  if (!settings?.trackingUri) return null;
  try {
    const url = new URL(settings.trackingUri);
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    if (url.username || url.password) return null;
    return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
  } catch {
    return null;
  }
}

/** A setting that keeps the tracking server from being asked, and the sentence naming it. */
export interface SettingProblem {
  variable: string;
  error: ModelgateError;
}

/** Why the configuration cannot ask the tracking server at all, or null. */
export function settingsProblem(
  settings: MlflowSettings | undefined,
  modelId: string,
  source: string,
): SettingProblem | null {
  const uri = settings?.trackingUri;
  if (!uri) return { variable: URI_VARIABLE, error: trackingUriMissing(modelId, source) };
  const unsupported = (why: string) => ({
    variable: URI_VARIABLE,
    error: trackingUriUnsupported(modelId, source, why),
  });
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return unsupported("is not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return unsupported(`is a ${url.protocol} URI`);
  }
  if (url.username || url.password) {
    return unsupported(
      `carries credentials in the URL (they would be shown); put them in ${USERNAME_VARIABLE} and ${PASSWORD_VARIABLE} instead`,
    );
  }
  if (!settings.token && Boolean(settings.username) !== Boolean(settings.password)) {
    const missing = settings.username ? PASSWORD_VARIABLE : USERNAME_VARIABLE;
    const set = settings.username ? USERNAME_VARIABLE : PASSWORD_VARIABLE;
    return {
      variable: missing,
      error: new ModelgateError(
        "source_credentials_missing",
        `${missing} is not set but ${set} is; model ${modelId} (source ${source}) is read from the MLflow tracking server with basic auth, which needs both: set ${missing} where the service runs (or use MLFLOW_TRACKING_TOKEN), and restart it.`,
      ),
    };
  }
  const tls = tlsSettingsError(settings, modelId, source);
  if (tls) {
    const variable = settings.serverCertPath ? CERT_PATH_VARIABLE : INSECURE_TLS_VARIABLE;
    return { variable, error: tls };
  }
  return null;
}

/** A response body, read to at most `max` bytes. */
export async function readBounded(res: Response, max: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  if (!res.body) return Buffer.alloc(0);
  for await (const chunk of res.body) {
    size += (chunk as Uint8Array).length;
    if (size > max) {
      await res.body.cancel().catch(() => undefined);
      throw new SourceLimitError(
        `${what} is over ${max / (1024 * 1024)} MiB, more than modelgate reads from a tracking server`,
      );
    }
    chunks.push(Buffer.from(chunk as Uint8Array));
  }
  return Buffer.concat(chunks);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** One REST call: the JSON object MLflow answers, or the typed reason it did not. */
export async function callApi(
  ctx: SourceContext,
  site: MlflowSite,
  url: string,
  init: { method?: "GET" | "POST"; body?: unknown },
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = {
    Accept: "application/json",
    ...credentialOf(ctx.mlflow).headers,
    ...(init.body === undefined ? {} : { "Content-Type": "application/json" }),
  };
  let status: number;
  let contentType: string;
  let text: string;
  try {
    const res = await resilientFetch(withTrackingTls(ctx), signal)(url, {
      method: init.method ?? "GET",
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    status = res.status;
    contentType = res.headers.get("content-type") ?? "no content type";
    text = (await readBounded(res, MAX_ANSWER_BYTES, "the answer")).toString("utf8");
  } catch (err) {
    return mlflowError(err, site);
  }
  const json = parseJson(text);
  if (status < 200 || status > 299) throw statusError(status, json, site);
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw notMlflow(
      site,
      `HTTP ${status} and ${contentType.split(";")[0] ?? ""} that is not a JSON object`,
    );
  }
  return json as Record<string, unknown>;
}

export interface ModelVersion {
  version: string;
  runId: string | null;
}

function apiUrl(base: string, path: string, params: Record<string, string>): string {
  const query = new URLSearchParams(params).toString();
  return `${base}/api/2.0/mlflow/${path}${query ? `?${query}` : ""}`;
}

/** A model_version object as MLflow answers it; its status must be READY. */
function readVersion(value: unknown, site: MlflowSite): ModelVersion {
  const mv = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  const version = typeof mv.version === "number" ? String(mv.version) : mv.version;
  if (typeof version !== "string" || !/^[1-9][0-9]{0,9}$/.test(version)) {
    throw notMlflow(site, "a model version without a version number");
  }
  const status = typeof mv.status === "string" ? mv.status : "READY";
  const at = `registered model ${site.name} version ${version}`;
  if (status === "PENDING_REGISTRATION") {
    throw new ModelgateError(
      "source_unreachable",
      `${at} (model ${site.modelId}) is still being registered (PENDING_REGISTRATION): retry after 30 s.`,
      { headers: { "Retry-After": "30" } },
    );
  }
  if (status !== "READY") {
    const why = typeof mv.status_message === "string" ? `: ${mv.status_message.slice(0, 300)}` : "";
    throw new ModelgateError(
      "source_not_found",
      `${at} cannot be served for model ${site.modelId}: its status is ${status}${why}; register the model again.`,
    );
  }
  return { version, runId: typeof mv.run_id === "string" ? mv.run_id : null };
}

/** The version a source names: itself, its alias's, or the latest. */
export async function resolveVersion(
  ctx: SourceContext,
  base: string,
  site: MlflowSite,
  ref: MlflowRef,
  signal?: AbortSignal,
): Promise<ModelVersion> {
  if (ref.alias !== null) {
    const json = await callApi(
      ctx,
      site,
      apiUrl(base, "registered-models/alias", { name: ref.name, alias: ref.alias }),
      {},
      signal,
    );
    return readVersion(json.model_version, site);
  }
  if (ref.version === "latest" || ref.version === null) {
    const json = await callApi(
      ctx,
      site,
      apiUrl(base, "registered-models/get-latest-versions", {}),
      { method: "POST", body: { name: ref.name } },
      signal,
    );
    const list: unknown[] = Array.isArray(json.model_versions) ? json.model_versions : [];
    // One per stage; versions still registering (or failed) are not candidates.
    const ready = list.filter((v) => {
      const status = (v as { status?: unknown } | null)?.status;
      return status === undefined || status === "READY";
    });
    const newest = ready
      .map((v) => readVersion(v, site))
      .sort((a, b) => Number(b.version) - Number(a.version))[0];
    if (!newest) throw statusError(404, { message: "it has no versions" }, site);
    return newest;
  }
  const json = await callApi(
    ctx,
    site,
    apiUrl(base, "model-versions/get", { name: ref.name, version: ref.version }),
    {},
    signal,
  );
  return readVersion(json.model_version, site);
}

/** Where a version's artifacts are (mlflow-artifacts:/…, http(s)://…, s3://…). */
export async function downloadUri(
  ctx: SourceContext,
  base: string,
  site: MlflowSite & { version: string },
  signal?: AbortSignal,
): Promise<string> {
  const json = await callApi(
    ctx,
    site,
    apiUrl(base, "model-versions/get-download-uri", { name: site.name, version: site.version }),
    {},
    signal,
  );
  if (typeof json.artifact_uri !== "string" || json.artifact_uri === "") {
    throw notMlflow(site, "no artifact_uri for the version");
  }
  return json.artifact_uri;
}
