/**
 * Debit mode (USAGE_DEBIT=true), as the seeds' newer service does it: before a prediction runs,
 * `POST {AUTH_SERVICE_URL}/api/v1/usage/{key_id}/debit`; a 402 means the balance is used up and
 * the prediction is refused with the service's reason. Unlike the seeds (which served the
 * request when the debit failed), a debit that cannot be made is a 503: no free prediction
 * unless the operator chose USAGE_DEBIT_FAIL_OPEN. The call is on the request path, so it is
 * not retried: one attempt bounded by AUTH_SERVICE_TIMEOUT_MS, behind the shared circuit breaker.
 */
import { clip } from "../../errors.js";
import type { CircuitBreaker } from "../circuit-breaker.js";
import { parseRetryAfter } from "../external-response.js";
import type { AuthTransport, TransportAnswer } from "../external-transport.js";
import { networkReason } from "./log.js";

export interface DebitRequest {
  keyId: string;
  /** The model predicted; null on a route without one. */
  modelId: string | null;
  endpoint: string;
  /** Inputs in the request (a batch is several predictions). */
  predictionsCount: number;
  /** The request id: a debit retried by the service's client is not charged twice. */
  idempotencyKey: string;
}

export type DebitOutcome =
  | { ok: true }
  | { ok: false; code: "insufficient_balance"; reason: string }
  | { ok: false; code: "rate_limited"; retryAfterS: number }
  | { ok: false; code: "auth_unavailable"; reason: string; retryAfterS: number };

export interface UsageDebitOptions {
  url: string;
  serviceId: string;
  transport: AuthTransport;
  breaker: CircuitBreaker;
  timeoutMs: number;
  now?: () => number;
}

export interface DebitStats {
  accepted: number;
  refused: number;
  unavailable: number;
}

export interface UsageDebit {
  debit(request: DebitRequest): Promise<DebitOutcome>;
  stats(): DebitStats;
}

/** The longest reason taken from the service's answer. */
const MAX_REASON_CHARS = 300;

function text(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  // One line of printable text: the reason goes into a JSON answer and a log line.
  const cleaned = value.replace(/[\p{Cc}\p{Cf}]+/gu, " ").trim();
  return cleaned === "" ? undefined : clip(cleaned, MAX_REASON_CHARS);
}

/**
 * The seeds' 402 body: `{"detail": {"message" | "reason", "error"}}`, or `{"detail": "..."}`,
 * or the fields at the top level.
 */
export function refusalReason(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const top =
    typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
  const detail = top.detail;
  const inner =
    typeof detail === "object" && detail !== null && !Array.isArray(detail)
      ? (detail as Record<string, unknown>)
      : top;
  const reason = text(inner.message) ?? text(inner.reason) ?? text(detail);
  const code = text(inner.error) ?? text(inner.reason_code);
  if (reason && code && code !== reason)
    return `the auth service refused the debit: ${reason} (${code})`;
  if (reason ?? code) return `the auth service refused the debit: ${reason ?? code}`;
  return "the auth service refused the debit (HTTP 402) without saying why";
}

export function usageDebit(options: UsageDebitOptions): UsageDebit {
  const base = options.url.replace(/\/+$/, "");
  const origin = new URL(base).origin;
  const now = options.now ?? Date.now;
  const { breaker, transport } = options;
  const counts: DebitStats = { accepted: 0, refused: 0, unavailable: 0 };

  function unavailable(reason: string): DebitOutcome {
    counts.unavailable += 1;
    const retryAt = breaker.health().retryAt;
    const retryAfterS = retryAt ? Math.max(1, Math.ceil((retryAt.getTime() - now()) / 1000)) : 5;
    return { ok: false, code: "auth_unavailable", reason, retryAfterS };
  }

  function onAnswer(answer: TransportAnswer, url: string): DebitOutcome {
    const { status } = answer;
    if (status >= 200 && status < 300) {
      breaker.success();
      counts.accepted += 1;
      return { ok: true };
    }
    if (status === 402) {
      breaker.success();
      counts.refused += 1;
      return { ok: false, code: "insufficient_balance", reason: refusalReason(answer.text) };
    }
    if (status === 429) {
      breaker.success();
      return {
        ok: false,
        code: "rate_limited",
        retryAfterS: parseRetryAfter(answer.retryAfter, now()),
      };
    }
    if (status >= 500 || status === 408) {
      breaker.release();
      return unavailable(`the auth service at ${origin} answered the debit with HTTP ${status}`);
    }
    breaker.success();
    return unavailable(
      `the auth service answered HTTP ${status} to POST ${url} (USAGE_DEBIT=true): check that it supports debits, or set USAGE_DEBIT=false`,
    );
  }

  return {
    async debit(request) {
      if (!breaker.tryAcquire()) {
        const last = breaker.health().lastError ?? "failing";
        return unavailable(
          `the auth service at ${origin} is failing (${last}); calls are paused, so the debit cannot be made`,
        );
      }
      const path = `${base}/api/v1/usage/${encodeURIComponent(request.keyId)}/debit`;
      const body = JSON.stringify({
        model_id: request.modelId,
        endpoint: request.endpoint,
        // Before the handler: the seeds send 0 for what is not known yet.
        response_time_ms: 0,
        status_code: 0,
        service_id: options.serviceId,
        idempotency_key: request.idempotencyKey,
        compute_ms: 0,
        predictions_count: request.predictionsCount,
      });
      let answer: TransportAnswer;
      try {
        answer = await transport.post(
          new URL(path),
          { "content-type": "application/json" },
          body,
          options.timeoutMs,
        );
      } catch (err) {
        const timedOut = err instanceof Error && err.name === "TimeoutError";
        const why = timedOut ? `no answer within ${options.timeoutMs} ms` : networkReason(err);
        breaker.failure(why);
        return unavailable(
          `the auth service at ${origin} cannot be reached for the debit (${why})`,
        );
      }
      return onAnswer(answer, `${base}/api/v1/usage/{key_id}/debit`);
    },
    stats: () => ({ ...counts }),
  };
}
