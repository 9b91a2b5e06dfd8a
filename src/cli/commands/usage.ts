import type { UsageReport } from "../../server/admin/usage.js";
import { parseSince } from "../../server/admin/usage.js";
import { openAdmin } from "../admin.js";
import type { CliContext } from "../context.js";
import { configOrExit } from "../context.js";
import { EXIT, ExitError } from "../errors.js";
import type { CommandOutput } from "../output.js";
import { table } from "../output.js";

export interface UsageOptions {
  key?: string;
  model?: string;
  since?: string;
}

function describeFilters(report: UsageReport): string {
  const parts = [
    report.key_id ? `key ${report.key_id}` : undefined,
    report.model_id ? `model ${report.model_id}` : undefined,
    report.since ? `since ${report.since}` : undefined,
  ].filter(Boolean);
  return parts.length > 0 ? ` (${parts.join(", ")})` : "";
}

/**
 * `modelgate usage`: predictions per key and model. Through the running server when it holds
 * the embedded store (it writes its buffered records first), else from the store directly.
 */
export async function usageCommand(opts: UsageOptions, ctx: CliContext): Promise<CommandOutput> {
  // Checked here too, so a typo is a usage error (exit 2) before any store is opened.
  if (opts.since !== undefined) {
    try {
      parseSince(opts.since);
    } catch {
      throw new ExitError(
        EXIT.usage,
        `--since "${opts.since}" is not a duration or a date: use e.g. 1h, 30m, 7d or 2025-01-31.`,
      );
    }
  }
  const { config } = configOrExit(ctx);
  const session = await openAdmin(config);
  let report: UsageReport;
  try {
    report = await session.ops.usage({ key_id: opts.key, model_id: opts.model, since: opts.since });
  } finally {
    await session.close();
  }
  const filters = describeFilters(report);
  if (report.usage.length === 0) {
    return { data: report, text: `No predictions recorded${filters}.` };
  }
  const total = report.usage.reduce((n, r) => n + r.requests, 0);
  const text = [
    `${total} prediction requests${filters}:`,
    "",
    table(
      ["KEY", "MODEL", "REQUESTS", "ERRORS", "ROWS", "P50 MS", "P95 MS", "LAST"],
      report.usage.map((r) => [
        r.key_id,
        r.model_id,
        r.requests,
        r.errors,
        r.rows,
        r.p50_latency_ms,
        r.p95_latency_ms,
        r.last_at,
      ]),
    ),
  ].join("\n");
  return { data: report, text };
}
