/**
 * The external auth service as `serve` uses it (AUTH_SERVICE_URL set): key validation, usage
 * reports and debits, over one pool of kept-alive connections and behind one circuit breaker —
 * one service, one view of whether it answers.
 */
import type { Config } from "../../config/index.js";
import { circuitBreaker } from "../circuit-breaker.js";
import type { CircuitBreaker } from "../circuit-breaker.js";
import { externalAuth } from "../external.js";
import type { ExternalAuth, ExternalAuthOptions } from "../external.js";
import { keepAliveTransport } from "../external-transport.js";
import type { DebitStats } from "./debit.js";
import { usageDebit } from "./debit.js";
import { debitHook } from "./hooks.js";
import type { DebitHook } from "./hooks.js";
import type { ReportLogger } from "./log.js";
import { pipelinedTransport } from "./pipelined-transport.js";
import { usageReporter } from "./reporter.js";
import type { UsageReporter, UsageReporterStats } from "./reporter.js";

export { debitHook, reportUsageHook } from "./hooks.js";
export type { DebitHook } from "./hooks.js";
export type { UsageReporter, UsageReporterStats } from "./reporter.js";

/** What /health shows under `usage_reports`. */
export interface UsageReportHealth {
  sent: number;
  retried: number;
  dropped: number;
  queued: number;
  in_flight: number;
  dropped_queue_full: number;
  dropped_after_retries: number;
  dropped_refused: number;
  dropped_at_shutdown: number;
  last_error: string | null;
  debits?: {
    accepted: number;
    refused: number;
    unavailable: number;
    served_unpaid: number;
  };
}

export interface AuthService {
  verifier: ExternalAuth;
  /** null: USAGE_REPORT=false. */
  reporter: UsageReporter | null;
  /** null: USAGE_DEBIT=false. */
  debit: DebitHook | null;
  health(): UsageReportHealth | null;
}

type AuthServiceConfig = Pick<
  Config,
  | "authServiceUrl"
  | "authServiceId"
  | "authServiceTimeoutMs"
  | "authServiceCacheTtlMs"
  | "authServiceInvalidCacheTtlMs"
  | "usageReport"
  | "usageReportQueueMax"
  | "usageReportConcurrency"
  | "usageReportRetries"
  | "usageDebit"
  | "usageDebitFailOpen"
>;

function healthOf(r: UsageReporterStats | null, d: (DebitStats & { servedUnpaid: number }) | null) {
  const health: UsageReportHealth = {
    sent: r?.sent ?? 0,
    retried: r?.retried ?? 0,
    dropped: r?.dropped ?? 0,
    queued: r?.queued ?? 0,
    in_flight: r?.inFlight ?? 0,
    dropped_queue_full: r?.droppedQueueFull ?? 0,
    dropped_after_retries: r?.droppedAfterRetries ?? 0,
    dropped_refused: r?.droppedRefused ?? 0,
    dropped_at_shutdown: r?.droppedAtShutdown ?? 0,
    last_error: r?.lastError ?? null,
  };
  if (d) {
    health.debits = {
      accepted: d.accepted,
      refused: d.refused,
      unavailable: d.unavailable,
      served_unpaid: d.servedUnpaid,
    };
  }
  return health;
}

/**
 * Usage reports over their own pipelined connections (one write for a round of reports), behind
 * the shared circuit breaker; closing the reporter closes them.
 */
function withOwnTransport(
  config: AuthServiceConfig,
  shared: { url: string; serviceId: string; breaker: CircuitBreaker },
  logger: ReportLogger | undefined,
): UsageReporter {
  const transport = pipelinedTransport();
  const reporter = usageReporter({
    ...shared,
    transport,
    timeoutMs: config.authServiceTimeoutMs,
    queueMax: config.usageReportQueueMax,
    concurrency: config.usageReportConcurrency,
    retries: config.usageReportRetries,
    ...(logger ? { logger } : {}),
  });
  return {
    ...reporter,
    async close(timeoutMs) {
      const left = await reporter.close(timeoutMs);
      transport.close();
      return left;
    },
  };
}

/**
 * undefined when AUTH_SERVICE_URL is unset (keys are the local store's). `verifierOptions` are
 * passed on to the key validation (an observer for metrics, …).
 */
export function authServiceFromConfig(
  config: AuthServiceConfig,
  logger?: ReportLogger,
  verifierOptions: Partial<ExternalAuthOptions> = {},
): AuthService | undefined {
  const url = config.authServiceUrl;
  if (!url) return undefined;
  const transport = keepAliveTransport();
  const breaker = circuitBreaker();
  const shared = { url, serviceId: config.authServiceId, transport, breaker };
  const verifier = externalAuth({
    ...verifierOptions,
    ...shared,
    timeoutMs: config.authServiceTimeoutMs,
    validTtlMs: config.authServiceCacheTtlMs,
    invalidTtlMs: config.authServiceInvalidCacheTtlMs,
  });
  const reporter = config.usageReport ? withOwnTransport(config, shared, logger) : null;
  const debit = config.usageDebit
    ? debitHook({
        debit: usageDebit({ ...shared, timeoutMs: config.authServiceTimeoutMs }),
        failOpen: config.usageDebitFailOpen,
        ...(logger ? { logger } : {}),
      })
    : null;
  if (debit && config.usageDebitFailOpen) {
    logger?.warn(
      { usage_debit_fail_open: true },
      "USAGE_DEBIT_FAIL_OPEN=true: predictions whose debit cannot be made (auth service down, slow or failing) are SERVED WITHOUT BEING PAID FOR; each one is counted on /health (usage_reports.debits.served_unpaid)",
    );
  }
  return {
    verifier,
    reporter,
    debit,
    health: () =>
      reporter || debit ? healthOf(reporter?.stats() ?? null, debit?.stats() ?? null) : null,
  };
}
