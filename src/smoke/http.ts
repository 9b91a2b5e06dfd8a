/**
 * One HTTP call against a running modelgate, as a value: what was sent, what came back (status,
 * bounded body, parsed JSON), how long it took — or why nothing came back (timeout, refused,
 * unknown host). Never throws for a network outcome, so a probe that cannot run is a finding,
 * not a crash. Shared by `modelgate smoke`, `models verify --url` and `modelgate doctor`.
 */

export type HttpMethod = "GET" | "POST";

export interface HttpProbeRequest {
  method: HttpMethod;
  /** Absolute http(s) URL. */
  url: string;
  headers?: Readonly<Record<string, string>>;
  /** The raw body (sent as given: a malformed one is sent malformed). */
  body?: string;
  /** The whole call — connect, headers and body — must finish within this. */
  timeoutMs: number;
  /** The body is read up to this many bytes; past it the rest is dropped and `truncated` set. */
  maxBodyBytes?: number;
}

export interface HttpAnswer {
  ok: true;
  status: number;
  headers: Record<string, string>;
  /** The body as text (UTF-8), at most maxBodyBytes of it. */
  text: string;
  /** The parsed body when it is whole JSON; undefined otherwise. */
  json: unknown;
  truncated: boolean;
  ms: number;
}

export interface HttpFailure {
  ok: false;
  /** timeout: no whole answer in time; network: refused, reset, unknown host, TLS. */
  kind: "timeout" | "network";
  /** One sentence: what happened, with the address and the limit. */
  error: string;
  ms: number;
}

export type HttpProbeResult = HttpAnswer | HttpFailure;

export const DEFAULT_MAX_BODY_BYTES = 1_048_576;

function describeNetworkError(err: unknown, url: URL): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (err as { code?: string }).code;
  const where = url.host;
  switch (code) {
    case "ECONNREFUSED":
      return `connection refused by ${where} (nothing listens there)`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `the host ${url.hostname} could not be resolved (${code})`;
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
      return `the connection to ${where} was closed before an answer (${code})`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `${where} is unreachable from here (${code})`;
    default: {
      if (cause?.message === "bad port") {
        return `port ${url.port} is one Node's fetch refuses to call (a blocked port): use another`;
      }
      const why = cause?.message ?? (err instanceof Error ? err.message : String(err));
      return `the call to ${where} failed: ${why}${code ? ` (${code})` : ""}`;
    }
  }
}

async function readBounded(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<{ bytes: Buffer; truncated: boolean }> {
  if (!body) return { bytes: Buffer.alloc(0), truncated: false };
  const reader = body.getReader();
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: Buffer.concat(chunks), truncated: false };
    const room = limit - size;
    if (value.byteLength > room) {
      chunks.push(Buffer.from(value.subarray(0, room)));
      await reader.cancel().catch(() => undefined);
      return { bytes: Buffer.concat(chunks), truncated: true };
    }
    chunks.push(Buffer.from(value));
    size += value.byteLength;
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** Makes the call; a timeout or network failure is returned as an HttpFailure. */
export async function probeHttp(req: HttpProbeRequest): Promise<HttpProbeResult> {
  const url = new URL(req.url);
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  const signal = AbortSignal.timeout(req.timeoutMs);
  const headers: Record<string, string> = { accept: "application/json", ...req.headers };
  if (req.body !== undefined && !Object.keys(headers).some((h) => /^content-type$/i.test(h))) {
    headers["content-type"] = "application/json";
  }
  try {
    const res = await fetch(url, {
      method: req.method,
      headers,
      body: req.body,
      // A redirect is reported as what it is, never followed with the key to somewhere else.
      redirect: "manual",
      signal,
    });
    const { bytes, truncated } = await readBounded(
      res.body,
      req.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    );
    const text = bytes.toString("utf8");
    let json: unknown;
    if (!truncated && text.length > 0) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    const outHeaders: Record<string, string> = {};
    res.headers.forEach((value, name) => (outHeaders[name] = value));
    return {
      ok: true,
      status: res.status,
      headers: outHeaders,
      text,
      json,
      truncated,
      ms: elapsed(),
    };
  } catch (err) {
    if (signal.aborted) {
      return {
        ok: false,
        kind: "timeout",
        error: `no whole answer from ${url.host} within ${formatSeconds(req.timeoutMs)} (the time limit of one call)`,
        ms: elapsed(),
      };
    }
    return { ok: false, kind: "network", error: describeNetworkError(err, url), ms: elapsed() };
  }
}

/** Joins a base URL (which may carry a path prefix, e.g. behind a proxy) and an API path. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}${path}`;
}
