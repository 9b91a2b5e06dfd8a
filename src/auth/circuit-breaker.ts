/**
 * A circuit breaker for a remote dependency (the external auth service, shared by key
 * validation, usage reports and debits: one service, one view of whether it answers): after
 * `threshold` consecutive failures it opens and callers fail at once instead of each waiting
 * out a timeout; after `coolDownMs` one probe is let through (half-open) — its success closes the
 * circuit, its failure opens it for another cool-down.
 */

export type CircuitState = "closed" | "open" | "half_open";

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  threshold?: number;
  /** How long the circuit stays open before one probe is let through. */
  coolDownMs?: number;
  now?: () => number;
}

export interface CircuitHealth {
  state: CircuitState;
  consecutiveFailures: number;
  lastError: string | undefined;
  /** When an open circuit lets the next probe through. */
  retryAt: Date | undefined;
}

export interface CircuitBreaker {
  /** May a call go out now? In half-open, true for exactly one caller until it reports. */
  tryAcquire(): boolean;
  success(): void;
  failure(reason: string): void;
  /**
   * End a call without a verdict on the service's reachability (it answered, but with an error
   * that says nothing about the other endpoints: a usage report's 5xx). A half-open probe is
   * handed to the next caller; a closed circuit is left as it is.
   */
  release(): void;
  health(): CircuitHealth;
}

/**
 * The cool-down is short: a dead service costs one probe (one timeout) per cool-down, while a
 * service whose network came back is used again within cool-down + timeout + cool-down at
 * worst (a probe that left while the network was still down) — 5 s with the 2 s default
 * AUTH_SERVICE_TIMEOUT_MS.
 */
export const CIRCUIT_DEFAULTS = { threshold: 5, coolDownMs: 1_500 };

export function circuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const threshold = options.threshold ?? CIRCUIT_DEFAULTS.threshold;
  const coolDownMs = options.coolDownMs ?? CIRCUIT_DEFAULTS.coolDownMs;
  const now = options.now ?? Date.now;
  let state: CircuitState = "closed";
  let failures = 0;
  let openedAt = 0;
  let probing = false;
  let lastError: string | undefined;

  function open(): void {
    state = "open";
    openedAt = now();
    probing = false;
  }

  return {
    tryAcquire() {
      if (state === "closed") return true;
      if (state === "open") {
        if (now() - openedAt < coolDownMs) return false;
        state = "half_open";
        probing = false;
      }
      if (probing) return false;
      probing = true;
      return true;
    },
    success() {
      state = "closed";
      failures = 0;
      probing = false;
      lastError = undefined;
    },
    release() {
      probing = false;
    },
    failure(reason) {
      failures += 1;
      lastError = reason;
      if (state === "half_open" || (state === "closed" && failures >= threshold)) open();
    },
    health() {
      return {
        state,
        consecutiveFailures: failures,
        lastError,
        retryAt: state === "open" ? new Date(openedAt + coolDownMs) : undefined,
      };
    },
  };
}
