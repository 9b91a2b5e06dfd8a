/**
 * Graceful shutdown of `serve` within MODELGATE_SHUTDOWN_TIMEOUT_MS, whatever the backends do.
 *
 * The order matters: stop taking traffic, let in-flight requests finish, write the usage
 * records they left, then close the backends. Each phase has a share of the budget and never
 * waits past it: a store that swallows packets must not keep the process alive (the caller
 * exits at the budget anyway, and then the usage records would be lost without a word). The
 * usage phase is the one that matters most, so requests cannot eat into its share; whatever
 * could not be written (or reported to the auth service) is counted in one log line.
 */
import type { Logger } from "pino";
import type { UsageRecorder } from "../serving/usage.js";
import { within } from "../deadline.js";
import type { Store } from "../store/index.js";

export interface ShutdownSteps {
  /** Mark the service draining (/ready 503, Connection: close) and stop timers. */
  drain(): void;
  /** Stop listening and wait for in-flight requests. */
  closeListeners(): Promise<void>;
  usage: Pick<UsageRecorder, "close">;
  /** Usage reports still queued for the external auth service (AUTH_SERVICE_URL). */
  reports?: { close(timeoutMs: number): Promise<unknown> };
  flushLastUsed(): Promise<void>;
  /** Bus, Redis, loaded models. */
  closeBackends(): Promise<void>;
  store: Pick<Store, "close">;
}

export interface ShutdownConfig {
  shutdownTimeoutMs: number;
  shutdownDrainMs: number;
}

const DONE = Symbol("done");

export async function shutdown(
  config: ShutdownConfig,
  logger: Pick<Logger, "warn">,
  steps: ShutdownSteps,
): Promise<void> {
  const budget = config.shutdownTimeoutMs;
  // Every phase ends a little before the deadline: `serve` exits at the deadline itself.
  const end = Date.now() + budget - Math.min(300, budget * 0.05);
  const left = () => end - Date.now();
  // Kept back for what follows each phase: the backends (bounded by their own timeouts, about
  // a second), and the usage records after the requests.
  const backendsMs = Math.min(1_500, budget * 0.15);
  const usageMs = Math.min(3_000, budget * 0.25);

  async function phase(name: string, work: () => Promise<unknown>, keepMs: number) {
    const finished = await within(
      work().then(() => DONE),
      left() - keepMs,
    );
    if (finished !== DONE) {
      logger.warn(
        { phase: name, timeout_ms: budget },
        `shutdown: ${name} did not finish in its share of MODELGATE_SHUTDOWN_TIMEOUT_MS; going on`,
      );
    }
  }

  steps.drain();
  const drainMs = Math.min(config.shutdownDrainMs, Math.max(left() - backendsMs - usageMs, 0));
  if (drainMs > 0) await new Promise((resolve) => setTimeout(resolve, drainMs));
  await phase("in-flight requests", steps.closeListeners, backendsMs + usageMs);
  // Every answered prediction is in the buffer now (recorded as its response finished), and
  // every authenticated answer in the auth service's report queue: both are sent at once, in
  // the same share (different destinations), each counting in one log line what it could not.
  const usageLeftMs = Math.max(left() - backendsMs, 0);
  await Promise.all([steps.usage.close(usageLeftMs), steps.reports?.close(usageLeftMs)]);
  await phase("key last-used times", steps.flushLastUsed, backendsMs * 0.6);
  await phase("Redis and models", steps.closeBackends, backendsMs * 0.3);
  await phase("the store", () => steps.store.close(), 0);
}
