import { describe, expect, it } from "vitest";
import { ModelgateError } from "../errors.js";
import type { ModelSpec } from "../spec/index.js";
import type { ModelRecord } from "../store/index.js";
import type { LoadedModel } from "./cache.js";
import { modelCache } from "./cache.js";

function record(
  updatedAt = new Date(1_000),
  id = "21",
  cacheDurationS: number | null = null,
): ModelRecord {
  return {
    id,
    name: "m",
    version: "1",
    description: "",
    source: "builtin:x",
    spec: {} as ModelSpec,
    maxBatchSize: 8,
    cacheDurationS,
    warm: false,
    resolvedRevision: null,
    status: "registered",
    createdAt: new Date(0),
    updatedAt,
  };
}

function fakeModel(closed: string[], tag: string): LoadedModel {
  return {
    spec: {} as ModelSpec,
    revision: tag,
    inferenceMethod: "local",
    sizeBytes: 100,
    refreshError: null,
    validate: () => [],
    predict: async () => [],
    close: async () => {
      closed.push(tag);
    },
  };
}

describe("modelCache", () => {
  it("loads once for a hundred concurrent first requests", async () => {
    let loads = 0;
    const cache = modelCache({
      load: async () => {
        loads++;
        await new Promise((r) => setTimeout(r, 20));
        return fakeModel([], "a");
      },
    });
    const results = await Promise.all(Array.from({ length: 100 }, () => cache.get(record())));
    expect(loads).toBe(1);
    expect(new Set(results).size).toBe(1);
    expect(cache.state("21")).toMatchObject({ state: "ready", revision: "a" });
  });

  it("remembers a failure for a while instead of retrying on every request", async () => {
    let now = 0;
    let loads = 0;
    const logged: string[] = [];
    const cache = modelCache({
      now: () => now,
      retryAfterMs: 5_000,
      load: async () => {
        loads++;
        throw new ModelgateError("source_not_found", "gone");
      },
      // Logged by `serve`: a cold model that fails is in the logs, once per attempt.
      onLoadFailed: (id, error) => logged.push(`${id}: ${error.code}`),
    });
    await expect(cache.get(record())).rejects.toMatchObject({ code: "source_not_found" });
    expect(() => cache.get(record())).toThrow("gone");
    expect(loads).toBe(1);
    expect(logged).toEqual(["21: source_not_found"]);
    expect(cache.state("21")).toMatchObject({
      state: "failed",
      lastError: { code: "source_not_found", detail: "gone" },
    });
    now = 6_000;
    await expect(cache.get(record())).rejects.toMatchObject({ code: "source_not_found" });
    expect(loads).toBe(2);
  });

  it("turns a broken spec into model_invalid and an unexpected error into model_unavailable, never a 500", async () => {
    const broken = modelCache({
      load: async () => {
        throw new ModelgateError("spec_invalid", "modelgate.json: features[0].kind: unknown");
      },
    });
    await expect(broken.get(record())).rejects.toMatchObject({
      code: "model_invalid",
      status: 503,
      message: "Model 21 cannot be served: modelgate.json: features[0].kind: unknown",
    });
    const crashing = modelCache({
      load: async () => {
        throw new TypeError("x is undefined");
      },
    });
    await expect(crashing.get(record())).rejects.toMatchObject({
      code: "model_unavailable",
      status: 503,
    });
  });

  it("reloads when the registration changed, closing the old model", async () => {
    const closed: string[] = [];
    let n = 0;
    const cache = modelCache({ load: async () => fakeModel(closed, `v${++n}`) });
    const first = await cache.get(record(new Date(1)));
    const second = await cache.get(record(new Date(2)));
    expect(first.revision).toBe("v1");
    expect(second.revision).toBe("v2");
    expect(closed).toEqual(["v1"]);
  });

  it("past cache_duration, reloads in the background while the loaded copy keeps answering", async () => {
    let now = 0;
    const closed: string[] = [];
    let n = 0;
    let fail = false;
    const cache = modelCache({
      now: () => now,
      load: async () => {
        if (fail) throw new ModelgateError("source_unreachable", "hub down");
        return fakeModel(closed, `v${++n}`);
      },
    });
    const rec = record(new Date(1), "21", 60);
    expect((await cache.get(rec)).revision).toBe("v1");
    now = 30_000;
    expect((await cache.get(rec)).revision).toBe("v1");
    now = 61_000;
    // Expired: this request is still answered by v1, and v2 loads behind it.
    expect((await cache.get(rec)).revision).toBe("v1");
    await new Promise((r) => setTimeout(r, 0));
    expect((await cache.get(rec)).revision).toBe("v2");
    expect(closed).toEqual(["v1"]);
    // A failed refresh keeps the loaded copy and reports the failure.
    now = 200_000;
    fail = true;
    expect((await cache.get(rec)).revision).toBe("v2");
    await new Promise((r) => setTimeout(r, 0));
    expect((await cache.get(rec)).revision).toBe("v2");
    expect(cache.state("21", rec)).toMatchObject({
      state: "ready",
      lastError: { code: "source_unreachable" },
    });
  });

  it("evicts the least recently used models beyond the memory budget", async () => {
    let now = 0;
    const closed: string[] = [];
    const evicted: string[] = [];
    const cache = modelCache({
      now: () => now,
      maxBytes: 250,
      onEvict: (id) => evicted.push(id),
      load: async (r) => fakeModel(closed, r.id),
    });
    await cache.get(record(new Date(1), "a"));
    now = 1;
    await cache.get(record(new Date(1), "b"));
    now = 2;
    await cache.get(record(new Date(1), "a"));
    now = 3;
    await cache.get(record(new Date(1), "c"));
    expect(evicted).toEqual(["b"]);
    expect(closed).toEqual(["b"]);
    expect(cache.state("a").state).toBe("ready");
    expect(cache.state("b").state).toBe("not_loaded");
    expect(cache.state("c").state).toBe("ready");
  });
});
