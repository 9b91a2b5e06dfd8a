import { describe, expect, it } from "vitest";
import { keyServiceFactory } from "../auth/service.js";
import { keyRepository, metaRepository } from "../store/index.js";
import { postgresBackend, useStore } from "../store/test-support/backends.js";
import { bootstrapAdminKey } from "./bootstrap.js";

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
