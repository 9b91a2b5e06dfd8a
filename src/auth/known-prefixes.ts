/**
 * Which key prefixes exist, so an unknown key is refused without asking the store: a flood of
 * well-formed random keys (each a new prefix, so a per-prefix cache never hits) once cost one
 * store lookup each, and cut real traffic from 3,400 to 400 req/s.
 *
 * The set is a snapshot of the store's prefixes. Keys are never deleted, so a prefix in the set
 * exists for good; a prefix missing from it is refused only while the snapshot is younger than
 * the key cache's lifetime (AUTH_CACHE_TTL_MS). Past that, the first unknown prefix reloads it —
 * one store query per lifetime however many unknown keys arrive, shared by all of them — so a key
 * created on another replica is refused here for at most that lifetime, even when the
 * invalidation bus is down. A bus message (or a key created here) marks the snapshot stale at
 * once, and a load already running when it arrives does not count as fresh.
 */
import type { KeyRecord } from "../store/index.js";

/** Past this many keys the snapshot costs too much to reload: every unknown key asks the store. */
export const MAX_SNAPSHOT_KEYS = 200_000;
/** How long to rely on the store alone once it held too many keys, before counting again. */
const TOO_MANY_RECHECK_MS = 10 * 60 * 1000;

export interface KnownPrefixes {
  /** false: no key has this prefix (answered from memory while the snapshot is fresh). */
  mayExist(prefix: string): Promise<boolean>;
  /** A key created by this process. */
  add(prefix: string): void;
  /** Keys changed elsewhere: the next unknown prefix reloads the snapshot. */
  invalidate(): void;
}

export interface KnownPrefixesDeps {
  list: () => Promise<Pick<KeyRecord, "prefix">[]>;
  /** How long a snapshot may answer "unknown" (the key cache's lifetime); 0 turns it off. */
  ttlMs: number;
  now?: () => number;
  maxKeys?: number;
}

export function knownPrefixes(deps: KnownPrefixesDeps): KnownPrefixes {
  const now = deps.now ?? Date.now;
  const maxKeys = deps.maxKeys ?? MAX_SNAPSHOT_KEYS;
  let prefixes = new Set<string>();
  /** When the snapshot's query started; -Infinity: stale. */
  let loadedAt = -Infinity;
  let generation = 0;
  /** Until when the store held too many keys for a snapshot. */
  let tooManyUntil = -Infinity;
  let loading: Promise<void> | null = null;

  async function load(): Promise<void> {
    const started = now();
    const seenGeneration = generation;
    const rows = await deps.list();
    if (rows.length > maxKeys) {
      tooManyUntil = started + TOO_MANY_RECHECK_MS;
      prefixes = new Set();
      return;
    }
    const next = new Set(rows.map((r) => r.prefix));
    // Keys added here while the query ran are not lost.
    for (const p of prefixes) next.add(p);
    prefixes = next;
    // A change announced while the query ran may be missing from its answer: not fresh.
    loadedAt = seenGeneration === generation ? started : -Infinity;
  }

  function reload(): Promise<void> {
    loading ??= load().finally(() => {
      loading = null;
    });
    return loading;
  }

  const fresh = () => now() - loadedAt < deps.ttlMs;

  return {
    async mayExist(prefix) {
      if (deps.ttlMs <= 0 || now() < tooManyUntil) return true;
      if (prefixes.has(prefix)) return true;
      if (!fresh()) await reload();
      return now() < tooManyUntil || prefixes.has(prefix) || !fresh();
    },
    add(prefix) {
      prefixes.add(prefix);
    },
    invalidate() {
      generation += 1;
      loadedAt = -Infinity;
    },
  };
}
