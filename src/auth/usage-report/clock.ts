/**
 * Time as the usage reporter sees it: the real one in the service, a hand-driven one in unit
 * tests, so backoff, Retry-After and the circuit's cool-down are tested without waiting.
 */
export interface ReportClock {
  now(): number;
  /**
   * Calls `fn` once after `ms`. The real clock holds the process open for it only when `hold`
   * (shutdown's deadline: a process waiting on nothing else would otherwise exit mid-flush).
   */
  setTimeout(fn: () => void, ms: number, hold?: boolean): { cancel(): void };
  /** Runs `fn` after the current work (the real clock: setImmediate). */
  defer(fn: () => void): void;
  /** In [0, 1): the jitter of the backoff. */
  random(): number;
}

export const realClock: ReportClock = {
  now: Date.now,
  setTimeout(fn, ms, hold) {
    const timer = setTimeout(fn, Math.max(0, ms));
    if (!hold) timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
  defer: (fn) => void setImmediate(fn),
  random: Math.random,
};

/**
 * Exponential backoff with jitter: the n-th failure in a row (n ≥ 1) waits between half and
 * all of min(maxMs, initialMs × 2^(n-1)), so replicas that failed together do not retry together.
 */
export function backoffMs(
  failures: number,
  limits: { initialMs: number; maxMs: number },
  random: () => number,
): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const base = Math.min(limits.maxMs, limits.initialMs * 2 ** exponent);
  return Math.round(base / 2 + random() * (base / 2));
}
