import { describe, expect, it } from "vitest";
import { keyServiceFactory } from "../auth/service.js";
import { keyRepository, metaRepository, modelRepository } from "../store/index.js";
import { SPEC, postgresBackend, testBackends, useStore } from "../store/test-support/backends.js";
import { EXAMPLE_META_KEY, bootstrapAdminKey, ensureExampleModel } from "./bootstrap.js";

describe("bootstrapAdminKey on a shared database", () => {
  const store = useStore(postgresBackend());

  it("creates one admin key when replicas start together on an empty database", async () => {
    // Each "replica" has its own services over the same database.
    const replica = () =>
      bootstrapAdminKey(
        keyServiceFactory({ keys: keyRepository(store().db) }),
        metaRepository(store().db),
      );
    const created = await Promise.all([replica(), replica(), replica()]);
    expect(created.filter((c) => c !== null)).toHaveLength(1);
    const keys = await keyRepository(store().db).list();
    expect(keys.map((k) => k.scopes)).toEqual([["admin"]]);
    expect(await replica()).toBeNull();
  });
});

describe.each(testBackends())("ensureExampleModel ($kind)", (backend) => {
  const store = useStore(backend);
  const ensure = () => ensureExampleModel(store().db);
  const ids = async () => (await modelRepository(store().db).list()).map((m) => m.id);

  it("registers model 21 on a new store once, and records the decision in meta", async () => {
    expect(await ensure()).toBe("registered");
    const model = await modelRepository(store().db).get("21");
    expect(model).toMatchObject({ source: "builtin:lead-scoring", warm: true });
    expect(await metaRepository(store().db).get(EXAMPLE_META_KEY)).toMatchObject({
      state: "registered",
    });
    expect(await ensure()).toBe("already_decided");
    expect(await ids()).toEqual(["21"]);
  });

  it("never re-adds a removed model 21, nor overwrites one registered over it", async () => {
    await ensure();
    await modelRepository(store().db).remove("21");
    expect(await ensure()).toBe("already_decided");
    expect(await ids()).toEqual([]);
    await modelRepository(store().db).upsert({
      id: "21",
      name: "mine",
      version: "2",
      description: "",
      source: "hf://acme/mine",
      spec: SPEC,
      maxBatchSize: 8,
    });
    await ensure();
    expect(await modelRepository(store().db).get("21")).toMatchObject({ source: "hf://acme/mine" });
  });

  it("keeps a store that had models before the marker as it is (21 may have been removed there)", async () => {
    await modelRepository(store().db).upsert({
      id: "30",
      name: "other",
      version: "1",
      description: "",
      source: "./elsewhere",
      spec: SPEC,
      maxBatchSize: 8,
    });
    expect(await ensure()).toBe("kept");
    expect(await ids()).toEqual(["30"]);
    expect(await metaRepository(store().db).get(EXAMPLE_META_KEY)).toMatchObject({
      state: "not_registered",
    });
    expect(await ensure()).toBe("already_decided");
  });

  it("registers once when several processes open a new store together", async () => {
    const outcomes = await Promise.all([ensure(), ensure(), ensure()]);
    expect(outcomes.filter((o) => o === "registered")).toHaveLength(1);
    expect(await ids()).toEqual(["21"]);
  });
});
