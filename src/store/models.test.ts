import { describe, expect, it } from "vitest";
import { modelRepository } from "./models.js";
import { SPEC, testBackends, useStore } from "./test-support/backends.js";
import type { NewModel } from "./models.js";

const MODEL: NewModel = {
  id: "21",
  name: "Lead scoring",
  version: "1.0.0",
  description: "Scores sales leads",
  source: "hf://hokusai/lead-scoring@main",
  spec: SPEC,
  maxBatchSize: 8,
};

describe.each(testBackends())("modelRepository ($kind)", (backend) => {
  const store = useStore(backend);
  const repo = () => modelRepository(store().db);

  it("registers a model with defaults and reads it back", async () => {
    const created = await repo().upsert(MODEL);
    expect(created).toMatchObject({
      ...MODEL,
      cacheDurationS: null,
      warm: false,
      resolvedRevision: null,
      status: "registered",
    });
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(created.spec).toEqual(SPEC);
    expect(await repo().get("21")).toEqual(created);
    expect(await repo().get("404")).toBeNull();
  });

  it("lists models by id", async () => {
    await repo().upsert({ ...MODEL, id: "b" });
    await repo().upsert({ ...MODEL, id: "a", warm: true, cacheDurationS: 600 });
    const list = await repo().list();
    expect(list.map((m) => m.id)).toEqual(["a", "b"]);
    expect(list[0]).toMatchObject({ warm: true, cacheDurationS: 600 });
  });

  it("upsert updates in place and keeps the revision while the source stays", async () => {
    const first = await repo().upsert(MODEL);
    await repo().setResolvedRevision("21", "abc123");
    await repo().setStatus("21", "ready");
    const second = await repo().upsert({ ...MODEL, version: "1.1.0", maxBatchSize: 16 });
    expect(second).toMatchObject({ version: "1.1.0", maxBatchSize: 16 });
    expect(second).toMatchObject({ resolvedRevision: "abc123", status: "ready" });
    expect(second.createdAt).toEqual(first.createdAt);
    expect(second.updatedAt.getTime()).toBeGreaterThanOrEqual(first.updatedAt.getTime());
  });

  it("upsert from another source forgets the old revision and status", async () => {
    await repo().upsert(MODEL);
    await repo().setResolvedRevision("21", "abc123");
    await repo().setStatus("21", "ready");
    const moved = await repo().upsert({ ...MODEL, source: "/srv/models/lead-scoring" });
    expect(moved).toMatchObject({ resolvedRevision: null, status: "registered" });
  });

  it("a status change or a recorded revision leaves updatedAt alone", async () => {
    const created = await repo().upsert(MODEL);
    expect(await repo().setStatus("21", "failed")).toBe(true);
    expect((await repo().get("21"))?.updatedAt).toEqual(created.updatedAt);
    // now() is the transaction's start: step past the millisecond we registered in.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await repo().setResolvedRevision("21", "def456")).toBe(true);
    const revised = await repo().get("21");
    expect(revised?.resolvedRevision).toBe("def456");
    expect(revised?.updatedAt).toEqual(created.updatedAt);
  });

  it("setters and remove report whether the model exists", async () => {
    expect(await repo().setStatus("nope", "ready")).toBe(false);
    expect(await repo().setResolvedRevision("nope", "x")).toBe(false);
    expect(await repo().remove("nope")).toBe(false);
    await repo().upsert(MODEL);
    expect(await repo().remove("21")).toBe(true);
    expect(await repo().get("21")).toBeNull();
  });
});
