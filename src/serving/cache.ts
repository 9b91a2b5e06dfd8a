import type { FieldProblem } from "../errors.js";
import { ModelgateError } from "../errors.js";
import type { ModelSpec } from "../spec/index.js";
import type { ModelRecord } from "../store/index.js";

/** A model ready to answer: the runtime plus the compiled input validator. */
export interface LoadedModel {
  spec: ModelSpec;
  revision: string | null;
  validate(input: unknown, path: string): FieldProblem[];
  predict(rows: readonly Record<string, unknown>[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export type LoadModel = (record: ModelRecord) => Promise<LoadedModel>;

export type SlotState = "not_loaded" | "loading" | "ready" | "failed";

export interface ModelState {
  state: SlotState;
  loadedAt: Date | null;
  loadMs: number | null;
  revision: string | null;
  lastError: { code: string; detail: string; at: Date } | null;
}

interface Slot {
  /** The registration this slot was loaded for; a changed record reloads. */
  updatedAt: number;
  promise: Promise<LoadedModel> | null;
  loaded: LoadedModel | null;
  error: ModelgateError | null;
  failedAt: number;
  loadedAt: Date | null;
  loadMs: number | null;
}

export interface ModelCacheOptions {
  load: LoadModel;
  /** After a failed load, answer with the same error for this long before trying again. */
  retryAfterMs?: number;
  now?: () => number;
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

/**
 * Loaded models by id. Loading is single-flight: concurrent first requests share one load.
 * A failed load is remembered briefly so a broken model costs one attempt per interval, not one
 * per request, and never affects the other models.
 */
export function modelCache(options: ModelCacheOptions) {
  const slots = new Map<string, Slot>();
  const retryAfterMs = options.retryAfterMs ?? 5_000;
  const now = options.now ?? Date.now;

  function startLoad(record: ModelRecord, slot: Slot): Promise<LoadedModel> {
    const started = now();
    const promise = options.load(record).then(
      (loaded) => {
        slot.loaded = loaded;
        slot.error = null;
        slot.loadedAt = new Date();
        slot.loadMs = now() - started;
        slot.promise = null;
        return loaded;
      },
      (err: unknown) => {
        slot.error = asModelgateError(err, record.id);
        slot.failedAt = now();
        slot.promise = null;
        throw slot.error;
      },
    );
    slot.promise = promise;
    return promise;
  }

  function freshSlot(record: ModelRecord): Slot {
    const slot: Slot = {
      updatedAt: record.updatedAt.getTime(),
      promise: null,
      loaded: null,
      error: null,
      failedAt: 0,
      loadedAt: null,
      loadMs: null,
    };
    slots.set(record.id, slot);
    return slot;
  }

  return {
    /** The loaded model, loading it once if needed. Throws the (503) reason it cannot be served. */
    get(record: ModelRecord): Promise<LoadedModel> | LoadedModel {
      let slot = slots.get(record.id);
      if (slot && slot.updatedAt !== record.updatedAt.getTime()) {
        void slot.loaded?.close();
        slot = undefined;
      }
      slot ??= freshSlot(record);
      if (slot.loaded) return slot.loaded;
      if (slot.promise) return slot.promise;
      if (slot.error && now() - slot.failedAt < retryAfterMs) throw slot.error;
      return startLoad(record, slot);
    },

    state(id: string): ModelState {
      const slot = slots.get(id);
      const state: SlotState = !slot
        ? "not_loaded"
        : slot.loaded
          ? "ready"
          : slot.promise
            ? "loading"
            : slot.error
              ? "failed"
              : "not_loaded";
      return {
        state,
        loadedAt: slot?.loadedAt ?? null,
        loadMs: slot?.loadMs ?? null,
        revision: slot?.loaded?.revision ?? null,
        lastError: slot?.error
          ? { code: slot.error.code, detail: slot.error.detail, at: new Date(slot.failedAt) }
          : null,
      };
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
