import { describe, expect, it } from "vitest";
import { ModelgateError } from "../errors.js";
import type { SourceCheck } from "../sources/index.js";
import { withStartupFindings } from "./requirements.js";

const rejected = new ModelgateError(
  "source_unauthorized",
  "The Hugging Face Hub rejected HUGGINGFACE_API_KEY (HTTP 401) for model 21's repository acme/x.",
);
const loadsLater: SourceCheck = {
  ok: true,
  fromCache: false,
  reason: "not downloaded yet: fetched from https://huggingface.co on first request",
  error: null,
};
const cached: SourceCheck = {
  ok: true,
  fromCache: true,
  reason: "a verified copy (commit abc) is in the disk cache; loads on first request",
  error: null,
};

describe("withStartupFindings", () => {
  const blocking = withStartupFindings({
    blocking: [{ modelId: "21", source: "hf://acme/x", error: rejected, cachedRevision: null }],
    degraded: [],
  });

  it("turns 'loads on first request' into the failure the start-up probe found", () => {
    expect(blocking({ id: "21", source: "hf://acme/x" }, loadsLater)).toEqual({
      ok: false,
      fromCache: false,
      reason: `${rejected.detail} (found when the service started)`,
      error: rejected,
    });
  });

  it("leaves other models, a re-registered source and checks that already fail alone", () => {
    expect(blocking({ id: "22", source: "hf://acme/x" }, loadsLater)).toBe(loadsLater);
    expect(blocking({ id: "21", source: "hf://acme/y" }, loadsLater)).toBe(loadsLater);
    const failing = { ...loadsLater, ok: false, reason: "HUGGINGFACE_API_KEY is not set; …" };
    expect(blocking({ id: "21", source: "hf://acme/x" }, failing)).toBe(failing);
  });

  it("says why a copy served from the disk cache cannot be refreshed", () => {
    const degraded = withStartupFindings({
      blocking: [],
      degraded: [{ modelId: "21", source: "hf://acme/x", error: rejected, cachedRevision: "abc" }],
    });
    const check = degraded({ id: "21", source: "hf://acme/x" }, cached);
    expect(check).toMatchObject({ ok: true, fromCache: true, error: rejected });
    expect(check.reason).toBe(
      `${cached.reason}; refresh impossible (found when the service started): ${rejected.detail}`,
    );
  });
});
