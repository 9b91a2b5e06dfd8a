/**
 * The HTTP calls doctor makes to the service: one request, a deadline (the probe's signal), and a
 * bounded body — an investigation tool must not be the thing that hangs or runs out of memory.
 */

/** The most of a response body doctor reads; the rest is dropped and said so. */
export const MAX_BODY_BYTES = 256 * 1024;

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** The body as text, cut at MAX_BODY_BYTES. */
  text: string;
  truncated: boolean;
  /** The body parsed as JSON, undefined when it is not JSON. */
  json: unknown;
  ms: number;
}

export interface HttpRequest {
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  fetch?: typeof fetch;
}

async function readBounded(res: Response): Promise<{ text: string; truncated: boolean }> {
  if (!res.body) return { text: "", truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = MAX_BODY_BYTES - size;
    if (value.length > room) {
      chunks.push(value.subarray(0, room));
      truncated = true;
      await reader.cancel().catch(() => undefined);
      break;
    }
    chunks.push(value);
    size += value.length;
  }
  return { text: Buffer.concat(chunks).toString("utf8"), truncated };
}

export async function request(url: string, req: HttpRequest): Promise<HttpAnswer> {
  const started = performance.now();
  const res = await (req.fetch ?? fetch)(url, {
    method: req.method ?? "GET",
    headers: req.headers,
    body: req.body,
    signal: req.signal,
    redirect: "manual",
  });
  const { text, truncated } = await readBounded(res);
  let json: unknown;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return {
    status: res.status,
    headers: res.headers,
    text,
    truncated,
    json,
    ms: Math.round(performance.now() - started),
  };
}

/** Why a request got no answer, in a clause ("connection refused", "timed out"). */
export function transportReason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === "AbortError" || e.name === "TimeoutError") return "no answer before the timeout";
  const code = e.cause?.code;
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused (nothing listens there)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "the host name does not resolve";
    case "ECONNRESET":
      return "the connection was reset";
    case "ETIMEDOUT":
    case "UND_ERR_CONNECT_TIMEOUT":
      return "the connection timed out";
    default:
      return e.cause?.message ?? e.message ?? String(err);
  }
}

/** A one-line rendering of a body for the report: JSON compacted, text clipped. */
export function shownBody(
  answer: Pick<HttpAnswer, "text" | "json" | "truncated">,
  max = 600,
): string {
  const raw = answer.json === undefined ? answer.text : JSON.stringify(answer.json);
  const clipped = raw.length > max ? `${raw.slice(0, max)}… (${raw.length} characters)` : raw;
  return answer.truncated ? `${clipped} (body cut at ${MAX_BODY_BYTES} bytes)` : clipped;
}

/** Joins the service's base URL and a path, keeping a base path (https://host/prefix). */
export function endpoint(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}${path}`;
}
