/**
 * A check's HTTP call and its account: the request and the answer as a person reads them in a
 * failing check, with the API key replaced by *** and bodies cut at SHOWN_BODY_CHARS.
 */
import type { HttpMethod, HttpProbeRequest, HttpProbeResult } from "./http.js";
import { joinUrl } from "./http.js";
import { maskSecrets, maskUrl } from "./mask.js";
import { isObject } from "./shape.js";

/** Characters of a body shown in a report; the rest is counted, not shown. */
export const SHOWN_BODY_CHARS = 2_000;

export interface CallContext {
  url: string;
  apiKey: string;
  callTimeoutMs: number;
  probe: (req: HttpProbeRequest) => Promise<HttpProbeResult>;
}

export interface Call {
  result: HttpProbeResult;
  sent: string;
  received: string;
}

function cut(text: string): string {
  if (text.length <= SHOWN_BODY_CHARS) return text;
  return `${text.slice(0, SHOWN_BODY_CHARS)}… (${text.length - SHOWN_BODY_CHARS} more characters)`;
}

export async function call(
  ctx: CallContext,
  method: HttpMethod,
  path: string,
  opts: { key?: boolean; body?: string } = {},
): Promise<Call> {
  const url = joinUrl(ctx.url, path);
  const headers: Record<string, string> = opts.key ? { "X-API-Key": ctx.apiKey } : {};
  const result = await ctx.probe({
    method,
    url,
    headers,
    body: opts.body,
    timeoutMs: ctx.callTimeoutMs,
  });
  const mask = (text: string) => maskSecrets(text, [ctx.apiKey]);
  const sent = [
    `${method} ${maskUrl(url)}`,
    opts.key ? "X-API-Key: *** (the key given, masked)" : "(no API key)",
    ...(opts.body !== undefined ? [cut(mask(opts.body))] : []),
  ].join("\n");
  const received = result.ok
    ? `${result.status} ${cut(mask(result.text))}${result.truncated ? " (cut at the read limit)" : ""}`
    : `no answer: ${mask(result.error)}`;
  return { result, sent, received };
}

/**
 * "503 source_credentials_missing: <detail>" for an error envelope (or a model health's
 * last_error); "503" otherwise.
 */
export function statusLine(result: HttpProbeResult, apiKey: string): string {
  if (!result.ok) return `no answer: ${result.error}`;
  const body =
    isObject(result.json) && isObject(result.json.last_error)
      ? result.json.last_error
      : result.json;
  if (isObject(body) && typeof body.code === "string") {
    const detail = typeof body.detail === "string" ? `: ${body.detail}` : "";
    return maskSecrets(`${result.status} ${body.code}${detail}`, [apiKey]);
  }
  return `${result.status}`;
}

export function ms(result: HttpProbeResult): number {
  return Math.round(result.ms);
}
