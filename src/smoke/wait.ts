/**
 * Waiting for a rolling deploy: poll /ready with backoff until it answers 200, the time runs
 * out, or the answer has settled — the same failing checks, none of them in progress, in
 * SETTLE_ANSWERS answers over at least SETTLE_MS. A deploy in progress changes its answer
 * (replicas start, models load); a missing setting does not, and waiting out the whole timeout
 * would only delay the report that names it.
 */
import type { HttpProbeRequest, HttpProbeResult } from "./http.js";
import { joinUrl } from "./http.js";
import { isObject } from "./shape.js";
import type { ReadyWait } from "./types.js";

export const BACKOFF = { firstMs: 500, maxMs: 5_000, factor: 2 } as const;
export const SETTLE_ANSWERS = 3;
export const SETTLE_MS = 5_000;

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface WaitOptions {
  url: string;
  timeoutMs: number;
  callTimeoutMs: number;
  probe: (req: HttpProbeRequest) => Promise<HttpProbeResult>;
  clock: Clock;
  /** Told what is awaited after each answer (one line). */
  onProgress?: (line: string) => void;
}

interface Failing {
  /** Stable text of the failing checks ("" when the answer had none to read). */
  key: string;
  /** Something is under way (a model loading, a replica draining, no modelgate answer yet). */
  moving: boolean;
  describe: string;
}

/** What a not-ready answer says is failing. */
export function failingChecks(answer: HttpProbeResult): Failing {
  if (!answer.ok) return { key: "", moving: true, describe: answer.error };
  const body = answer.json;
  const checks = isObject(body) && Array.isArray(body.checks) ? body.checks.filter(isObject) : null;
  if (!checks) {
    // A proxy's 502/503 while replicas start, or not modelgate at all: keep waiting.
    return { key: "", moving: true, describe: `HTTP ${answer.status} without readiness checks` };
  }
  const failed = checks.filter((c) => c.ok === false && c.required !== false);
  const parts = failed.map((c) => `${String(c.name)}: ${String(c.reason)}`);
  const moving = failed.some(
    (c) =>
      /\bis loading\b|\bshutting down\b|\bstarting\b/i.test(String(c.reason)) ||
      c.name === "shutdown",
  );
  return {
    key: parts.join("\n"),
    moving: moving || failed.length === 0,
    describe: parts.length > 0 ? parts.join("; ") : `HTTP ${answer.status}`,
  };
}

function seconds(ms: number): string {
  return `${Math.max(0, Math.round(ms / 100) / 10)}s`;
}

/** Polls /ready; returns how the wait ended and the last answer (null if none was made). */
export async function waitForReady(
  opts: WaitOptions,
): Promise<{ wait: ReadyWait; last: HttpProbeResult | null }> {
  const url = joinUrl(opts.url, "/ready");
  const start = opts.clock.now();
  const deadline = start + opts.timeoutMs;
  let delay: number = BACKOFF.firstMs;
  let attempts = 0;
  let last: HttpProbeResult | null = null;
  let same: { key: string; since: number; count: number } | null = null;
  const done = (stopped: ReadyWait["stopped"]) => ({
    wait: {
      ready: stopped === "ready",
      stopped,
      waitedMs: opts.clock.now() - start,
      attempts,
    },
    last,
  });

  for (;;) {
    const left = deadline - opts.clock.now();
    attempts += 1;
    last = await opts.probe({
      method: "GET",
      url,
      timeoutMs: Math.max(1_000, Math.min(opts.callTimeoutMs, left)),
    });
    if (last.ok && last.status === 200) return done("ready");
    const now = opts.clock.now();
    const failing = failingChecks(last);
    if (!failing.moving && same?.key === failing.key) same.count += 1;
    else same = failing.moving ? null : { key: failing.key, since: now, count: 1 };
    if (same && same.count >= SETTLE_ANSWERS && now - same.since >= SETTLE_MS) {
      opts.onProgress?.(
        `${url} is not ready and its answer has not changed in ${same.count} tries over ${seconds(now - same.since)}: not waiting further (${failing.describe})`,
      );
      return done("settled");
    }
    const remaining = deadline - now;
    if (remaining <= 0) return done("timeout");
    const pause = Math.min(delay, remaining);
    opts.onProgress?.(
      `waiting for ${url} (${seconds(remaining)} left, next try in ${seconds(pause)}): ${failing.describe}`,
    );
    await opts.clock.sleep(pause);
    delay = Math.min(delay * BACKOFF.factor, BACKOFF.maxMs);
  }
}
