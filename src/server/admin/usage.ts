/**
 * The usage report as people and machines see it — the same for `modelgate usage`, the admin
 * socket and GET /api/v1/usage: per key and model, with the filters that produced it.
 */
import { durationTooLong, MAX_DURATION_TEXT, parseDuration } from "../../duration.js";
import { ModelgateError } from "../../errors.js";
import type { UsageQuery, UsageRepository, UsageSummary } from "../../store/index.js";

export interface UsageRequest {
  key_id?: string;
  model_id?: string;
  /** A duration back from now ("1h", "30m", "7d") or an ISO 8601 date or time. */
  since?: string;
}

export interface UsageRow {
  key_id: string;
  model_id: string;
  requests: number;
  /** Requests answered with a status of 400 or more. */
  errors: number;
  /** Inputs predicted by the requests that succeeded (batch sizes summed). */
  rows: number;
  p50_latency_ms: number;
  p95_latency_ms: number;
  first_at: string;
  last_at: string;
}

export interface UsageReport {
  key_id: string | null;
  model_id: string | null;
  since: string | null;
  usage: UsageRow[];
}

/** "1h" back from `now`, or an ISO date; invalid_request naming the field otherwise. */
export function parseSince(text: string, now: Date = new Date()): Date {
  const ms = parseDuration(text);
  if (ms !== undefined) {
    const tooLong = durationTooLong(`since "${text}"`, ms);
    if (tooLong) throw sinceError(tooLong, `must be at most ${MAX_DURATION_TEXT}`);
    return new Date(now.getTime() - ms);
  }
  const date = new Date(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text.trim()) && !Number.isNaN(date.getTime())) return date;
  throw sinceError(
    `since "${text}" is not a duration or a date: use e.g. 1h, 30m, 7d or 2025-01-31T00:00:00Z.`,
    "must be a duration (1h, 30m, 7d) or an ISO 8601 date",
  );
}

function sinceError(detail: string, problem: string): ModelgateError {
  return new ModelgateError("invalid_request", detail, { errors: [{ field: "since", problem }] });
}

function rowView(s: UsageSummary): UsageRow {
  const ms = (n: number) => Math.round(n * 100) / 100;
  return {
    key_id: s.keyId,
    model_id: s.modelId,
    requests: s.requests,
    errors: s.errors,
    rows: s.rows,
    p50_latency_ms: ms(s.p50LatencyMs),
    p95_latency_ms: ms(s.p95LatencyMs),
    first_at: s.firstAt.toISOString(),
    last_at: s.lastAt.toISOString(),
  };
}

export interface UsageReporterDeps {
  usage: Pick<UsageRepository, "summarize">;
  /**
   * This process's write-behind buffer, written first so the report includes the requests it
   * has just answered; absent when no server runs here. Other replicas' records arrive within
   * their USAGE_FLUSH_MS.
   */
  flush?: () => Promise<boolean>;
  now?: () => Date;
}

export type UsageReporter = (request: UsageRequest) => Promise<UsageReport>;

export function usageReporter(deps: UsageReporterDeps): UsageReporter {
  return async function usageReport(request) {
    const since = request.since ? parseSince(request.since, deps.now?.()) : undefined;
    const query: UsageQuery = {};
    if (request.key_id) query.keyId = request.key_id;
    if (request.model_id) query.modelId = request.model_id;
    if (since) query.since = since;
    // A failed flush keeps its records for the next try; the report is still worth giving.
    if (deps.flush) await deps.flush().catch(() => false);
    const summaries = await deps.usage.summarize(query);
    return {
      key_id: request.key_id ?? null,
      model_id: request.model_id ?? null,
      since: since?.toISOString() ?? null,
      usage: summaries.map(rowView),
    };
  };
}
