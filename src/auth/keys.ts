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

/** A key's SHA-256 both ways: bytes to compare with the stored hash, hex to remember it by. */
export interface KeyDigest {
  bytes: Buffer;
  hex: string;
}

export function keyDigest(key: string): KeyDigest {
  const bytes = hashKeyBytes(key);
  return { bytes, hex: bytes.toString("hex") };
}

/** Whether two texts are equal, in a time that depends on their length only. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

const LAST_DIGEST = Symbol("modelgate.lastKeyDigest");

/** A key is at most 136 characters; longer texts are left to the verifier, which refuses them unhashed. */
const MAX_DIGESTED_KEY = 256;

/**
 * The key's digest, hashed once per connection: a keep-alive client sends the same key on every
 * request, and SHA-256 through OpenSSL 3 costs ~1 µs a call (~5 % of a prediction). The
 * connection remembers the last key it sent and its digest; another key (a proxy's connection
 * carries many clients) is hashed and remembered in its place. The comparison takes the same time
 * whatever the texts hold, so a client sharing a proxy's connection learns nothing of the key
 * sent before its own. Undefined for a text too long to be a key.
 */
export function connectionKeyDigest(
  connection: object | null | undefined,
  key: string,
): KeyDigest | undefined {
  if (key.length > MAX_DIGESTED_KEY) return undefined;
  if (!connection) return keyDigest(key);
  const holder = connection as { [LAST_DIGEST]?: { key: string; digest: KeyDigest } };
  const last = holder[LAST_DIGEST];
  if (last !== undefined && sameText(last.key, key)) return last.digest;
  const digest = keyDigest(key);
  holder[LAST_DIGEST] = { key, digest };
  return digest;
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
