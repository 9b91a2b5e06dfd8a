/**
 * Which settings each registered model needs, and whether it cannot be served now because one
 * is missing or was rejected — the seeds' incident (model 21 without HUGGINGFACE_API_KEY) as
 * data, for `modelgate_config_requirement_unmet{model,variable}`. Read at scrape time: the
 * configuration, the disk cache and what the start-up probe found; no network.
 */
import type { RequirementStatus } from "../metrics/types.js";
import { TOKEN_VARIABLE } from "../sources/huggingface/errors.js";
import type { SourceCheck, SourceRequirements } from "../sources/index.js";
import type { ModelRecord } from "../store/index.js";
import type { ModelState } from "./cache.js";

/** Codes that mean "a setting is missing or was refused", never "the source is down". */
const SETTING_CODES = new Set(["source_credentials_missing", "source_unauthorized"]);

export interface RequirementStatusDeps {
  models: {
    list(): Promise<ModelRecord[]>;
    state(id: string): ModelState;
    /** The cheap readiness view with what the start-up probe found (checkSource). */
    sourceProblem(record: ModelRecord): Promise<Pick<SourceCheck, "ok" | "error">>;
  };
  /** What the model's source needs (sourceRequirements), offline. */
  requirementsOf(record: ModelRecord): Promise<SourceRequirements>;
}

/** The variable a setting error names, for the source kinds that have one. */
function variableOf(record: ModelRecord): string | null {
  // Stored sources are normalised (src/sources/parse.ts): a Hub repository is hf://owner/repo.
  return record.source.startsWith("hf://") ? TOKEN_VARIABLE : null;
}

/** The error code that keeps the model from being served now, or null when it can be. */
async function blockingCode(
  deps: RequirementStatusDeps,
  record: ModelRecord,
): Promise<string | null> {
  const state = deps.models.state(record.id);
  if (state.state === "ready") return null;
  if (state.state === "failed") return state.lastError?.code ?? null;
  const check = await deps.models.sourceProblem(record);
  return check.ok ? null : (check.error?.code ?? null);
}

async function statusOf(
  deps: RequirementStatusDeps,
  record: ModelRecord,
): Promise<RequirementStatus[]> {
  const needed = await deps.requirementsOf(record).catch(() => null);
  const variables = new Set(needed?.requirements.map((r) => r.variable) ?? []);
  const code = await blockingCode(deps, record);
  const blockedBy = code && SETTING_CODES.has(code) ? variableOf(record) : null;
  if (blockedBy) variables.add(blockedBy);
  return [...variables].map((variable) => ({
    model: record.id,
    variable,
    unmet: variable === blockedBy,
  }));
}

/** One entry per (registered model, variable it needs): unmet while it blocks the model. */
export async function requirementStatus(deps: RequirementStatusDeps): Promise<RequirementStatus[]> {
  const records = await deps.models.list();
  const all = await Promise.all(records.map((record) => statusOf(deps, record)));
  return all.flat();
}
