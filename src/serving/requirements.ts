import { ModelgateError } from "../errors.js";
import type { ProbeResult, SourceCheck, SourceContext } from "../sources/index.js";
import { probeSource } from "../sources/index.js";
import type { ModelRecord } from "../store/index.js";

export interface RequirementProblem {
  modelId: string;
  /** The source the probe asked (a re-registered model is asked afresh). */
  source: string;
  error: ModelgateError;
  /** A verified copy in the disk cache can be served meanwhile (refresh impossible). */
  cachedRevision: string | null;
}

export interface RequirementReport {
  /** Models that cannot be served at all until their setting is fixed. */
  blocking: RequirementProblem[];
  /** Models served from the disk cache that cannot be refreshed. */
  degraded: RequirementProblem[];
}

type Probe = (record: ModelRecord) => Promise<ProbeResult>;

/**
 * Before traffic: asks every registered model's source whether it can be fetched (a private
 * Hub repository needs a token, and the token is tried against the Hub when it is reachable).
 * Expected failures come back as values; an unreachable source is not a requirement problem
 * (the model may still load later, and /ready says so).
 */
export async function checkRequirements(
  records: readonly ModelRecord[],
  probe: Probe,
): Promise<RequirementReport> {
  const report: RequirementReport = { blocking: [], degraded: [] };
  const results = await Promise.all(
    records.map(async (record) => ({ record, result: await probe(record) })),
  );
  for (const { record, result } of results) {
    if (result.ok || result.error.code === "source_unreachable") continue;
    const problem = {
      modelId: record.id,
      source: record.source,
      error: result.error,
      cachedRevision: result.cachedRevision,
    };
    (result.cachedRevision ? report.degraded : report.blocking).push(problem);
  }
  return report;
}

/**
 * What the start-up probe found, kept for /ready and model health. Their check is cheap — the
 * configuration and the disk cache, no network — so without this a token the Hub rejected at
 * start would read "loads on first request" (ready, 200) until the first prediction failed.
 * A finding holds while the model keeps the source it was probed with: the token cannot change
 * without a restart, and a re-registered model is checked afresh.
 */
export function withStartupFindings(
  report: RequirementReport,
): (record: Pick<ModelRecord, "id" | "source">, check: SourceCheck) => SourceCheck {
  const found = new Map<string, { problem: RequirementProblem; blocking: boolean }>();
  for (const problem of report.blocking) found.set(problem.modelId, { problem, blocking: true });
  for (const problem of report.degraded) found.set(problem.modelId, { problem, blocking: false });
  const when = "found when the service started";
  return (record, check) => {
    const finding = found.get(record.id);
    if (!finding || finding.problem.source !== record.source || !check.ok) return check;
    const { error } = finding.problem;
    if (finding.blocking) {
      return { ok: false, fromCache: false, reason: `${error.detail} (${when})`, error };
    }
    if (check.error) return check; // already says why the cached copy cannot be refreshed
    return {
      ...check,
      reason: `${check.reason}; refresh impossible (${when}): ${error.detail}`,
      error,
    };
  };
}

/**
 * Models whose requirement was unmet when the service started — what a strict start refuses.
 * A replica that started anyway must not call itself ready to serve them: they count for
 * /ready whether warm or not, as long as they keep the source they were probed with.
 */
export function blockedAtStart(
  report: RequirementReport,
): (record: Pick<ModelRecord, "id" | "source">) => boolean {
  const sources = new Map(report.blocking.map((p) => [p.modelId, p.source]));
  return (record) => sources.get(record.id) === record.source;
}

export function sourceProbe(ctx: SourceContext): Probe {
  return (record) =>
    probeSource(record.source, record.id, ctx, { lastRevision: record.resolvedRevision });
}

function listIds(ids: string[]): string {
  if (ids.length === 1) return `model ${ids[0]}`;
  return `models ${ids.slice(0, -1).join(", ")} and ${ids.at(-1)}`;
}

/**
 * One sentence for a refused strict start: the variable and the models that need it when they
 * share the cause (the incident's case), else each model's own sentence.
 */
export function refusalSentence(blocking: readonly RequirementProblem[]): string {
  // The Hub's token, named once for every model it keeps out (other sources name their own).
  const missing = blocking.filter(
    (p) => p.error.code === "source_credentials_missing" && p.source.startsWith("hf://"),
  );
  if (missing.length === blocking.length && missing.length > 1) {
    return `HUGGINGFACE_API_KEY is not set; ${listIds(missing.map((p) => p.modelId))} are stored in private Hugging Face repositories: set it (or HF_TOKEN, or HUGGINGFACE_API_KEY_FILE) where modelgate runs, or start without --strict to serve the other models.`;
  }
  return blocking.map((p) => p.error.detail).join(" ");
}

/** The error a strict start ends with (exit 1: a check failed). */
export function refusal(blocking: readonly RequirementProblem[]): ModelgateError {
  const first = blocking[0];
  return new ModelgateError(
    first ? first.error.code : "model_unavailable",
    `Refusing to start: ${refusalSentence(blocking)}`,
  );
}
