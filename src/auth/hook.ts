import type { FastifyReply, FastifyRequest } from "fastify";
import { ModelgateError } from "../errors.js";
import type { RateLimitObserver } from "../metrics/types.js";
import type { FailureLimiter } from "./failures.js";
import { connectionKeyDigest } from "./keys.js";
import type { KeyDigest } from "./keys.js";
import { failureLimiter } from "./failures.js";
import type { RateLimiter } from "./ratelimit/index.js";
import { effectiveLimit, rateLimitedError, rateLimitHeaders } from "./ratelimit/index.js";
import type { Principal, Scope } from "./scopes.js";
import { hasScope, mayUseModel } from "./scopes.js";
import type { AuthResult, KeyVerifier } from "./verifier.js";
import { authFailureError } from "./verifier.js";

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Query parameters people try for keys; a key in a URL ends up in access logs and histories. */
const QUERY_KEY_NAMES = ["api_key", "apikey", "key", "token", "access_token", "x-api-key"];

/**
 * The key from `X-API-Key`, `Authorization: Bearer <key>` or `Authorization: ApiKey <key>` (the
 * seeds' clients send the last form); undefined when none is sent.
 */
export function extractKey(request: FastifyRequest): string | undefined {
  const header = request.headers["x-api-key"];
  if (typeof header === "string" && header.trim()) return header.trim();
  const authorization = request.headers.authorization;
  if (authorization) {
    const match = /^(?:Bearer|ApiKey)\s+(\S+)\s*$/i.exec(authorization);
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

export interface AuthGuardDeps {
  /** The local key store (localVerifier) or the external auth service (externalAuth). */
  verifier: KeyVerifier;
  rateLimiter: Pick<RateLimiter, "consume">;
  /** RATE_LIMIT_DEFAULT_PER_HOUR: the limit of keys that have none of their own. */
  defaultLimitPerHour: number;
  /** AUTH_FAILED_ATTEMPTS_PER_MINUTE per client address (default 60; 0 turns it off). */
  failedAttemptsPerMinute?: number;
  /** Counts the 429s this guard answers (GET /metrics). */
  metrics?: RateLimitObserver;
}

const KEY_FAILURES = new Set(["api_key_invalid", "api_key_revoked", "api_key_expired"]);

function failuresLimited(waitS: number, perMinute: number): ModelgateError {
  return new ModelgateError(
    "auth_failures_limited",
    `Too many requests with an invalid API key came from this address (more than ${perMinute} a minute): retry after ${waitS} s, with a valid key.`,
    { headers: { "Retry-After": String(waitS) } },
  );
}

/**
 * Verification that did not come back as a value failed in the key store (the external auth
 * service answers every failure as a value). Already-typed errors (store_unavailable from the
 * PostgreSQL driver) pass through; anything else is still the store, never a 500: a caller can
 * do nothing about it but retry.
 */
async function verifyOrUnavailable(
  verifier: KeyVerifier,
  key: string,
  digest: KeyDigest | undefined,
  request: FastifyRequest,
): Promise<AuthResult> {
  try {
    return await verifier.verify(key, digest);
  } catch (err) {
    if (err instanceof ModelgateError) throw err;
    request.log.warn({ err }, "API key verification failed in the key store");
    throw new ModelgateError(
      "store_unavailable",
      "The API key cannot be checked now: the key store did not answer. Retry shortly; keys are never allowed unchecked.",
      { cause: err },
    );
  }
}

/**
 * Route guard factory: `onRequest: auth.require("predict")`. It runs before the body is read,
 * so an unauthenticated caller never costs a parse. Order: key → the address's failure budget →
 * verification → scope → rate limit, so a refused key or scope never spends the key's quota,
 * and every authenticated answer (including a 429 and the route's own errors) carries
 * X-RateLimit-*. One failure table per guard factory (one per app): per replica.
 */
export function authGuards(deps: AuthGuardDeps) {
  const perMinute = deps.failedAttemptsPerMinute ?? 60;
  const failures: FailureLimiter | null = perMinute > 0 ? failureLimiter({ perMinute }) : null;
  return {
    require(scope: Scope): AuthHook {
      return async function authenticate(request, reply) {
        if (keyInQuery(request)) {
          throw new ModelgateError(
            "api_key_in_query",
            "API keys are refused in the URL, where they end up in access logs and browser histories: send the key in the X-API-Key header (or Authorization: Bearer <key>) and remove it from the query string.",
          );
        }
        const key = extractKey(request);
        if (!key) {
          throw new ModelgateError(
            "api_key_missing",
            "No API key was sent: put it in the X-API-Key header (or Authorization: Bearer <key>).",
          );
        }
        const digest = connectionKeyDigest(request.raw.socket, key);
        // An address over its failure budget is answered without any verification.
        const wait = failures?.blockedFor(request.ip) ?? 0;
        if (failures && wait > 0 && !failures.recentlyValid(key, digest?.hex)) {
          deps.metrics?.refused("auth_failures");
          throw failuresLimited(wait, failures.perMinute);
        }
        const result = await verifyOrUnavailable(deps.verifier, key, digest, request);
        if (!result.valid) {
          const over = failures && KEY_FAILURES.has(result.code) ? failures.fail(request.ip) : 0;
          if (failures && over > 0) {
            deps.metrics?.refused("auth_failures");
            throw failuresLimited(over, failures.perMinute);
          }
          if (result.code === "rate_limited") deps.metrics?.refused("auth_service");
          throw authFailureError(result);
        }
        failures?.succeeded(key, result.keyHash ?? digest?.hex);
        if (!hasScope(result.principal, scope)) {
          throw new ModelgateError(
            "scope_missing",
            `This API key lacks the "${scope}" scope this endpoint needs: use a key created with --scopes ${scope}.`,
          );
        }
        // Set before the limit is checked: a 429 is still this key's request (usage records).
        request.principal = result.principal;
        const limit = effectiveLimit(result.rateLimitPerHour, deps.defaultLimitPerHour);
        const decision = await deps.rateLimiter.consume(result.principal.keyId, limit);
        if (!decision.allowed) {
          deps.metrics?.refused("key_quota");
          throw rateLimitedError(decision);
        }
        if (limit !== 0) void reply.headers(rateLimitHeaders(decision));
      };
    },
  };
}

/** A key limited to other models is refused this one (403), on every route that serves it. */
export function allowModel(request: FastifyRequest, id: string): void {
  if (request.principal && !mayUseModel(request.principal, id)) {
    throw new ModelgateError(
      "model_forbidden",
      `This API key may not use model ${id}: create a key with --models ${id}.`,
    );
  }
}
