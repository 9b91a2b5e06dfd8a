import type { FieldProblem } from "../errors.js";
import { ModelgateError } from "../errors.js";
import { checkInputs } from "../spec/index.js";
import type { ModelRecord, ModelRepository } from "../store/index.js";
import type { LoadedModel, ModelCache, ModelState } from "./cache.js";

export interface PredictResult {
  model: ModelRecord;
  loaded: LoadedModel;
  /** An object for one input, a list for a batch — as the request was shaped. */
  predictions: Record<string, unknown> | Record<string, unknown>[];
  batchSize: number;
}

export interface ModelServiceDeps {
  models: Pick<ModelRepository, "get" | "list">;
  cache: ModelCache;
  /** Whether a model that is not loaded can be expected to load, checked without loading it. */
  checkSource: (record: ModelRecord) => Promise<SourceStatus>;
  /** How long the in-memory list of registrations is trusted before the store is asked again. */
  registryTtlMs?: number;
  /**
   * Whether this replica must serve the model to be ready (by default: it is warm). A model it
   * need not serve is still checked and reported, but its failure does not fail /ready.
   */
  mustServe?: (record: ModelRecord) => boolean;
  /** What the Hub last said about a model's repository, read offline (for /info's `storage`). */
  visibility?: (record: ModelRecord) => Promise<"public" | "private" | "unknown">;
  now?: () => number;
}

export interface SourceStatus {
  ok: boolean;
  /** A sentence for /ready: why not, or what will be served. */
  reason: string;
  /** The typed reason it cannot load (or cannot be refreshed, when served from the cache). */
  error: ModelgateError | null;
}

export interface ModelCheck {
  name: string;
  ok: boolean;
  reason: string;
  /** false: reported, but not counted for readiness (see docs/fleet.md, "Readiness"). */
  required: boolean;
}

const MAX_PROBLEMS_IN_DETAIL = 10;
const MISS_REFRESH_FLOOR_MS = 250;

function invalidInput(problems: FieldProblem[]): ModelgateError {
  const shown = problems.slice(0, MAX_PROBLEMS_IN_DETAIL).map((p) => `${p.field} ${p.problem}`);
  const more =
    problems.length > shown.length ? ` (and ${problems.length - shown.length} more)` : "";
  return new ModelgateError("invalid_input", `Invalid inputs: ${shown.join("; ")}${more}.`, {
    errors: problems,
  });
}

/** The prediction pipeline and the registry view the routes need. */
export function modelServiceFactory(deps: ModelServiceDeps) {
  const ttl = deps.registryTtlMs ?? 2_000;
  const mustServe = deps.mustServe ?? ((record: ModelRecord) => record.warm);
  const now = deps.now ?? Date.now;
  let registry = new Map<string, ModelRecord>();
  let fetchedAt = -Infinity;
  let refreshing: Promise<Map<string, ModelRecord>> | null = null;

  async function refresh(): Promise<Map<string, ModelRecord>> {
    refreshing ??= deps.models.list().then(
      (records) => {
        registry = new Map(records.map((r) => [r.id, r]));
        fetchedAt = now();
        refreshing = null;
        return registry;
      },
      (err: unknown) => {
        refreshing = null;
        throw err;
      },
    );
    return refreshing;
  }

  async function records(): Promise<Map<string, ModelRecord>> {
    return now() - fetchedAt < ttl ? registry : refresh();
  }

  async function find(id: string): Promise<ModelRecord> {
    let record = (await records()).get(id);
    // A model registered since the last refresh (by another process) is found at once; the
    // floor keeps a flood of unknown ids from turning into a flood of store queries.
    if (!record && now() - fetchedAt > MISS_REFRESH_FLOOR_MS) record = (await refresh()).get(id);
    if (record) return record;
    throw new ModelgateError(
      "model_not_found",
      `No model is registered with id ${id}: list the models with GET /api/v1/models.`,
    );
  }

  /**
   * The model for a request, as load() finds it, but at once (no promise, no turn of the event
   * loop) when its registration is fresh and it is loaded: what an inference on a warm model
   * needs. Throws as load() rejects, for a model that failed to load (503).
   */
  function use(id: string): LoadedModel | Promise<LoadedModel> {
    const record = now() - fetchedAt < ttl ? registry.get(id) : undefined;
    return record ? deps.cache.get(record) : find(id).then((found) => deps.cache.get(found));
  }

  async function checkModel(record: ModelRecord): Promise<ModelCheck> {
    return { ...(await describeModel(record)), required: mustServe(record) };
  }

  /** One readiness check: loaded, loadable, or the sentence saying why not. */
  async function describeModel(record: ModelRecord): Promise<Omit<ModelCheck, "required">> {
    const s = deps.cache.state(record.id, record);
    const name = `model:${record.id}`;
    const at = s.revision ? ` at ${s.revision}` : "";
    switch (s.state) {
      case "ready":
        if (s.refreshError) {
          const why = s.refreshError.detail;
          return {
            name,
            ok: true,
            reason: `served from the disk cache${at}; refresh impossible: ${why}`,
          };
        }
        if (s.lastError) {
          return {
            name,
            ok: true,
            reason: `loaded${at}; the last refresh failed: ${s.lastError.detail}`,
          };
        }
        return { name, ok: true, reason: `loaded${at}` };
      case "loading":
        return { name, ok: false, reason: `model ${record.id} is loading` };
      case "failed":
        return { name, ok: false, reason: s.lastError?.detail ?? "failed to load" };
      case "not_loaded": {
        const source = await deps.checkSource(record);
        return {
          name,
          ok: source.ok,
          reason: source.ok
            ? `not loaded yet (loads on first request): ${source.reason}`
            : source.reason,
        };
      }
    }
  }

  return {
    list: async (): Promise<ModelRecord[]> => [...(await records()).values()],
    get: find,
    state: (id: string): ModelState => deps.cache.state(id, registry.get(id)),
    sourceProblem: (record: ModelRecord) => deps.checkSource(record),
    inferenceMethod: (id: string) => deps.cache.loaded(id)?.inferenceMethod ?? null,
    visibility: async (record: ModelRecord) =>
      deps.visibility ? deps.visibility(record).catch(() => "unknown" as const) : "unknown",

    /** Forget cached registrations (after register/remove) so the next request sees them. */
    async invalidate(id?: string): Promise<void> {
      fetchedAt = -Infinity;
      if (id !== undefined) await deps.cache.evict(id);
    },

    /** The model, loaded if it is not yet; rejects with the (404, 503) reason it cannot be. */
    async load(id: string): Promise<LoadedModel> {
      return use(id);
    },

    use,

    async predict(id: string, inputs: unknown): Promise<PredictResult> {
      const model = await find(id);
      const loaded = await deps.cache.get(model);
      const single = !Array.isArray(inputs);
      const rows = single ? [inputs] : (inputs as unknown[]);
      const maxBatch = loaded.spec.max_batch_size;
      if (rows.length === 0) {
        throw invalidInput([{ field: "inputs", problem: "must hold at least one input object" }]);
      }
      if (rows.length > maxBatch) {
        throw new ModelgateError(
          "batch_too_large",
          `The batch has ${rows.length} inputs; model ${id} accepts at most ${maxBatch} per request: split it.`,
        );
      }
      // At most 20 problems are built for the whole batch, the rest counted (src/spec).
      const invalid = checkInputs(loaded.validate, rows, single);
      if (invalid) throw invalid;
      const outputs = await loaded.predict(rows as Record<string, unknown>[]);
      const first = outputs[0];
      return {
        model,
        loaded,
        predictions: single && first ? first : outputs,
        batchSize: rows.length,
      };
    },

    /** One readiness check per registered model: loaded, loadable, or why not. */
    async checks(): Promise<ModelCheck[]> {
      const all = await refresh();
      return Promise.all([...all.values()].map((record) => checkModel(record)));
    },
  };
}

export type ModelService = ReturnType<typeof modelServiceFactory>;
