import type { FieldProblem } from "../errors.js";
import { ModelgateError } from "../errors.js";
import type { ModelCacheObserver } from "../metrics/types.js";
import type { TensorRunner } from "../runtimes/onnx/index.js";
import type { ModelSpec, ProblemBudget } from "../spec/index.js";
import type { ModelRecord } from "../store/index.js";

/** A model ready to answer: the runtime plus the compiled input validator. */
export interface LoadedModel {
  spec: ModelSpec;
  /** The exact revision served (a Hub commit), null for a plain folder. */
  revision: string | null;
  /** "local" (in-process ONNX) or "api" (an upstream endpoint), as the seeds' metadata said. */
  inferenceMethod: "local" | "api";
  /** What this model holds in memory, roughly (the ONNX file's size), for the cache budget. */
  sizeBytes: number;
  /** Served from the disk cache because its source could not be refreshed: the reason. */
  refreshError: ModelgateError | null;
  /** The spec's input validator; with a budget, problems past it are counted, not built. */
  validate(input: unknown, path: string, budget?: ProblemBudget): FieldProblem[];
  predict(rows: readonly Record<string, unknown>[]): Promise<Record<string, unknown>[]>;
  /** An in-process ONNX graph, for tensors sent as they are (Open Inference Protocol). */
  tensors?: TensorRunner;
  close(): Promise<void>;
}

export type LoadModel = (record: ModelRecord) => Promise<LoadedModel>;

export type SlotState = "not_loaded" | "loading" | "ready" | "failed";

export interface ModelState {
  state: SlotState;
  loadedAt: Date | null;
  loadMs: number | null;
  revision: string | null;
  sizeBytes: number | null;
  lastUsedAt: Date | null;
  /** When the model is reloaded from its source (cache_duration), null when it is kept. */
  refreshAt: Date | null;
  /** Why the source could not be refreshed while a cached copy is served. */
  refreshError: { code: string; detail: string } | null;
  lastError: { code: string; detail: string; at: Date } | null;
}

interface Slot {
  /** The registration this slot was loaded for; a changed record reloads. */
  updatedAt: number;
  promise: Promise<LoadedModel> | null;
  loaded: LoadedModel | null;
  error: ModelgateError | null;
  failedAt: number;
  loadedAt: number;
  loadMs: number | null;
  lastUsed: number;
  /** A background reload after cache_duration; the current model keeps serving meanwhile. */
  refreshing: Promise<void> | null;
}

export interface ModelCacheOptions {
  load: LoadModel;
  /** After a failed load, answer with the same error for this long before trying again. */
  retryAfterMs?: number;
  /** Memory budget over all loaded models (MODEL_CACHE_MAX_MB); least recently used go first. */
  maxBytes?: number;
  now?: () => number;
  onEvict?: (id: string, reason: "budget" | "replaced") => void;
  /** A load (or a background refresh) failed: at most once per retryAfterMs a model. */
  onLoadFailed?: (id: string, error: ModelgateError, refreshing: boolean) => void;
  /** Hits, misses, evictions, load times and failures (GET /metrics). */
  metrics?: Omit<ModelCacheObserver, "batches">;
}

function asModelgateError(err: unknown, modelId: string): ModelgateError {
  if (err instanceof ModelgateError) {
    if (err.code === "spec_invalid") {
      return new ModelgateError(
        "model_invalid",
        `Model ${modelId} cannot be served: ${err.detail}`,
        { cause: err },
      );
    }
    return err;
  }
  return new ModelgateError(
    "model_unavailable",
    `Model ${modelId} could not be loaded; the cause was logged.`,
    {
      cause: err,
    },
  );
}

function describe(err: ModelgateError | null): { code: string; detail: string } | null {
  return err ? { code: err.code, detail: err.detail } : null;
}

/**
 * Loaded models by id. Loading is single-flight: concurrent first requests share one load.
 * A failed load is remembered briefly so a broken model costs one attempt per interval, not one
 * per request, and never affects the other models. A model past its cache_duration is reloaded
 * in the background while the loaded copy keeps answering; loaded models beyond the memory
 * budget are evicted least recently used first.
 */
export function modelCache(options: ModelCacheOptions) {
  const slots = new Map<string, Slot>();
  const retryAfterMs = options.retryAfterMs ?? 5_000;
  const now = options.now ?? Date.now;
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  const metrics = options.metrics;

  function enforceBudget(keep: string): void {
    const loaded = [...slots.entries()].filter(([, s]) => s.loaded);
    let total = loaded.reduce((sum, [, s]) => sum + (s.loaded?.sizeBytes ?? 0), 0);
    loaded.sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
    for (const [id, slot] of loaded) {
      if (total <= maxBytes) break;
      if (id === keep) continue;
      total -= slot.loaded?.sizeBytes ?? 0;
      slots.delete(id);
      void slot.loaded?.close();
      options.onEvict?.(id, "budget");
      metrics?.evicted("budget");
    }
  }

  function startLoad(record: ModelRecord, slot: Slot): Promise<LoadedModel> {
    const started = now();
    const promise = options.load(record).then(
      (loaded) => {
        Object.assign(slot, {
          loaded,
          error: null,
          loadedAt: now(),
          loadMs: now() - started,
          promise: null,
        });
        metrics?.loaded(record.id, (now() - started) / 1000);
        enforceBudget(record.id);
        return loaded;
      },
      (err: unknown) => {
        const error = asModelgateError(err, record.id);
        Object.assign(slot, { error, failedAt: now(), promise: null });
        options.onLoadFailed?.(record.id, error, false);
        metrics?.loadFailed(record.id, error.code);
        throw error;
      },
    );
    slot.promise = promise;
    return promise;
  }

  /** Reload in the background; swap in the new copy only when it loaded. */
  function refresh(record: ModelRecord, slot: Slot): void {
    const started = now();
    slot.refreshing = options.load(record).then(
      (fresh) => {
        const old = slot.loaded;
        Object.assign(slot, {
          loaded: fresh,
          error: null,
          loadedAt: now(),
          loadMs: now() - started,
          refreshing: null,
        });
        metrics?.loaded(record.id, (now() - started) / 1000);
        if (old && old !== fresh) void old.close();
      },
      (err: unknown) => {
        // Keep answering with the copy we have; the failure shows in health and /ready.
        const error = asModelgateError(err, record.id);
        Object.assign(slot, { error, failedAt: now(), loadedAt: now(), refreshing: null });
        options.onLoadFailed?.(record.id, error, true);
        metrics?.loadFailed(record.id, error.code);
      },
    );
  }

  function freshSlot(record: ModelRecord): Slot {
    const slot: Slot = {
      updatedAt: record.updatedAt.getTime(),
      promise: null,
      loaded: null,
      error: null,
      failedAt: 0,
      loadedAt: 0,
      loadMs: null,
      lastUsed: now(),
      refreshing: null,
    };
    slots.set(record.id, slot);
    return slot;
  }

  function ttlMs(record: ModelRecord): number | null {
    return record.cacheDurationS ? record.cacheDurationS * 1000 : null;
  }

  return {
    /** The loaded model, loading it once if needed. Throws the (503) reason it cannot be served. */
    get(record: ModelRecord): Promise<LoadedModel> | LoadedModel {
      let slot = slots.get(record.id);
      if (slot && slot.updatedAt !== record.updatedAt.getTime()) {
        if (slot.loaded) metrics?.evicted("replaced");
        void slot.loaded?.close();
        options.onEvict?.(record.id, "replaced");
        slot = undefined;
      }
      slot ??= freshSlot(record);
      slot.lastUsed = now();
      if (slot.loaded) {
        metrics?.hit();
        const ttl = ttlMs(record);
        if (ttl !== null && !slot.refreshing && now() - slot.loadedAt >= ttl) refresh(record, slot);
        return slot.loaded;
      }
      metrics?.miss();
      if (slot.promise) return slot.promise;
      if (slot.error && now() - slot.failedAt < retryAfterMs) throw slot.error;
      return startLoad(record, slot);
    },

    state(id: string, record?: ModelRecord): ModelState {
      const slot = slots.get(id);
      const loaded = slot?.loaded ?? null;
      const state: SlotState = !slot
        ? "not_loaded"
        : loaded
          ? "ready"
          : slot.promise
            ? "loading"
            : slot.error
              ? "failed"
              : "not_loaded";
      const ttl = record ? ttlMs(record) : null;
      return {
        state,
        loadedAt: loaded && slot ? new Date(slot.loadedAt) : null,
        loadMs: slot?.loadMs ?? null,
        revision: loaded?.revision ?? null,
        sizeBytes: loaded?.sizeBytes ?? null,
        lastUsedAt: slot ? new Date(slot.lastUsed) : null,
        refreshAt: loaded && slot && ttl !== null ? new Date(slot.loadedAt + ttl) : null,
        refreshError: describe(loaded?.refreshError ?? null),
        lastError: slot?.error
          ? { ...(describe(slot.error) ?? { code: "", detail: "" }), at: new Date(slot.failedAt) }
          : null,
      };
    },

    /** The loaded model, if any, without loading or touching its recency. */
    loaded(id: string): LoadedModel | null {
      return slots.get(id)?.loaded ?? null;
    },

    async evict(id: string): Promise<void> {
      const slot = slots.get(id);
      slots.delete(id);
      await slot?.loaded?.close();
    },

    async closeAll(): Promise<void> {
      const all = [...slots.values()];
      slots.clear();
      await Promise.all(all.map((slot) => slot.loaded?.close()));
    },
  };
}

export type ModelCache = ReturnType<typeof modelCache>;
