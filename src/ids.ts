import { randomFillSync } from "node:crypto";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * Random bytes drawn from a pooled buffer: one CSPRNG call per 4 KiB instead of one per id,
 * which mattered on the request path (a request id per request). Still the CSPRNG's bytes.
 */
const pool = Buffer.alloc(4096);
let offset = pool.length;

function nextByte(): number {
  if (offset >= pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  return pool[offset++] ?? 0;
}

/**
 * Uniform random base62 text. Rejection sampling keeps every character equally likely
 * (a plain `byte % 62` would favour the first eight characters).
 */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    const byte = nextByte();
    if (byte < 248) out += BASE62.charAt(byte % 62);
  }
  return out;
}

/** Prefixed ids (`key_…`, `req_…`) read well in logs and cannot be confused with one another. */
export function newId(prefix: "key" | "req" | "mdl"): string {
  return `${prefix}_${randomBase62(prefix === "req" ? 16 : 20)}`;
}
