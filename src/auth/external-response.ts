/**
 * Reading the external auth service's answers. A 200 body that does not say who the caller is
 * is a failure of the service (auth_unavailable), never a valid key.
 */
import { isScope } from "./scopes.js";
import type { AuthResult } from "./verifier.js";

function idOf(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : undefined;
}

/** The result for a 200 body, or the sentence ending "the auth service at X …" on failure. */
export function parseValidation(body: unknown): AuthResult | string {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return "answered 200 without a JSON object";
  }
  const b = body as Record<string, unknown>;
  // Some services answer 200 {"valid": false} instead of 401.
  if (b.valid === false) return { valid: false, code: "api_key_invalid" };
  const userId = idOf(b.user_id);
  const keyId = idOf(b.key_id);
  if (userId === undefined || keyId === undefined) {
    return "answered 200 without user_id and key_id";
  }
  const scopes = stringList(b.scopes ?? []);
  if (scopes === undefined) return "answered 200 with scopes that are not a list of strings";
  const limit = b.rate_limit_per_hour;
  if (limit !== undefined && limit !== null && !(Number.isInteger(limit) && Number(limit) >= 0)) {
    return "answered 200 with a rate_limit_per_hour that is not a whole number ≥ 0";
  }
  return {
    valid: true,
    principal: {
      keyId,
      keyName: typeof b.name === "string" ? b.name : keyId,
      userId,
      // Scopes modelgate does not know grant nothing here.
      scopes: scopes.filter(isScope),
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
