/**
 * The HTTP calls doctor makes to the service, through the probe module it shares with `smoke`
 * and `models verify --url` (src/smoke/http.ts): one call under a time limit, a bounded body, and
 * a sentence naming the address and the limit when nothing comes back — thrown here, so the probe
 * that made the call reports it as "could not finish".
 */
import type { HttpAnswer } from "../smoke/http.js";
import { joinUrl, probeHttp } from "../smoke/http.js";

export type { HttpAnswer } from "../smoke/http.js";

/** The most of a response body doctor reads; the rest is dropped and said so. */
export const MAX_BODY_BYTES = 256 * 1024;

export interface HttpRequest {
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export async function request(url: string, req: HttpRequest): Promise<HttpAnswer> {
  const method = req.method ?? "GET";
  const result = await probeHttp({
    method,
    url,
    headers: req.headers,
    body: req.body,
    timeoutMs: req.timeoutMs,
    maxBodyBytes: MAX_BODY_BYTES,
  });
  if (!result.ok) throw new Error(`${method} ${url} got no answer: ${result.error}`);
  return result;
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
export const endpoint = joinUrl;
