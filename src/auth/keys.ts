import { hash, timingSafeEqual } from "node:crypto";
import { randomBase62 } from "../ids.js";

/** Keys look like `hk_live_<40 base62>`: ~238 bits of randomness, as the seeds' clients expect. */
export const KEY_PREFIX = "hk_live_";
const RANDOM_LENGTH = 40;
/** How much of the key is stored in clear for lookup: the fixed prefix plus 8 random characters. */
const LOOKUP_LENGTH = KEY_PREFIX.length + 8;
const KEY_PATTERN = /^hk_live_[0-9A-Za-z]{32,128}$/;

export function generateKey(): string {
  return KEY_PREFIX + randomBase62(RANDOM_LENGTH);
}

/** Whether the text can be a modelgate key at all (cheap check before touching the store). */
export function looksLikeKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

export function lookupPrefix(key: string): string {
  return key.slice(0, LOOKUP_LENGTH);
}

/**
 * SHA-256 is the right hash here (as unkey and GitHub tokens do): the key has far too much
 * entropy to brute-force, and verification sits on the hot path, so a slow KDF buys nothing.
 */
export function hashKey(key: string): string {
  return hash("sha256", key, "hex");
}

/**
 * The same SHA-256 as raw bytes: what the hot path compares, with no hex text to decode. One
 * call (crypto.hash), not a Hash object a request: a third of the cost for a key this short.
 */
export function hashKeyBytes(key: string): Buffer {
  return hash("sha256", key, "buffer");
}

/** Constant-time comparison of two hashes as bytes. */
export function hashBytesEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Constant-time comparison of two hex hashes. */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && timingSafeEqual(left, right);
}
