/**
 * Failed authentication, counted per client address: past AUTH_FAILED_ATTEMPTS_PER_MINUTE
 * invalid keys in a minute, an address is answered 429 auth_failures_limited — before any
 * verification — until its minute ends. Keys this replica verified recently still pass, so
 * clients sharing an address (a NAT, a proxy) with a prober are not locked out.
 *
 * Memory is bounded whatever the addresses: the table keeps at most `maxAddresses` (the
 * least recently failing are dropped first), IPv6 clients are counted per /64 (one host holds a
 * whole /64), and the remembered valid keys are hashes, bounded too.
 */
import { hashKey } from "./keys.js";

const WINDOW_MS = 60_000;
export const MAX_ADDRESSES = 50_000;
const MAX_RECENT_KEYS = 10_000;
const RECENT_KEY_MS = 10 * 60_000;

export interface FailureLimiter {
  /** Seconds this address must wait before its next unverified attempt; 0 when it may try. */
  blockedFor(address: string): number;
  /** Counts a failed attempt; the seconds to wait when it went over the limit, else 0. */
  fail(address: string): number;
  /** A key verified valid (`keyHash`: its hashKey, when known): it passes even from a blocked address, for a while. */
  succeeded(key: string, keyHash?: string): void;
  /** Whether `key` was verified valid recently. */
  recentlyValid(key: string, keyHash?: string): boolean;
  readonly perMinute: number;
  /** Addresses tracked now (tests check the bound). */
  size(): number;
}

export interface FailureLimiterOptions {
  perMinute: number;
  maxAddresses?: number;
  now?: () => number;
}

/** The part of an address one client controls: IPv4 as is, IPv6 by its /64. */
export function addressKey(ip: string): string {
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (v4mapped?.[1]) return v4mapped[1];
  if (!ip.includes(":")) return ip;
  const [head = "", tail = ""] = ip.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = ip.includes("::")
    ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

/** Insertion-ordered Map as an LRU: touching an entry moves it to the end. */
function touch<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
}

export function failureLimiter(options: FailureLimiterOptions): FailureLimiter {
  const now = options.now ?? Date.now;
  const maxAddresses = options.maxAddresses ?? MAX_ADDRESSES;
  const windows = new Map<string, { start: number; count: number }>();
  const recent = new Map<string, number>();

  function current(address: string) {
    const entry = windows.get(addressKey(address));
    return entry && now() - entry.start < WINDOW_MS ? entry : undefined;
  }
  const waitS = (start: number) => Math.max(1, Math.ceil((start + WINDOW_MS - now()) / 1000));

  return {
    perMinute: options.perMinute,
    blockedFor(address) {
      const entry = current(address);
      return entry && entry.count > options.perMinute ? waitS(entry.start) : 0;
    },
    fail(address) {
      const entry = current(address) ?? { start: now(), count: 0 };
      entry.count += 1;
      touch(windows, addressKey(address), entry, maxAddresses);
      return entry.count > options.perMinute ? waitS(entry.start) : 0;
    },
    succeeded(key, keyHash) {
      const hash = keyHash ?? hashKey(key);
      // Refreshed at most every half-lifetime: most valid requests leave the map alone.
      if ((recent.get(hash) ?? 0) > now() + RECENT_KEY_MS / 2) return;
      touch(recent, hash, now() + RECENT_KEY_MS, MAX_RECENT_KEYS);
    },
    recentlyValid(key, keyHash) {
      const until = recent.get(keyHash ?? hashKey(key));
      return until !== undefined && until > now();
    },
    size: () => windows.size,
  };
}
