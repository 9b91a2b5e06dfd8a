/**
 * API keys validated by an external auth service (AUTH_SERVICE_URL, the seeds' architecture):
 * `POST {url}/api/v1/keys/validate`, the key as Bearer, body `{"service_id": AUTH_SERVICE_ID}`.
 *
 * 200 → valid (user_id, key_id, scopes, rate_limit_per_hour) · 401/403 → invalid · 429 →
 * rate_limited with its Retry-After. Anything else — down, slow past the timeout, 5xx, a body
 * we cannot read — is auth_unavailable (503): never a 500, never "allow". Answers are cached
 * (valid and invalid for different TTLs, bounded, keyed by the key's sha-256 so the key itself
 * is never held), concurrent checks of one key share one call, and a circuit breaker stops
 * calling a service that keeps failing until a probe succeeds.
 */
import { performance } from "node:perf_hooks";
import type { AuthServiceObserver } from "../metrics/types.js";
import type { CircuitBreaker } from "./circuit-breaker.js";
import { keepAliveTransport } from "./external-transport.js";
import type { AuthTransport, TransportAnswer } from "./external-transport.js";
import { circuitBreaker } from "./circuit-breaker.js";
import { parseRetryAfter, parseValidation } from "./external-response.js";
import { hashKey } from "./keys.js";
import type { AuthResult, KeyVerifier } from "./verifier.js";

export interface ExternalAuthOptions {
  /** AUTH_SERVICE_URL (alias HOKUSAI_AUTH_SERVICE_URL). */
  url: string;
  /** AUTH_SERVICE_ID. */
  serviceId: string;
  timeoutMs?: number;
  validTtlMs?: number;
  invalidTtlMs?: number;
  maxEntries?: number;
  breaker?: CircuitBreaker;
  transport?: AuthTransport;
  now?: () => number;
  /** Latency, outcome and errors of each call (GET /metrics). */
  metrics?: AuthServiceObserver;
}

export interface ExternalAuth extends KeyVerifier {
  health: CircuitBreaker["health"];
  /** The /ready entry: failing while the circuit is open (no new key can be checked). */
  readiness(): { name: string; ok: boolean; reason: string };
  /** Forget cached answers (e.g. a "keys" invalidation on the bus). */
  invalidate(): void;
  /** Close the kept-alive connections. */
  close(): void;
}

export const EXTERNAL_AUTH_DEFAULTS = {
  timeoutMs: 2_000,
  validTtlMs: 30_000,
  invalidTtlMs: 5_000,
  maxEntries: 10_000,
};

interface Cached {
  result: AuthResult;
  expiresAt: number;
}

export function externalAuth(options: ExternalAuthOptions): ExternalAuth {
  const d = EXTERNAL_AUTH_DEFAULTS;
  const endpoint = new URL(`${options.url.replace(/\/+$/, "")}/api/v1/keys/validate`);
  const origin = endpoint.origin;
  const transport = options.transport ?? keepAliveTransport();
  const timeoutMs = options.timeoutMs ?? d.timeoutMs;
  const maxEntries = options.maxEntries ?? d.maxEntries;
  const now = options.now ?? Date.now;
  const breaker = options.breaker ?? circuitBreaker({ now });
  const cache = new Map<string, Cached>();
  const inflight = new Map<string, Promise<AuthResult>>();
  const metrics = options.metrics;

  function remember(hash: string, result: AuthResult): void {
    const ttl = result.valid
      ? (options.validTtlMs ?? d.validTtlMs)
      : (options.invalidTtlMs ?? d.invalidTtlMs);
    if (ttl <= 0) return;
    cache.delete(hash);
    if (cache.size >= maxEntries) {
      // Map keeps insertion order: the first entry is the oldest.
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(hash, { result, expiresAt: now() + ttl });
  }

  function unavailable(reason: string): AuthResult {
    const retryAt = breaker.health().retryAt;
    const retryAfterS = retryAt ? Math.max(1, Math.ceil((retryAt.getTime() - now()) / 1000)) : 5;
    return { valid: false, code: "auth_unavailable", reason, retryAfterS };
  }

  async function call(key: string, hash: string): Promise<AuthResult> {
    if (!breaker.tryAcquire()) {
      metrics?.shortCircuited();
      const last = breaker.health().lastError ?? "failing";
      return unavailable(`the auth service at ${origin} is failing (${last}); calls are paused`);
    }
    let response: TransportAnswer;
    const started = metrics ? performance.now() : 0;
    const took = () => (performance.now() - started) / 1000;
    try {
      response = await transport.post(
        endpoint,
        { authorization: `Bearer ${key}`, "content-type": "application/json" },
        JSON.stringify({ service_id: options.serviceId }),
        timeoutMs,
      );
    } catch (err) {
      const timedOut = err instanceof Error && err.name === "TimeoutError";
      const why = timedOut ? `no answer within ${timeoutMs} ms` : networkReason(err);
      metrics?.call("error", took(), timedOut ? "timeout" : "network");
      breaker.failure(why);
      return unavailable(`the auth service at ${origin} cannot be reached (${why})`);
    }
    const { status, text } = response;
    if (status === 401 || status === 403) {
      metrics?.call("invalid", took());
      breaker.success();
      const result: AuthResult = { valid: false, code: "api_key_invalid" };
      remember(hash, result);
      return result;
    }
    if (status === 429) {
      metrics?.call("rate_limited", took());
      breaker.success();
      return {
        valid: false,
        code: "rate_limited",
        retryAfterS: parseRetryAfter(response.retryAfter, now()),
      };
    }
    const parsed = status === 200 ? parseValidation(parseJson(text)) : `answered HTTP ${status}`;
    if (typeof parsed === "string") {
      metrics?.call("error", took(), status === 200 ? "bad_answer" : "http_status");
      breaker.failure(parsed);
      return unavailable(`the auth service at ${origin} ${parsed}`);
    }
    metrics?.call(parsed.valid ? "valid" : "invalid", took());
    breaker.success();
    // Valid answers carry the key's hash on (cache hits included) for the failure limiter.
    const result = parsed.valid ? { ...parsed, keyHash: hash } : parsed;
    remember(hash, result);
    return result;
  }

  return {
    verify(key, digest) {
      const hash = digest?.hex ?? hashKey(key);
      const cached = cache.get(hash);
      if (cached && cached.expiresAt > now()) return Promise.resolve(cached.result);
      const pending = inflight.get(hash);
      if (pending) return pending;
      const running = call(key, hash).finally(() => inflight.delete(hash));
      inflight.set(hash, running);
      return running;
    },
    health: () => breaker.health(),
    readiness() {
      const h = breaker.health();
      if (h.state !== "open") {
        return {
          name: "auth_service",
          ok: true,
          reason:
            h.state === "closed"
              ? `answering at ${origin}`
              : `probing ${origin} after ${h.consecutiveFailures} failures`,
        };
      }
      return {
        name: "auth_service",
        ok: false,
        reason: `the auth service at ${origin} is failing (${h.lastError ?? "unknown"}); calls resume with a probe at ${h.retryAt?.toISOString() ?? "soon"}`,
      };
    },
    invalidate: () => cache.clear(),
    close: () => transport.close(),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function networkReason(err: unknown): string {
  if (err instanceof Error && "code" in err && typeof err.code === "string") return err.code;
  return err instanceof Error ? err.message : String(err);
}
