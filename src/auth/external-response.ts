/**
 * Reading the external auth service's answers. A 200 body that does not say who the caller is
 * is a failure of the service (auth_unavailable), never a valid key.
 *
 * Compatible with the seeds' service: `user_id` or the nested `user.id`, scopes kept as named
 * (unknown ones grant nothing), `has_sufficient_balance: false` refused with 402.
 */
import type { Scope } from "./scopes.js";
import type { AuthResult } from "./verifier.js";

function idOf(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : undefined;
}

/** `user_id`, or the nested `user.id` of the seeds' newer answers. */
function userIdOf(b: Record<string, unknown>): string | undefined {
  const flat = idOf(b.user_id);
  if (flat !== undefined) return flat;
  const user = b.user;
  if (typeof user === "object" && user !== null && !Array.isArray(user)) {
    return idOf((user as Record<string, unknown>).id);
  }
  return undefined;
}

/**
 * What a key the service accepted may do here, as in the seeds' service: any accepted key may
 * predict and read models (its scopes there gate registry writes, which modelgate does not
 * have); `admin` only when the service names it. Other scopes grant nothing more.
 */
function grantedScopes(serviceScopes: readonly string[]): Scope[] {
  const granted: Scope[] = ["predict", "models:read"];
  if (serviceScopes.includes("admin")) granted.push("admin");
  return granted;
}

/** The result for a 200 body, or the sentence ending "the auth service at X …" on failure. */
export function parseValidation(body: unknown): AuthResult | string {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return "answered 200 without a JSON object";
  }
  const b = body as Record<string, unknown>;
  // Some services answer 200 {"valid": false} (or is_valid) instead of 401.
  if (b.valid === false || b.is_valid === false) return { valid: false, code: "api_key_invalid" };
  const userId = userIdOf(b);
  const keyId = idOf(b.key_id);
  if (userId === undefined || keyId === undefined) {
    return "answered 200 without user_id (or user.id) and key_id";
  }
  const scopes = stringList(b.scopes ?? []);
  if (scopes === undefined) return "answered 200 with scopes that are not a list of strings";
  const limit = b.rate_limit_per_hour;
  if (limit !== undefined && limit !== null && !(Number.isInteger(limit) && Number(limit) >= 0)) {
    return "answered 200 with a rate_limit_per_hour that is not a whole number ≥ 0";
  }
  // The seeds' service answers has_sufficient_balance and refuses with 402 when it is false.
  if (b.has_sufficient_balance === false) {
    const balance = typeof b.balance === "number" && Number.isFinite(b.balance) ? b.balance : null;
    return {
      valid: false,
      code: "insufficient_balance",
      reason:
        balance === null
          ? "the auth service reports this key's balance is insufficient"
          : `the auth service reports this key's balance (${balance}) is insufficient`,
    };
  }
  return {
    valid: true,
    principal: {
      keyId,
      keyName: typeof b.name === "string" ? b.name : keyId,
      userId,
      scopes: grantedScopes(scopes),
      serviceScopes: [...scopes],
      modelIds: stringList(b.model_ids) ?? null,
    },
    rateLimitPerHour: typeof limit === "number" ? limit : null,
  };
}

/** Retry-After as seconds (≥ 1): delta-seconds or an HTTP date; 60 when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number): number {
  if (header === null || header.trim() === "") return 60;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Math.max(1, Number(trimmed));
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return 60;
  return Math.max(1, Math.ceil((at - now) / 1000));
}
