/**
 * What the auth hook asks, whoever answers: the local key store (keyServiceFactory) or the
 * external auth service (./external.ts). Expected failures are values; the hook turns a
 * failure into its error with `authFailureError` — 401, 429 or 503, never 500, never "allow".
 */
import type { ErrorCode } from "../errors.js";
import { ModelgateError } from "../errors.js";
import type { KeyDigest } from "./keys.js";
import type { Principal } from "./scopes.js";
import type { KeyService } from "./service.js";

export type AuthResult =
  | {
      valid: true;
      principal: Principal;
      /** The key's own limit (0 = unlimited); null: RATE_LIMIT_DEFAULT_PER_HOUR applies. */
      rateLimitPerHour: number | null;
      /**
       * The key's SHA-256 (hashKey), when the verifier computed it: the failure limiter
       * remembers valid keys by it without hashing the key a second time.
       */
      keyHash?: string;
    }
  | { valid: false; code: Extract<ErrorCode, `api_key_${string}`> }
  | { valid: false; code: "rate_limited"; retryAfterS: number }
  | { valid: false; code: "auth_unavailable"; reason: string; retryAfterS: number }
  /** The external auth service said the key's balance is used up (has_sufficient_balance). */
  | { valid: false; code: "insufficient_balance"; reason: string };

export type AuthFailure = Extract<AuthResult, { valid: false }>;

export interface KeyVerifier {
  /** `digest`: the key's SHA-256 when the caller has it (connectionKeyDigest), else computed. */
  verify(key: string, digest?: KeyDigest): Promise<AuthResult>;
}

/** The local key store as a KeyVerifier. Store failures still throw store_unavailable (503). */
export function localVerifier(keys: Pick<KeyService, "verify">): KeyVerifier {
  return {
    async verify(key, digest) {
      const result = await keys.verify(key, digest);
      if (!result.valid) return result;
      return {
        valid: true,
        principal: result.principal,
        rateLimitPerHour: result.record.rateLimitPerHour,
        keyHash: result.keyHash,
      };
    },
  };
}

/** The error a failed verification answers with. */
export function authFailureError(failure: AuthFailure): ModelgateError {
  switch (failure.code) {
    case "rate_limited":
      return new ModelgateError(
        "rate_limited",
        `The auth service reports this API key's rate limit is used up: retry after ${failure.retryAfterS} s.`,
        { headers: { "Retry-After": String(failure.retryAfterS) } },
      );
    case "auth_unavailable":
      return new ModelgateError(
        "auth_unavailable",
        `The API key cannot be checked now: ${failure.reason}. Retry shortly; keys are never allowed unchecked.`,
        { headers: { "Retry-After": String(failure.retryAfterS) } },
      );
    case "insufficient_balance":
      return insufficientBalanceError(failure.reason);
    default:
      return new ModelgateError(failure.code);
  }
}

/** 402: the auth service will not pay for this request (validation or debit said so). */
export function insufficientBalanceError(reason: string): ModelgateError {
  return new ModelgateError(
    "insufficient_balance",
    `This request was not served: ${reason}. Top up the balance of the account this API key belongs to, then retry.`,
  );
}
