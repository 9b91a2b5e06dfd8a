/**
 * Where usage reports and debits meet the HTTP API. The report is made in onResponse (the
 * answer has left; `report` only queues), for every request whose key was recognised. The
 * debit runs as a preHandler of the prediction routes: after the key, its scope, its rate
 * limit and the body's schema were checked, before the model runs.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { ModelgateError } from "../../errors.js";
import { insufficientBalanceError } from "../verifier.js";
import type { DebitStats, UsageDebit } from "./debit.js";
import type { ReportLogger } from "./log.js";
import { throttledLog } from "./log.js";
import type { UsageReporter } from "./reporter.js";

/** The path without its query string. */
function pathOf(request: FastifyRequest): string {
  const url = request.url;
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}

export function reportUsageHook(reporter: Pick<UsageReporter, "report">) {
  return function reportUsage(request: FastifyRequest, reply: FastifyReply, done: () => void) {
    const principal = request.principal;
    if (principal) {
      reporter.report({
        keyId: principal.keyId,
        endpoint: pathOf(request),
        responseTimeMs: Math.round(reply.elapsedTime),
        statusCode: reply.statusCode,
      });
    }
    done();
  };
}

/** Inputs in a predict body: a list is a batch, an object one input. */
function predictionsIn(body: unknown): number {
  if (typeof body !== "object" || body === null || !("inputs" in body)) return 1;
  const inputs = (body as { inputs: unknown }).inputs;
  return Array.isArray(inputs) ? inputs.length : 1;
}

export interface DebitHookOptions {
  debit: UsageDebit;
  /** USAGE_DEBIT_FAIL_OPEN: serve when the debit cannot be made (never when refused). */
  failOpen: boolean;
  logger?: ReportLogger;
}

type PreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

export interface DebitHook {
  /** The seeds' predict route: a list of inputs is that many predictions, an object one. */
  hook: PreHandler;
  /** Another prediction route, whose predictions `count` reads from its request. */
  counting(count: (request: FastifyRequest) => number): PreHandler;
  stats(): DebitStats & { servedUnpaid: number };
}

export function debitHook(options: DebitHookOptions): DebitHook {
  let servedUnpaid = 0;
  const warn = throttledLog(options.logger, { now: Date.now });
  const counting = (count: (request: FastifyRequest) => number): PreHandler =>
    async function debitPrediction(request) {
      const principal = request.principal;
      if (!principal) return;
      const params = request.params as { model_id?: string } | undefined;
      const outcome = await options.debit.debit({
        keyId: principal.keyId,
        modelId: params?.model_id ?? null,
        endpoint: pathOf(request),
        predictionsCount: count(request),
        idempotencyKey: request.id,
      });
      if (outcome.ok) return;
      // A refusal is the service's answer: never served, fail-open or not.
      if (outcome.code === "insufficient_balance") throw insufficientBalanceError(outcome.reason);
      if (outcome.code === "rate_limited") {
        throw new ModelgateError(
          "rate_limited",
          `The auth service reports this API key's rate limit is used up: retry after ${outcome.retryAfterS} s.`,
          { headers: { "Retry-After": String(outcome.retryAfterS) } },
        );
      }
      if (options.failOpen) {
        servedUnpaid += 1;
        warn(
          "fail_open",
          { reason: outcome.reason, served_unpaid: servedUnpaid },
          "USAGE_DEBIT_FAIL_OPEN=true: serving a prediction that was NOT debited, because the debit could not be made",
        );
        return;
      }
      throw new ModelgateError(
        "auth_unavailable",
        `The prediction was not served because it could not be paid for: ${outcome.reason}. Retry shortly; with USAGE_DEBIT=true no prediction is served without its debit.`,
        { headers: { "Retry-After": String(outcome.retryAfterS) } },
      );
    };
  return {
    hook: counting((request) => predictionsIn(request.body)),
    counting,
    stats: () => ({ ...options.debit.stats(), servedUnpaid }),
  };
}
