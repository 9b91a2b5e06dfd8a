/** What every probe may use: the service's address and key, its bounds, and the masker. */
import type { Masker } from "../mask.js";

export interface ServiceTarget {
  /** The service's base URL (no trailing slash); undefined without --url. */
  url?: string;
  apiKey?: string;
  /** Where /metrics is served when not on the API's port (--metrics-url). */
  metricsUrl?: string;
  metricsToken?: string;
}

export interface ProbeContext {
  service: ServiceTarget;
  timeoutMs: number;
  masker: Masker;
}

export function authHeaders(service: ServiceTarget): Record<string, string> {
  return service.apiKey ? { "X-API-Key": service.apiKey } : {};
}

/** A curl command a person could paste to see the same answer (the key shown masked). */
export function curl(
  method: "GET" | "POST",
  url: string,
  opts: { key?: boolean; body?: unknown; bearer?: boolean } = {},
): string {
  const parts = [`curl -sS`];
  if (method === "POST") parts.push("-X POST");
  parts.push(url);
  if (opts.key) parts.push('-H "X-API-Key: $MODELGATE_API_KEY"');
  if (opts.bearer) parts.push('-H "Authorization: Bearer $METRICS_TOKEN"');
  if (opts.body !== undefined) {
    parts.push('-H "Content-Type: application/json"');
    parts.push(`--data '${JSON.stringify(opts.body).replace(/'/g, "'\\''")}'`);
  }
  return parts.join(" \\\n  ");
}
