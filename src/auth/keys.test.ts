import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { connectionKeyDigest, generateKey, keyDigest } from "./keys.js";

const sha256 = (text: string) => createHash("sha256").update(text).digest();

describe("key digests", () => {
  it("are the key's SHA-256, as bytes and as hex", () => {
    const key = generateKey();
    const digest = keyDigest(key);
    expect(digest.bytes.equals(sha256(key))).toBe(true);
    expect(digest.hex).toBe(sha256(key).toString("hex"));
  });

  it("are hashed once per connection for the key it keeps sending", () => {
    const connection = {};
    const key = generateKey();
    const first = connectionKeyDigest(connection, key);
    // The same text arriving again as a new string (as each request's header does).
    expect(connectionKeyDigest(connection, `${key.slice(0, 10)}${key.slice(10)}`)).toBe(first);
  });

  it("follow the key: another key on the same connection gets its own digest, then the first again", () => {
    const connection = {};
    const key = generateKey();
    const other = key.slice(0, -1) + (key.endsWith("A") ? "B" : "A");
    const digests = [key, other, key, other].map((k) => connectionKeyDigest(connection, k));
    expect(digests.map((d) => d?.hex)).toEqual(
      [key, other, key, other].map((k) => sha256(k).toString("hex")),
    );
  });

  it("are not shared between connections", () => {
    const key = generateKey();
    const a = connectionKeyDigest({}, key);
    const b = connectionKeyDigest({}, key);
    expect(a).not.toBe(b);
    expect(a?.hex).toBe(b?.hex);
  });

  it("are not computed for a text too long to be a key, nor remembered", () => {
    const connection = {};
    expect(connectionKeyDigest(connection, `hk_live_${"A".repeat(300)}`)).toBeUndefined();
    expect(Object.getOwnPropertySymbols(connection)).toEqual([]);
  });
});
