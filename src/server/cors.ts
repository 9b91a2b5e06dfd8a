/**
 * CORS for browser front ends (CORS_ORIGINS), with @fastify/cors. Registered only when origins
 * are configured: unset, no request gets a CORS header and OPTIONS stays a 404, as before.
 */
import cors from "@fastify/cors";
import type { FastifyInstance } from "fastify";
import type { Config } from "../config/index.js";
import type { CorsOrigins } from "../config/cors.js";
import { parseCorsOrigins } from "../config/cors.js";
import { ModelgateError } from "../errors.js";

export interface CorsSettings {
  origins: CorsOrigins;
  credentials: boolean;
  maxAgeS: number;
}

/** What a browser client may send: the key headers and a JSON body (and its own request id). */
export const CORS_ALLOWED_HEADERS = ["X-API-Key", "Authorization", "Content-Type", "X-Request-Id"];

/** Response headers a browser script may read besides the safelisted ones. */
export const CORS_EXPOSED_HEADERS = [
  "X-Request-Id",
  "Retry-After",
  "X-RateLimit-Limit",
  "X-RateLimit-Remaining",
  "X-RateLimit-Reset",
];

/** undefined when CORS_ORIGINS is unset; the config loader has already refused a bad value. */
export function corsSettingsFromConfig(
  config: Pick<Config, "corsOrigins" | "corsAllowCredentials" | "corsMaxAgeS">,
): CorsSettings | undefined {
  if (!config.corsOrigins) return undefined;
  const parsed = parseCorsOrigins(config.corsOrigins);
  if (parsed.problems) throw new ModelgateError("config_invalid", parsed.problems.join(" "));
  return {
    origins: parsed.origins,
    credentials: config.corsAllowCredentials,
    maxAgeS: config.corsMaxAgeS,
  };
}

/**
 * Registered before every other hook, so refusals (a key in the URL, 401, 429, 404) carry the
 * CORS headers too and the browser lets the page read the sentence. Preflights are answered in
 * this hook, before any route's authentication: a preflight never needs a key and never counts
 * as a failed attempt.
 */
export async function registerCors(app: FastifyInstance, settings: CorsSettings): Promise<void> {
  await app.register(cors, {
    // Always a list for named origins: a single string would be sent to every caller as is.
    origin: settings.origins === "*" ? "*" : [...settings.origins],
    credentials: settings.credentials,
    methods: ["GET", "HEAD", "POST"],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: settings.maxAgeS,
    // An OPTIONS without the preflight headers gets an empty 204, not a text/plain 400 outside
    // the error envelope.
    strictPreflight: false,
  });
}
