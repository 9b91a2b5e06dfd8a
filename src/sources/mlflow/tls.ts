/**
 * MLflow's own TLS variables, so a team's MLflow environment works unchanged:
 * MLFLOW_TRACKING_INSECURE_TLS (do not verify the tracking server's certificate) and
 * MLFLOW_TRACKING_SERVER_CERT_PATH (trust this PEM CA bundle for it). Both apply to
 * MLFLOW_TRACKING_URI's origin only — the REST API and the artifacts it proxies — and never to
 * another host, not even one a tracking-server answer redirects to: the connection is chosen per
 * origin when it is made. Nothing process-wide is changed (NODE_TLS_REJECT_UNAUTHORIZED is never
 * set). As MLflow's client does, both at once is refused.
 *
 * undici (the library behind Node's fetch) is loaded only when one of them is set.
 */
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import type { Agent, buildConnector, fetch as undiciFetch } from "undici";
import { ModelgateError } from "../../errors.js";
import { fetchOf } from "../context.js";
import type { MlflowSettings, SourceContext } from "../types.js";

export const INSECURE_TLS_VARIABLE = "MLFLOW_TRACKING_INSECURE_TLS";
export const CERT_PATH_VARIABLE = "MLFLOW_TRACKING_SERVER_CERT_PATH";

/** A CA bundle larger than this is not a CA bundle (the system's whole store is ~250 KB). */
const MAX_CA_BYTES = 4 * 1024 * 1024;
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Successfully read bundles, by path: read once a process (restart to pick up a new one). */
const bundles = new Map<string, string>();

/** The PEM text of the bundle at `path`, or the problem as a sentence naming the variable. */
export function readCaBundle(path: string): { pem: string } | { problem: string } {
  const cached = bundles.get(path);
  if (cached !== undefined) return { pem: cached };
  const at = `${CERT_PATH_VARIABLE} points to ${path}, which`;
  const fix = `set ${CERT_PATH_VARIABLE} to the PEM file of the CA that signed the MLflow tracking server's certificate`;
  let text: string;
  try {
    const info = statSync(path);
    if (info.isDirectory()) return { problem: `${at} is a folder, not a file: ${fix}.` };
    if (info.size > MAX_CA_BYTES) {
      return {
        problem: `${at} is over ${MAX_CA_BYTES / 1024 / 1024} MiB, not a CA bundle: ${fix}.`,
      };
    }
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
    const what = code === "ENOENT" ? "does not exist" : "cannot be read";
    return { problem: `${at} ${what} (${code}): ${fix} (and readable by the service).` };
  }
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) {
    return {
      problem: `${at} holds no PEM certificate (no -----BEGIN CERTIFICATE----- block): ${fix}.`,
    };
  }
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      const which = blocks.length > 1 ? ` (certificate ${i + 1} of ${blocks.length})` : "";
      return { problem: `${at} holds an invalid PEM certificate${which}: ${fix}.` };
    }
  }
  const pem = blocks.join("\n");
  bundles.set(path, pem);
  return { pem };
}

const BOTH_SET = `${INSECURE_TLS_VARIABLE}=true and ${CERT_PATH_VARIABLE} are both set, which MLflow's own client refuses too: keep only one (${CERT_PATH_VARIABLE} to verify the tracking server with its CA; ${INSECURE_TLS_VARIABLE} skips verification, for a test server only).`;

/** The configuration's problems with these variables (config load lists them with the rest). */
export function mlflowTlsProblems(values: Record<string, unknown>): string[] {
  const path = values.mlflowTrackingServerCertPath;
  if (values.mlflowTrackingInsecureTls === true && typeof path === "string") return [BOTH_SET];
  if (typeof path !== "string") return [];
  const read = readCaBundle(path);
  return "problem" in read ? [read.problem] : [];
}

/** Why the settings' TLS variables cannot be used (config_invalid, never a 500), or null. */
export function tlsSettingsError(
  settings: MlflowSettings | undefined,
  modelId: string,
  source: string,
): ModelgateError | null {
  const path = settings?.serverCertPath;
  const context = ` Model ${modelId} (source ${source}) is read from that tracking server; fix it where the service runs, and restart it.`;
  if (settings?.insecureTls && path) return new ModelgateError("config_invalid", BOTH_SET);
  if (!path) return null;
  const read = readCaBundle(path);
  return "problem" in read
    ? new ModelgateError("config_invalid", `${read.problem}${context}`)
    : null;
}

function originOf(uri: string | undefined): URL | null {
  if (!uri) return null;
  try {
    return new URL(uri);
  } catch {
    return null;
  }
}

/** What start-up logs as a warning: verification is off for the tracking server. */
export function mlflowTlsWarnings(settings: MlflowSettings | undefined): string[] {
  if (!settings?.insecureTls) return [];
  const origin = originOf(settings.trackingUri)?.origin ?? null;
  const scope = origin
    ? origin.startsWith("https:")
      ? `the TLS certificate of the MLflow tracking server at ${origin} is NOT verified (that origin only)`
      : `it has no effect: MLFLOW_TRACKING_URI (${origin}) is not https`
    : "it has no effect: MLFLOW_TRACKING_URI is not set";
  return [
    `${INSECURE_TLS_VARIABLE}=true: ${scope}; anyone on the path could impersonate it. Trust its CA with ${CERT_PATH_VARIABLE} instead.`,
  ];
}

type TlsMode = { kind: "insecure" } | { kind: "ca"; pem: string };

function tlsMode(settings: MlflowSettings | undefined): TlsMode | null {
  if (settings?.insecureTls && !settings.serverCertPath) return { kind: "insecure" };
  if (settings?.serverCertPath && !settings.insecureTls) {
    const read = readCaBundle(settings.serverCertPath);
    // Unreadable: tlsSettingsError has already refused to ask the server.
    return "pem" in read ? { kind: "ca", pem: read.pem } : null;
  }
  return null;
}

const defaultPort = (protocol: string) => (protocol === "https:" ? "443" : "80");

/** Whether a connection is to `origin` (protocol, host and port). */
function sameOrigin(opts: buildConnector.Options, origin: URL): boolean {
  return (
    opts.protocol === origin.protocol &&
    opts.hostname === origin.hostname &&
    (opts.port || defaultPort(opts.protocol)) === (origin.port || defaultPort(origin.protocol))
  );
}

interface ScopedClient {
  fetch: typeof undiciFetch;
  agent: Agent;
}

/** One connection pool per origin and trust, kept for the process (keep-alive connections). */
const clients = new Map<string, Promise<ScopedClient>>();

function scopedClient(origin: URL, mode: TlsMode): Promise<ScopedClient> {
  const trust =
    mode.kind === "ca" ? createHash("sha256").update(mode.pem).digest("hex") : "insecure";
  const key = `${origin.origin}\0${trust}`;
  let client = clients.get(key);
  if (!client) {
    client = import("undici").then(({ Agent, buildConnector, fetch }) => {
      const scoped = buildConnector(
        mode.kind === "insecure" ? { rejectUnauthorized: false } : { ca: mode.pem },
      );
      const normal = buildConnector({});
      // Chosen per connection: a redirect to another host gets the default verification.
      const connect: buildConnector.connector = (opts, callback) =>
        (sameOrigin(opts, origin) ? scoped : normal)(opts, callback);
      return { fetch, agent: new Agent({ connect }) };
    });
    clients.set(key, client);
  }
  return client;
}

const scopedContexts = new WeakMap<SourceContext, SourceContext>();

/**
 * `ctx` with a fetch that sends requests for the tracking server's https origin through a pool
 * trusting what the TLS variables say; every other request goes as before. `ctx` itself when
 * neither variable applies.
 */
export function withTrackingTls(ctx: SourceContext): SourceContext {
  const known = scopedContexts.get(ctx);
  if (known) return known;
  const mode = tlsMode(ctx.mlflow);
  const origin = originOf(ctx.mlflow?.trackingUri);
  if (!mode || origin?.protocol !== "https:") return ctx;
  const tracking = origin;
  const base = fetchOf(ctx);
  const scopedFetch = async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input);
    if (url.origin !== tracking.origin) return base(input, init);
    const client = await scopedClient(tracking, mode);
    const answer = await client.fetch(url, {
      ...(init as Parameters<typeof client.fetch>[1]),
      dispatcher: client.agent,
    });
    // undici's Response has the same interface as the global one.
    return answer as unknown as Response;
  };
  const scoped: SourceContext = { ...ctx, fetch: scopedFetch as typeof fetch };
  scopedContexts.set(ctx, scoped);
  return scoped;
}
