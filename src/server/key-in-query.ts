/**
 * API keys are refused in the URL, where they end up in access logs, proxies and browser
 * histories. Checked for every route, before authentication, whatever the spelling of the
 * parameter (`api_key`, `API_KEY`, `apiKey`, `api-key`, `x-api-key`, ...).
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { ModelgateError } from "../errors.js";

/** Parameter names people use for keys, folded (lower case, no "-", "_", "." or spaces). */
const KEY_PARAMETERS = new Set([
  "apikey",
  "xapikey",
  "key",
  "token",
  "accesstoken",
  "authtoken",
  "bearer",
  "authorization",
]);

/** `API_KEY`, `apiKey`, `api-key` and `api.key` all fold to `apikey`. */
export function foldParameterName(name: string): string {
  return name.toLowerCase().replace(/[-_.\s[\]]/g, "");
}

export function keyParameterIn(query: unknown): string | undefined {
  if (typeof query !== "object" || query === null) return undefined;
  for (const name of Object.keys(query)) {
    if (KEY_PARAMETERS.has(foldParameterName(name))) return name;
  }
  return undefined;
}

/** onRequest hook: 401 api_key_in_query, the parameter named (never its value). */
export function refuseKeyInQuery(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: (err?: Error) => void,
): void {
  const name = keyParameterIn(request.query);
  if (name === undefined) {
    done();
    return;
  }
  done(
    new ModelgateError(
      "api_key_in_query",
      `API keys are refused in the URL, where they end up in logs: remove the "${name.slice(0, 40)}" parameter from the query string and send the key in the X-API-Key header (or Authorization: Bearer <key>).`,
    ),
  );
}
