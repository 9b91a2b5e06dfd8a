import { describe, expect, it } from "vitest";
import type { ModelSpec } from "../../spec/index.js";
import { SPEC } from "../../store/test-support/backends.js";
import { inferenceMethodsOf, isHubSource, modelTypeOf, storageOf } from "./seeds-fields.js";

const REMOTE: ModelSpec = {
  ...SPEC,
  runtime: {
    type: "remote",
    url: "https://upstream.example/infer",
    auth: "none",
    timeout_ms: 1000,
  },
};

describe("the seeds' fields", () => {
  it("storage: the seeds' words for where the package comes from", () => {
    expect(storageOf("hf://acme/lead@v1", "private")).toBe("huggingface_private");
    expect(storageOf("hf://acme/lead", "public")).toBe("huggingface");
    expect(storageOf("hf://acme/lead", "unknown")).toBe("huggingface");
    expect(storageOf("builtin:lead-scoring", "unknown")).toBe("local");
    expect(storageOf("/srv/models/churn", "unknown")).toBe("local");
    expect(storageOf("https://models.example/churn.tar.gz", "unknown")).toBe("http");
    expect(storageOf("ftp://nowhere", "unknown")).toBe("unknown");
    expect(isHubSource("hf://acme/lead")).toBe(true);
    expect(isHubSource("builtin:lead-scoring")).toBe(false);
  });

  it("type and inference_methods: how the model runs, local or through an upstream (api)", () => {
    expect(modelTypeOf(SPEC)).toBe("onnx");
    expect(inferenceMethodsOf(SPEC)).toEqual(["local"]);
    expect(modelTypeOf(REMOTE)).toBe("remote");
    expect(inferenceMethodsOf(REMOTE)).toEqual(["api"]);
    expect(modelTypeOf(null)).toBe("unknown");
    expect(inferenceMethodsOf(null)).toEqual([]);
  });
});
