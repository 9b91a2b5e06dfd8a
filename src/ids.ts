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

/**
 * A model id, the same everywhere it is accepted (a spec's `id`, `models register --id`, the
 * URL of every model route): 1–64 letters, digits, ".", "_" or "-", starting with a letter or
 * digit.
 */
export const MODEL_ID_MAX_LENGTH = 64;
export const MODEL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const MODEL_ID_RULE =
  '1–64 letters, digits, ".", "_" or "-", starting with a letter or digit';

/** Key ids in usage records: ours (`key_…`) or an external auth service's, up to this long. */
export const KEY_ID_MAX_LENGTH = 128;

export function isModelId(text: string): boolean {
  return MODEL_ID_PATTERN.test(text);
}
