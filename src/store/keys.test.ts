import { describe, expect, it } from "vitest";
import { isModelgateError } from "../errors.js";
import { keyRepository } from "./keys.js";
import { testBackends, useStore } from "./test-support/backends.js";
import type { NewKey } from "./keys.js";

// Millisecond precision on purpose: timestamptz keeps microseconds, Date keeps milliseconds.
const CREATED = new Date("2025-03-04T05:06:07.891Z");

function newKey(n: number, extra: Partial<NewKey> = {}): NewKey {
  return {
    id: `key_${n}`,
    name: `key ${n}`,
    userId: "user_1",
    prefix: `mg_pre${n}`,
    hash: "ab".repeat(32),
    scopes: ["predict", "models:read"],
    modelIds: null,
    expiresAt: null,
    rateLimitPerHour: null,
    createdAt: new Date(CREATED.getTime() + n),
    ...extra,
  };
}

describe.each(testBackends())("keyRepository ($kind)", (backend) => {
  const store = useStore(backend);
  const repo = () => keyRepository(store().db);

  it("inserts and finds a key by prefix with its hash, by id without", async () => {
    const expires = new Date("2030-01-01T00:00:00.123Z");
    const input = newKey(1, { modelIds: ["21", "with,comma"], expiresAt: expires });
    const record = await repo().insert({ ...input, rateLimitPerHour: 100 });
    expect(record).not.toHaveProperty("hash");
    expect(record).toMatchObject({ id: "key_1", userId: "user_1", rateLimitPerHour: 100 });
    expect(record.modelIds).toEqual(["21", "with,comma"]);
    expect(record.scopes).toEqual(["predict", "models:read"]);

    const stored = await repo().findByPrefix("mg_pre1");
    expect(stored?.hash).toBe(input.hash);
    expect(stored?.expiresAt).toEqual(expires);
    expect(await repo().findByPrefix("mg_nope")).toBeNull();

    const byId = await repo().getById("key_1");
    expect(byId).toEqual(record);
    expect(byId).not.toHaveProperty("hash");
    expect(await repo().getById("key_404")).toBeNull();
  });

  it("round-trips timestamps as Date, to the millisecond", async () => {
    await repo().insert(newKey(1));
    const record = await repo().getById("key_1");
    expect(record?.createdAt).toBeInstanceOf(Date);
    expect(record?.createdAt.toISOString()).toBe(new Date(CREATED.getTime() + 1).toISOString());
    expect(record?.expiresAt).toBeNull();
  });

  it("refuses a taken prefix with conflict", async () => {
    await repo().insert(newKey(1));
    const error = await repo()
      .insert(newKey(2, { prefix: "mg_pre1" }))
      .catch((err: unknown) => err);
    expect(isModelgateError(error) && error.code).toBe("conflict");
  });

  it("lists keys oldest first and never exposes a hash", async () => {
    await repo().insert(newKey(2));
    await repo().insert(newKey(1));
    const list = await repo().list();
    expect(list.map((k) => k.id)).toEqual(["key_1", "key_2"]);
    for (const key of list) expect(key).not.toHaveProperty("hash");
    expect(JSON.stringify(list)).not.toContain("abab");
    expect(await repo().count()).toBe(2);
  });

  it("revoke is idempotent: the first time stays", async () => {
    await repo().insert(newKey(1));
    const first = new Date("2025-06-01T00:00:00.000Z");
    const revoked = await repo().revoke("key_1", first);
    expect(revoked?.revokedAt).toEqual(first);
    expect(revoked).not.toHaveProperty("hash");
    const again = await repo().revoke("key_1", new Date("2025-07-01T00:00:00.000Z"));
    expect(again?.revokedAt).toEqual(first);
    expect(await repo().revoke("key_404", first)).toBeNull();
  });

  it("touches many keys in one call and never moves last use back", async () => {
    await repo().insert(newKey(1));
    await repo().insert(newKey(2));
    await repo().insert(newKey(3));
    const later = new Date("2025-05-05T10:00:00.500Z");
    const earlier = new Date("2025-05-05T09:00:00.000Z");
    await repo().touchLastUsed(["key_1", "key_2", "key_1"], later);
    await repo().touchLastUsed(["key_1"], earlier);
    await repo().touchLastUsed([], later);
    const byId = new Map((await repo().list()).map((k) => [k.id, k.lastUsedAt]));
    expect(byId.get("key_1")).toEqual(later);
    expect(byId.get("key_2")).toEqual(later);
    expect(byId.get("key_3")).toBeNull();
  });
});
