import { describe, expect, it } from "vitest";
import { metaRepository } from "./meta.js";
import { testBackends, useStore } from "./test-support/backends.js";

describe.each(testBackends())("metaRepository ($kind)", (backend) => {
  const store = useStore(backend);
  const repo = () => metaRepository(store().db);

  it("returns undefined for a key never set", async () => {
    expect(await repo().get("bootstrap_admin_key")).toBeUndefined();
  });

  it("stores any JSON value, arrays and null included, and overwrites", async () => {
    const values = [true, 42, "text", null, [1, "two"], { created: "2025-01-01", ids: ["a"] }];
    for (const value of values) {
      await repo().set("k", value);
      expect(await repo().get("k")).toEqual(value);
    }
  });

  it("keeps keys apart", async () => {
    await repo().set("a", 1);
    await repo().set("b", 2);
    expect(await repo().get("a")).toBe(1);
    expect(await repo().get("b")).toBe(2);
  });

  it("claim sets a key once: of concurrent claimers exactly one wins", async () => {
    const results = await Promise.all([1, 2, 3, 4].map((n) => repo().claim("boot", { n })));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await repo().claim("boot", { n: 5 })).toBe(false);
    const winner = results.indexOf(true) + 1;
    expect(await repo().get("boot")).toEqual({ n: winner });
  });
});
