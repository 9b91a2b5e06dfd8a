import { randomBytes } from "node:crypto";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * Uniform random base62 text from the CSPRNG. Rejection sampling keeps every character equally
 * likely (a plain `byte % 62` would favour the first eight characters).
 */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += BASE62.charAt(byte % 62);
      if (out.length === length) break;
    }
  }
  return out;
}

/** Prefixed ids (`key_…`, `req_…`) read well in logs and cannot be confused with one another. */
export function newId(prefix: "key" | "req" | "mdl"): string {
  return `${prefix}_${randomBase62(prefix === "req" ? 16 : 20)}`;
}
