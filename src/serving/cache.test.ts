import { describe, expect, it } from "vitest";
import { ModelgateError } from "../errors.js";
import type { ModelSpec } from "../spec/index.js";
import type { ModelRecord } from "../store/index.js";
import type { LoadedModel } from "./cache.js";
import { modelCache } from "./cache.js";

function record(updatedAt = new Date(1_000)): ModelRecord {
  return {
    id: "21",
    name: "m",
    version: "1",
    description: "",
    source: "builtin:x",
    spec: {} as ModelSpec,
    maxBatchSize: 8,
    cacheDurationS: null,
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
    const cache = modelCache({
      now: () => now,
      retryAfterMs: 5_000,
      load: async () => {
        loads++;
        throw new ModelgateError("source_not_found", "gone");
      },
    });
    await expect(cache.get(record())).rejects.toMatchObject({ code: "source_not_found" });
    expect(() => cache.get(record())).toThrow("gone");
    expect(loads).toBe(1);
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
});
