import { describe, expect, it } from "vitest";
import { ModelgateError } from "../errors.js";
import type { SourceRequirements } from "../sources/index.js";
import type { ModelRecord } from "../store/index.js";
import type { ModelState, SlotState } from "./cache.js";
import { requirementStatus } from "./requirement-status.js";

function record(id: string, source: string): ModelRecord {
  return { id, source } as ModelRecord;
}

function state(s: SlotState, lastCode?: string): ModelState {
  return {
    state: s,
    loadedAt: null,
    loadMs: null,
    revision: null,
    sizeBytes: null,
    lastUsedAt: null,
    refreshAt: null,
    refreshError: null,
    lastError: lastCode ? { code: lastCode, detail: "", at: new Date(0) } : null,
  };
}

const TOKEN = "HUGGINGFACE_API_KEY";
const needsToken = (met: boolean): SourceRequirements => ({
  requirements: [{ variable: TOKEN, reason: "private", met, problem: met ? null : "not set" }],
  visibility: "private",
  cachedRevision: null,
});
const needsNothing: SourceRequirements = {
  requirements: [],
  visibility: "public",
  cachedRevision: null,
};

interface Case {
  records: ModelRecord[];
  states?: Record<string, ModelState>;
  checks?: Record<string, { ok: boolean; error: ModelgateError | null }>;
  needs?: Record<string, SourceRequirements>;
}

function run(c: Case) {
  return requirementStatus({
    models: {
      list: async () => c.records,
      state: (id) => c.states?.[id] ?? state("not_loaded"),
      sourceProblem: async (r) => c.checks?.[r.id] ?? { ok: true, error: null },
    },
    requirementsOf: async (r) => c.needs?.[r.id] ?? needsNothing,
  });
}

const missing = new ModelgateError("source_credentials_missing", "HUGGINGFACE_API_KEY is not set");

describe("requirementStatus", () => {
  it("the incident: a private Hub model without the token is unmet", async () => {
    const status = await run({
      records: [record("21", "hf://acme/lead-scoring")],
      checks: { "21": { ok: false, error: missing } },
      needs: { "21": needsToken(false) },
    });
    expect(status).toEqual([{ model: "21", variable: TOKEN, unmet: true }]);
  });

  it("names the variable even when the Hub's answer about the repository is not known yet", async () => {
    // The start-up probe found the token missing before the repository's visibility was known.
    const status = await run({
      records: [record("21", "hf://acme/lead-scoring")],
      checks: { "21": { ok: false, error: missing } },
    });
    expect(status).toEqual([{ model: "21", variable: TOKEN, unmet: true }]);
  });

  it("is met (0) once the token is set, and for a loaded model", async () => {
    const status = await run({
      records: [record("21", "hf://acme/a"), record("22", "hf://acme/b")],
      states: { "22": state("ready") },
      needs: { "21": needsToken(true), "22": needsToken(true) },
    });
    expect(status).toEqual([
      { model: "21", variable: TOKEN, unmet: false },
      { model: "22", variable: TOKEN, unmet: false },
    ]);
  });

  it("a token the Hub rejected, seen by a failed load, is unmet", async () => {
    const status = await run({
      records: [record("21", "hf://acme/a")],
      states: { "21": state("failed", "source_unauthorized") },
      needs: { "21": needsToken(true) },
    });
    expect(status).toEqual([{ model: "21", variable: TOKEN, unmet: true }]);
  });

  it("a source that is down is not a setting problem", async () => {
    const down = new ModelgateError("source_unreachable", "the Hub did not answer");
    const status = await run({
      records: [record("21", "hf://acme/a"), record("7", "https://models.example/x.tar.gz")],
      checks: { "21": { ok: false, error: down } },
      states: { "7": state("failed", "source_unauthorized") },
      needs: { "21": needsToken(true) },
    });
    // Model 7's source has no variable to name: no series rather than a guess.
    expect(status).toEqual([{ model: "21", variable: TOKEN, unmet: false }]);
  });

  it("a model that needs no setting has no series", async () => {
    expect(await run({ records: [record("1", "builtin:lead-scoring")] })).toEqual([]);
  });
});
