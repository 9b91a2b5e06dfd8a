import { describe, expect, it } from "vitest";
import type { KeyRecord, NewKey, StoredKey } from "../store/index.js";
import { hashKey } from "./keys.js";
import { keyServiceFactory } from "./service.js";

/** A small in-memory stand-in for the key repository, counting store reads. */
function fakeKeys() {
  const rows = new Map<string, StoredKey>();
  const strip = ({ hash: _hash, ...record }: StoredKey): KeyRecord => record;
  const repo = {
    reads: 0,
    touched: [] as string[][],
    rows,
    async insert(key: NewKey) {
      const row: StoredKey = {
        ...key,
        revokedAt: null,
        lastUsedAt: null,
        createdAt: key.createdAt ?? new Date(),
      };
      rows.set(row.id, row);
      return strip(row);
    },
    async findByPrefix(prefix: string) {
      repo.reads += 1;
      return [...rows.values()].find((r) => r.prefix === prefix) ?? null;
    },
    async getById(id: string) {
      const row = rows.get(id);
      return row ? strip(row) : null;
    },
    async list() {
      return [...rows.values()].map(strip);
    },
    async revoke(id: string, at: Date) {
      const row = rows.get(id);
      if (!row) return null;
      row.revokedAt ??= at;
      return strip(row);
    },
    async touchLastUsed(ids: string[]) {
      repo.touched.push(ids);
    },
  };
  return repo;
}

describe("keyServiceFactory", () => {
  it("stores only a hash and a lookup prefix; the key is returned once", async () => {
    const repo = fakeKeys();
    const keys = keyServiceFactory({ keys: repo });
    const { key, record } = await keys.create({ name: "a" });
    expect(key).toMatch(/^hk_live_[0-9A-Za-z]{40}$/);
    const row = repo.rows.get(record.id);
    expect(row?.hash).toBe(hashKey(key));
    expect(row?.prefix).toBe(key.slice(0, 16));
    expect(JSON.stringify(row)).not.toContain(key);
    expect(record).not.toHaveProperty("hash");
    expect(record.scopes).toEqual(["predict", "models:read"]);
  });

  it("verifies a key and caches the lookup; a wrong key with the same prefix is refused", async () => {
    const repo = fakeKeys();
    const keys = keyServiceFactory({ keys: repo, cacheTtlMs: 60_000 });
    const { key } = await keys.create({ name: "a", userId: "u1" });
    const first = await keys.verify(key);
    expect(first).toMatchObject({ valid: true, principal: { userId: "u1" } });
    expect(first.valid && "hash" in first.record).toBe(false);
    await keys.verify(key);
    expect(repo.reads).toBe(1);
    const forged = key.slice(0, 16) + "A".repeat(32);
    expect(await keys.verify(forged)).toEqual({ valid: false, code: "api_key_invalid" });
  });

  it("a revoke through the service applies at once, despite the cache", async () => {
    const repo = fakeKeys();
    const keys = keyServiceFactory({ keys: repo, cacheTtlMs: 60_000 });
    const { key, record } = await keys.create({ name: "a" });
    expect((await keys.verify(key)).valid).toBe(true);
    await keys.revoke(record.id);
    expect(await keys.verify(key)).toEqual({ valid: false, code: "api_key_revoked" });
  });

  it("a revoke made elsewhere is seen once the cache entry expires", async () => {
    const repo = fakeKeys();
    const keys = keyServiceFactory({ keys: repo, cacheTtlMs: 30 });
    const { key, record } = await keys.create({ name: "a" });
    expect((await keys.verify(key)).valid).toBe(true);
    await repo.revoke(record.id, new Date());
    await new Promise((r) => setTimeout(r, 40));
    expect(await keys.verify(key)).toEqual({ valid: false, code: "api_key_revoked" });
  });

  it("expiry is judged on every request, not when cached", async () => {
    let now = new Date("2030-01-01T00:00:00Z");
    const keys = keyServiceFactory({ keys: fakeKeys(), clock: () => now, cacheTtlMs: 60_000 });
    const { key } = await keys.create({ name: "a", expiresAt: new Date("2030-01-02T00:00:00Z") });
    expect((await keys.verify(key)).valid).toBe(true);
    now = new Date("2030-01-02T00:00:01Z");
    expect(await keys.verify(key)).toEqual({ valid: false, code: "api_key_expired" });
  });

  it("refuses bad input with every problem named", async () => {
    const keys = keyServiceFactory({ keys: fakeKeys() });
    await expect(
      keys.create({ name: " ", scopes: ["predict", "root"], expiresAt: new Date(0) }),
    ).rejects.toMatchObject({
      code: "invalid_request",
      errors: [
        { field: "name", problem: "must not be empty" },
        { field: "scopes", problem: expect.stringContaining('"root"') },
        { field: "expires", problem: "must be in the future" },
      ],
    });
  });

  it("gathers last-used times and writes them in one call", async () => {
    const repo = fakeKeys();
    const keys = keyServiceFactory({ keys: repo });
    const a = await keys.create({ name: "a" });
    const b = await keys.create({ name: "b" });
    for (let i = 0; i < 5; i++) {
      await keys.verify(a.key);
      await keys.verify(b.key);
    }
    await keys.flushLastUsed();
    await keys.flushLastUsed();
    expect(repo.touched).toEqual([[a.record.id, b.record.id]]);
  });
});
