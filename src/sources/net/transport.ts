/**
 * Requests to remote sources with bounded waits and retries: every attempt has a deadline, and
 * a 5xx, a 429, a timeout or a cut connection is retried with exponential backoff and jitter,
 * honouring Retry-After. What is left after the last attempt is a TransportError, which the
 * source turns into `source_unreachable` with a Retry-After for the client.
 */
import { DEFAULT_RETRY_AFTER_S, fetchOf, retryPolicy } from "../context.js";
import { sleepUnlessAborted, throwIfAborted } from "../limits.js";
import type { RetryPolicy, SourceContext } from "../types.js";

/** The source could not be reached or kept failing; `retryAfterS` is what clients are told. */
export class TransportError extends Error {
  constructor(
    /** What happened, for a sentence: "timed out after 200 ms", "HTTP 503". */
    readonly reason: string,
    readonly retryAfterS: number,
    readonly attempts: number,
  ) {
    super(reason);
    this.name = "TransportError";
  }
}

/** A source answered with bytes that do not match what it said they are. */
export class IntegrityError extends Error {
  constructor(
    message: string,
    /** "size": the transfer was short or long; "hash": the bytes differ from what was promised. */
    readonly kind: "size" | "hash",
  ) {
    super(message);
    this.name = "IntegrityError";
  }
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501);
}

/** Retry-After in milliseconds (seconds or an HTTP date), or null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === "") return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Exponential backoff with "equal jitter": half the step fixed, half random. */
export function backoffMs(attempt: number, policy: RetryPolicy): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return step / 2 + Math.random() * (step / 2);
}

/** A short reason for a failed fetch: a timeout, or the socket error's code. */
export function describeFailure(err: unknown, timeoutMs: number): string {
  if (err instanceof DOMException && (err.name === "TimeoutError" || err.name === "AbortError")) {
    return `timed out after ${timeoutMs} ms`;
  }
  if (err instanceof TransportError) return err.reason;
  const cause = err instanceof Error ? (err.cause as NodeJS.ErrnoException | undefined) : undefined;
  const code = cause?.code;
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host not found";
  if (code === "UND_ERR_SOCKET" || code === "ECONNRESET") return "connection closed by the server";
  if (code) return code;
  return err instanceof Error ? (cause?.message ?? err.message) : String(err);
}

export function retryAfterSeconds(ms: number | null): number {
  return ms === null ? DEFAULT_RETRY_AFTER_S : Math.max(1, Math.ceil(ms / 1000));
}

/**
 * A `fetch` with a deadline per attempt (covering the body too: meant for small API answers)
 * and retries. Used as the `fetch` of @huggingface/hub calls and for probes. The last answer's
 * `X-Error-Code` is kept on `lastErrorCode` (the Hub's way of telling a missing revision from a
 * missing repository, which @huggingface/hub's error does not carry).
 */
export function resilientFetch(
  ctx: SourceContext,
  /** The caller giving up (FetchOptions.signal): ends the call at once, never retried. */
  callerSignal?: AbortSignal,
): typeof fetch & { lastErrorCode: string | null } {
  const policy = retryPolicy(ctx);
  const base = fetchOf(ctx);
  const wrapped = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const callers = [init?.signal, callerSignal].filter((s): s is AbortSignal => Boolean(s));
    const caller = callers.length > 1 ? AbortSignal.any(callers) : callers[0];
    let lastReason = "no attempt was made";
    let lastRetryAfter: number | null = null;
    let made = 0;
    for (let attempt = 1; attempt <= policy.attempts; attempt++) {
      throwIfAborted(caller);
      made = attempt;
      const deadline = AbortSignal.timeout(ctx.timeoutMs);
      const signal = caller ? AbortSignal.any([caller, deadline]) : deadline;
      let response: Response;
      try {
        response = await base(input, { ...init, signal });
      } catch (err) {
        // The caller's own abort is not the source failing: no retry, no "timed out".
        throwIfAborted(caller);
        lastReason = describeFailure(err, ctx.timeoutMs);
        if (attempt < policy.attempts) {
          await sleepUnlessAborted(policy.sleep, backoffMs(attempt, policy), caller);
        }
        continue;
      }
      wrapped.lastErrorCode = response.headers.get("x-error-code");
      if (!isRetryableStatus(response.status)) return response;
      await response.body?.cancel().catch(() => undefined);
      lastReason = `HTTP ${response.status}`;
      lastRetryAfter = parseRetryAfter(response.headers.get("retry-after"));
      if (attempt === policy.attempts) break;
      // A server asking for a longer pause than we may wait: stop now and pass its figure on.
      if (lastRetryAfter !== null && lastRetryAfter > policy.maxDelayMs) break;
      await sleepUnlessAborted(policy.sleep, lastRetryAfter ?? backoffMs(attempt, policy), caller);
    }
    throw new TransportError(lastReason, retryAfterSeconds(lastRetryAfter), made);
  };
  wrapped.lastErrorCode = null as string | null;
  return wrapped;
}
