/**
 * The model service's registry cache and readiness checks, on a clock the test moves. Without
 * Redis nothing tells a replica that another process registered or removed a model: the cache
 * alone decides how soon it sees the change, so its rules are pinned here.
 */
import { describe, expect, it } from "vitest";
import { isModelgateError, ModelgateError } from "../errors.js";
import type { ModelSpec } from "../spec/index.js";
import type { ModelRecord } from "../store/index.js";
import { modelCache } from "./cache.js";
import type { LoadedModel } from "./cache.js";
import { modelServiceFactory } from "./service.js";
import type { SourceStatus } from "./service.js";

function record(id: string, warm = false): ModelRecord {
  return {
    id,
    name: id,
    version: "1",
    description: "",
    source: `/models/${id}`,
    spec: {} as ModelSpec,
    maxBatchSize: 8,
    cacheDurationS: null,
    warm,
    resolvedRevision: null,
    status: "registered",
    createdAt: new Date(0),
    updatedAt: new Date(0),
  };
}

/** The store as another process changes it, counting the reads of the registry. */
function sharedStore(...initial: ModelRecord[]) {
  const rows = new Map(initial.map((r) => [r.id, r]));
  const store = {
    reads: 0,
    add: (r: ModelRecord) => rows.set(r.id, r),
    remove: (id: string) => rows.delete(id),
    repo: {
      get: async (id: string) => rows.get(id) ?? null,
      list: async () => {
        store.reads += 1;
        return [...rows.values()];
      },
    },
  };
  return store;
}

function service(
  store: ReturnType<typeof sharedStore>,
  options: { source?: (r: ModelRecord) => SourceStatus; mustServe?: (r: ModelRecord) => boolean },
) {
  const clock = { t: 1_000_000 };
  const cache = modelCache({
    load: async () => {
      throw new Error("not loaded in these tests");
    },
    now: () => clock.t,
  });
  const models = modelServiceFactory({
    models: store.repo,
    cache,
    checkSource: async (r) => options.source?.(r) ?? { ok: true, reason: "loadable", error: null },
    now: () => clock.t,
    ...(options.mustServe ? { mustServe: options.mustServe } : {}),
  });
  return { models, clock };
}

const found = (p: Promise<unknown>) =>
  p.then(
    () => true,
    (err: unknown) => {
      if (isModelgateError(err) && err.code === "model_not_found") return false;
      throw err;
    },
  );

describe("the registry cache, without Redis", () => {
  it("finds a model another process registered on the first request for it", async () => {
    const store = sharedStore(record("21"));
    const { models, clock } = service(store, {});
    expect(await found(models.get("21"))).toBe(true);
    store.add(record("30"));
    clock.t += 300; // past the 250 ms floor between misses
    expect(await found(models.get("30"))).toBe(true);
  });

  it("bounds what unknown ids cost: one registry read per 250 ms, however many", async () => {
    const store = sharedStore(record("21"));
    const { models, clock } = service(store, {});
    await models.get("21");
    const before = store.reads;
    // A thousand unknown ids over one second (within the registry's 2 s lifetime).
    for (let i = 0; i < 1_000; i++) {
      clock.t += 1;
      expect(await found(models.get(`nope-${i}`))).toBe(false);
    }
    expect(store.reads - before).toBeLessThanOrEqual(4);
  });

  it("serves a model another process removed until the 2 s registry lifetime ends", async () => {
    const store = sharedStore(record("21"), record("30"));
    const { models, clock } = service(store, {});
    expect(await found(models.get("30"))).toBe(true);
    store.remove("30");
    clock.t += 1_999;
    expect(await found(models.get("30"))).toBe(true); // nobody told this replica
    clock.t += 1;
    expect(await found(models.get("30"))).toBe(false);
  });

  it("forgets at once when told (the bus, or a change made through this process)", async () => {
    const store = sharedStore(record("21"), record("30"));
    const { models } = service(store, {});
    expect(await found(models.get("30"))).toBe(true);
    store.remove("30");
    await models.invalidate("30");
    expect(await found(models.get("30"))).toBe(false);
  });
});

describe("readiness checks", () => {
  const broken = (r: ModelRecord): SourceStatus =>
    r.id === "22"
      ? { ok: false, reason: "its folder /models/22 does not exist", error: null }
      : { ok: true, reason: "loadable", error: null };

  it("a failing model counts for readiness only when this replica must serve it", async () => {
    const store = sharedStore(record("21", true), record("22", false));
    const { models } = service(store, { source: broken });
    expect(await models.checks()).toEqual([
      { name: "model:21", ok: true, required: true, reason: expect.stringMatching(/^not loaded/) },
      {
        name: "model:22",
        ok: false,
        required: false,
        reason: "its folder /models/22 does not exist",
      },
    ]);
    store.add(record("22", true));
    const warm = await models.checks();
    expect(warm.find((c) => c.name === "model:22")).toMatchObject({ ok: false, required: true });
  });

  it("the replica decides what it must serve (start-up findings included)", async () => {
    const store = sharedStore(record("22", false));
    const { models } = service(store, { source: broken, mustServe: (r) => r.id === "22" });
    expect(await models.checks()).toEqual([
      expect.objectContaining({ name: "model:22", ok: false, required: true }),
    ]);
  });
});

describe("use: the model for an inference", () => {
  function serving(store: ReturnType<typeof sharedStore>, fails = false) {
    const clock = { t: 1_000_000 };
    const loaded = { spec: { version: "1" } } as LoadedModel;
    const cache = modelCache({
      load: async () => {
        if (fails) throw new ModelgateError("source_unsupported", "its file is not ONNX");
        return loaded;
      },
      now: () => clock.t,
    });
    const models = modelServiceFactory({
      models: store.repo,
      cache,
      checkSource: async () => ({ ok: true, reason: "loadable", error: null }),
      now: () => clock.t,
    });
    return { models, clock, loaded };
  }

  it("is the loaded model itself, not a promise, once it is loaded and its registration fresh", async () => {
    const store = sharedStore(record("21"));
    const { models, clock, loaded } = serving(store);
    const first = models.use("21");
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toBe(loaded);
    expect(models.use("21")).toBe(loaded);
    // Past the registry's lifetime the store is asked again: a model removed elsewhere goes.
    clock.t += 2_000;
    store.remove("21");
    await expect(Promise.resolve(models.use("21"))).rejects.toMatchObject({
      code: "model_not_found",
    });
  });

  it("refuses an unknown id and a model that failed to load, as load() does", async () => {
    const store = sharedStore(record("21"));
    expect(await found(Promise.resolve(serving(store).models.use("nope")))).toBe(false);
    const { models } = serving(store, true);
    const why = { code: "source_unsupported", detail: "its file is not ONNX" };
    await expect(models.load("21")).rejects.toMatchObject(why);
    // The failure is remembered for a while: then it is thrown at once.
    expect(() => models.use("21")).toThrow(expect.objectContaining(why));
  });
});
