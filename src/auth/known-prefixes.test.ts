/**
 * Unknown keys are cheap: a flood of well-formed keys nobody issued is answered without a store
 * round trip each, against the real embedded store (its repository wrapped to count queries).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../store/index.js";
import { keyRepository, openStore } from "../store/index.js";
import { generateKey } from "./keys.js";
import { knownPrefixes } from "./known-prefixes.js";
import { keyServiceFactory } from "./service.js";

let store: Store;
let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "mg-known-"));
  store = await openStore({ dataDir });
});
afterAll(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The real key repository, counting the queries that reach the store. */
function countedKeys() {
  const repo = keyRepository(store.db);
  const counts = { findByPrefix: 0, list: 0 };
  return {
    counts,
    keys: {
      ...repo,
      findByPrefix: (prefix: string) => {
        counts.findByPrefix += 1;
        return repo.findByPrefix(prefix);
      },
      list: () => {
        counts.list += 1;
        return repo.list();
      },
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("unknown keys never cost a store lookup each", () => {
  it("a flood of 2,000 unknown well-formed keys costs one store query, real keys still pass", async () => {
    const { counts, keys } = countedKeys();
    const service = keyServiceFactory({ keys, cacheTtlMs: 60_000 });
    const { key } = await service.create({ name: "real" });
    const flood = Array.from({ length: 2_000 }, () => generateKey());
    const answers = await Promise.all(flood.map((k) => service.verify(k)));
    expect(answers.every((a) => !a.valid && a.code === "api_key_invalid")).toBe(true);
    expect(counts).toEqual({ findByPrefix: 0, list: 1 });
    expect((await service.verify(key)).valid).toBe(true);
    expect(counts.findByPrefix).toBe(1);
    // The flood did not push the real key out of the cache.
    await Promise.all(Array.from({ length: 2_000 }, () => service.verify(generateKey())));
    expect((await service.verify(key)).valid).toBe(true);
    expect(counts).toEqual({ findByPrefix: 1, list: 1 });
  });

  it("a key created on another replica passes here after the cache lifetime, or at once with the bus", async () => {
    const here = countedKeys();
    const replica = keyServiceFactory({ keys: here.keys, cacheTtlMs: 300 });
    const other = keyServiceFactory({ keys: keyRepository(store.db), cacheTtlMs: 300 });
    await replica.verify(generateKey()); // the snapshot is loaded now
    const { key } = await other.create({ name: "made elsewhere" }); // no bus message reaches us
    await sleep(350);
    expect((await replica.verify(key)).valid).toBe(true);
    // With the bus: the invalidation makes it valid at once.
    const { key: second } = await other.create({ name: "announced" });
    replica.invalidate();
    expect((await replica.verify(second)).valid).toBe(true);
  });

  it("a store query that started before an invalidation does not count as fresh", async () => {
    let release: () => void = () => undefined;
    const rows: { prefix: string }[] = [];
    let queries = 0;
    const known = knownPrefixes({
      ttlMs: 60_000,
      list: async () => {
        queries += 1;
        const snapshot = [...rows];
        if (queries === 1) await new Promise<void>((resolve) => (release = resolve));
        return snapshot;
      },
    });
    const first = known.mayExist("hk_live_AAAAAAAA");
    rows.push({ prefix: "hk_live_BBBBBBBB" }); // created meanwhile, announced on the bus
    known.invalidate();
    release();
    expect(await first).toBe(true); // not sure: asks the store
    expect(await known.mayExist("hk_live_BBBBBBBB")).toBe(true);
    expect(await known.mayExist("hk_live_CCCCCCCC")).toBe(false);
    expect(queries).toBe(2);
  });

  it("with a zero cache lifetime every unknown key asks the store (the filter is off)", async () => {
    const { counts, keys } = countedKeys();
    const service = keyServiceFactory({ keys, cacheTtlMs: 0 });
    await service.verify(generateKey());
    await service.verify(generateKey());
    expect(counts).toEqual({ findByPrefix: 2, list: 0 });
  });
});
