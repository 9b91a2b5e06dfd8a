import type { FastifyReply, FastifyRequest } from "fastify";
import { ModelgateError } from "../errors.js";
import type { Principal, Scope } from "./scopes.js";
import { hasScope } from "./scopes.js";
import type { KeyService } from "./service.js";

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Query parameters people try for keys; a key in a URL ends up in access logs and histories. */
const QUERY_KEY_NAMES = ["api_key", "apikey", "key", "token", "access_token", "x-api-key"];

/** The key from `X-API-Key` or `Authorization: Bearer`; undefined when neither is sent. */
export function extractKey(request: FastifyRequest): string | undefined {
  const header = request.headers["x-api-key"];
  if (typeof header === "string" && header.trim()) return header.trim();
  const authorization = request.headers.authorization;
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match?.[1]) return match[1];
  }
  return undefined;
}

function keyInQuery(request: FastifyRequest): boolean {
  const query = request.query;
  if (!query || typeof query !== "object") return false;
  return QUERY_KEY_NAMES.some((name) => name in query);
}

export type AuthHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * Route guard factory: `onRequest: auth.require("predict")`. It runs before the body is read,
 * so an unauthenticated caller never costs a parse.
 */
export function authGuards(keys: Pick<KeyService, "verify">) {
  return {
    require(scope: Scope): AuthHook {
      return async function authenticate(request) {
        if (keyInQuery(request)) {
          throw new ModelgateError(
            "api_key_in_query",
            "API keys are refused in the URL, where they end up in logs: send the key in the X-API-Key header (or Authorization: Bearer <key>) and remove it from the query string.",
          );
        }
        const key = extractKey(request);
        if (!key) {
          throw new ModelgateError(
            "api_key_missing",
            "No API key was sent: put it in the X-API-Key header (or Authorization: Bearer <key>).",
          );
        }
        const result = await keys.verify(key);
        if (!result.valid) throw new ModelgateError(result.code);
        if (!hasScope(result.principal, scope)) {
          throw new ModelgateError(
            "scope_missing",
            `This API key lacks the "${scope}" scope this endpoint needs: use a key created with --scopes ${scope}.`,
          );
        }
        request.principal = result.principal;
      };
    },
  };
}
