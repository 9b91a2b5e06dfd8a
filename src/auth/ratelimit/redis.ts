/**
 * The shared rate limiter: one counter per key and window in Redis, so N per hour means N in
 * total across every replica and connection, never N each.
 *
 * A replica does not ask Redis for every request. It takes counts from the shared counter in
 * blocks — a lease — and spends them locally; the counter only ever grants counts up to the
 * limit, so the sum of what all replicas allow can never pass N. A busy key costs a few Redis
 * commands a second per replica instead of one per request, and those are sent ahead of need
 * (when the lease is half spent), off the requests' critical path.
 *
 * Exactness near the limit: a lease is never more than 1/16 of what the counter has left
 * (and about 100 ms of the key's recent traffic), and there is none once fewer than 256 counts
 * are left, so near its limit every request of a key is counted by Redis itself — "30 of 45
 * allowed" stays exactly 30.
 * Counts a replica leased and did not use go back to the counter after GIVE_BACK_IDLE_MS of
 * idleness (and at shutdown), so traffic moving to another replica finds them again.
 *
 * When Redis cannot answer (down, not yet connected, past the command timeout) requests beyond
 * the lease are counted by this replica's memory limiter and the decision says `degraded`: the
 * limit then holds per replica (up to N × replicas in total) — never unlimited, never an error.
 * Exact limits resume with the first command Redis answers.
 */
import type { Redis } from "ioredis";
import { memoryRateLimiter } from "./memory.js";
import type { RateLimitDecision, RateLimiter, RateLimiterHealth } from "./types.js";
import { decisionFromCount, HOUR_MS, unlimitedDecision } from "./types.js";

export interface RateLimitLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
}

export interface RedisRateLimiterOptions {
  /** A commands connection (no offline queue, bounded command timeout: see src/cluster/redis). */
  client: Redis;
  /** Key prefix, so several deployments (or tests) can share one Redis. */
  prefix?: string;
  /** Counts requests while Redis is unreachable; a memory limiter by default. */
  fallback?: RateLimiter;
  windowMs?: number;
  logger?: RateLimitLogger;
  now?: () => number;
  /** Leased counts unused for this long go back to the shared counter. */
  giveBackIdleMs?: number;
}

export const LEASE = {
  /** A lease covers about this much of the key's recent traffic. */
  trafficMs: 100,
  /** …and never more than this share of what the shared counter has left. */
  shareOfRemaining: 1 / 16,
  /** …and none with fewer left: a lease held when the counter ran out stranded counts (29 of 30). */
  minRemaining: 256,
  max: 10_000,
  giveBackIdleMs: 1_000,
  /** After the window is found used up, refuse locally this long before asking again. */
  refusedRecheckMs: 1_000,
  /** Keys followed at once; idle ones are forgotten first. */
  maxKeys: 100_000,
} as const;

/**
 * Take up to ARGV[1] counts of KEYS[1] without passing the limit ARGV[2]; a new window lasts
 * ARGV[3] ms and is named by the server's clock, so a give-back can tell it apart from the
 * next window of the same key. Returns {granted, count after, ms left, window name}.
 */
const TAKE = `
local cur = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
local grant = math.min(tonumber(ARGV[1]), math.max(tonumber(ARGV[2]) - cur, 0))
if grant > 0 then cur = redis.call('HINCRBY', KEYS[1], 'n', grant) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -2 then return {0, cur, tonumber(ARGV[3]), ''} end
if ttl == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  ttl = tonumber(ARGV[3])
  local t = redis.call('TIME')
  redis.call('HSET', KEYS[1], 'w', t[1] .. '.' .. t[2])
end
return {grant, cur, ttl, redis.call('HGET', KEYS[1], 'w')}
`;

/** Give ARGV[1] unused counts back to KEYS[1], only if its window is still ARGV[2]. */
const GIVE_BACK = `
if redis.call('HGET', KEYS[1], 'w') ~= ARGV[2] then return 0 end
if redis.call('HINCRBY', KEYS[1], 'n', -tonumber(ARGV[1])) < 0 then
  redis.call('HSET', KEYS[1], 'n', 0)
end
return 1
`;

type TakeReply = [granted: number, count: number, msLeft: number, window: string];

interface LimiterCommands {
  modelgateRateTake(key: string, want: number, limit: number, windowMs: number): Promise<TakeReply>;
  modelgateRateGiveBack(key: string, count: number, window: string): Promise<number>;
}

/** What this replica knows of one key's shared counter. */
interface KeyState {
  keyId: string;
  limit: number;
  /** The Redis window the leased counts belong to ('' before the first take). */
  window: string;
  /** Local time the window ends. */
  endsAt: number;
  /** Leased counts not yet spent. */
  available: number;
  /** The shared count after this replica's latest take (every replica's leases included). */
  seen: number;
  /** The latest take found the window used up: refuse locally until this time. */
  refusedUntil: number;
  /** Requests of this key per second, smoothed; sizes the next lease. */
  rate: number;
  consumedSinceTake: number;
  lastTakeAt: number;
  lastUsedAt: number;
  taking: boolean;
  waiters: ((decision: RateLimitDecision) => void)[];
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function redisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const windowMs = options.windowMs ?? HOUR_MS;
  const now = options.now ?? Date.now;
  const giveBackIdleMs = options.giveBackIdleMs ?? LEASE.giveBackIdleMs;
  const fallback = options.fallback ?? memoryRateLimiter({ windowMs, now });
  const keyPrefix = `${options.prefix ?? "modelgate:"}quota:`;
  const client = options.client as Redis & LimiterCommands;
  if (typeof client.modelgateRateTake !== "function") {
    client.defineCommand("modelgateRateTake", { numberOfKeys: 1, lua: TAKE });
    client.defineCommand("modelgateRateGiveBack", { numberOfKeys: 1, lua: GIVE_BACK });
  }
  const states = new Map<string, KeyState>();
  let degradedReason: string | undefined;
  let closed = false;

  function recovered(): void {
    if (degradedReason === undefined) return;
    options.logger?.info({}, "Redis answers again: rate limits are shared across replicas");
    degradedReason = undefined;
  }

  function degraded(err: unknown): void {
    if (degradedReason === undefined) {
      options.logger?.warn(
        { err: reasonOf(err) },
        "Redis unreachable: rate limits are counted per replica until it answers",
      );
    }
    degradedReason = `Redis unreachable (${reasonOf(err)}): rate limits are per replica`;
  }

  function allowed(s: KeyState, at: number): RateLimitDecision {
    s.available -= 1;
    // Counts nobody has taken yet, plus the ones this replica still holds.
    const remaining = Math.max(s.limit - s.seen + s.available, 0);
    return decisionFromCount(s.limit, s.limit - remaining, s.endsAt - at, at, false);
  }

  function refused(s: KeyState, at: number): RateLimitDecision {
    return decisionFromCount(s.limit, s.limit + 1, s.endsAt - at, at, false);
  }

  /** Extra counts worth leasing beyond the requests waiting now. */
  function extraFor(s: KeyState): number {
    if (s.limit - s.seen < LEASE.minRemaining) return 0;
    const byTraffic = Math.ceil((s.rate * LEASE.trafficMs) / 1000);
    const byShare = Math.floor((s.limit - s.seen) * LEASE.shareOfRemaining);
    return Math.max(0, Math.min(byTraffic, byShare, LEASE.max));
  }

  function giveBack(s: KeyState): Promise<unknown> {
    if (s.available <= 0 || !s.window) return Promise.resolve();
    const count = s.available;
    s.available = 0;
    // Lost if Redis does not answer: those counts stay spent, which errs on the safe side.
    return client
      .modelgateRateGiveBack(keyPrefix + s.keyId, count, s.window)
      .catch(() => undefined);
  }

  /** Ask the shared counter for the waiting requests plus a lease; one take at a time a key. */
  async function take(s: KeyState): Promise<void> {
    s.taking = true;
    const waiting = s.waiters.length;
    const at = now();
    if (s.lastTakeAt > 0) {
      const perSecond = (s.consumedSinceTake * 1000) / Math.max(at - s.lastTakeAt, 10);
      s.rate = s.rate === 0 ? perSecond : (s.rate + perSecond) / 2;
    }
    s.consumedSinceTake = 0;
    s.lastTakeAt = at;
    const want = waiting + extraFor(s);
    if (want === 0) {
      s.taking = false;
      return;
    }
    let reply: TakeReply;
    try {
      reply = await client.modelgateRateTake(keyPrefix + s.keyId, want, s.limit, windowMs);
    } catch (err) {
      s.taking = false;
      degraded(err);
      // Requests already waiting are counted per replica; later ones retry Redis.
      for (const resolve of s.waiters.splice(0, waiting)) {
        void fallback
          .consume(s.keyId, s.limit)
          .then((decision) => resolve({ ...decision, degraded: true }));
      }
      if (s.waiters.length > 0) schedule(s);
      return;
    }
    recovered();
    s.taking = false;
    const [granted, count, msLeft, window] = reply;
    const done = now();
    if (window !== s.window) {
      // A new window (first take, or the old one expired): earlier leases belong to the old one.
      s.window = window;
      s.available = 0;
    }
    s.endsAt = done + Math.max(Number(msLeft), 0);
    s.seen = Number(count);
    s.available += Number(granted);
    if (granted < want) s.refusedUntil = Math.min(done + LEASE.refusedRecheckMs, s.endsAt);
    settle(s, done);
  }

  /** Serve waiting requests from the lease; refuse or take again for the rest. */
  function settle(s: KeyState, at: number): void {
    while (s.waiters.length > 0 && s.available > 0) s.waiters.shift()?.(allowed(s, at));
    if (s.waiters.length === 0) return;
    if (at < s.refusedUntil) {
      for (const resolve of s.waiters.splice(0)) resolve(refused(s, at));
    } else {
      schedule(s);
    }
  }

  let scheduled = new Set<KeyState>();
  let tick: NodeJS.Immediate | undefined;
  /** After the poll phase, so every request of the key read in this turn joins one take. */
  function schedule(s: KeyState): void {
    scheduled.add(s);
    tick ??= setImmediate(() => {
      tick = undefined;
      const due = scheduled;
      scheduled = new Set();
      for (const state of due) if (!state.taking) void take(state);
    });
  }

  function stateFor(keyId: string, limit: number, at: number): KeyState {
    let s = states.get(keyId);
    if (s && s.limit !== limit) {
      // The key's limit changed: start over on the same shared counter.
      void giveBack(s);
      if (s.waiters.length > 0 || s.taking) return s; // settles under the old limit first
      states.delete(keyId);
      s = undefined;
    }
    if (s && at >= s.endsAt && s.window) {
      // The window is over: its leftover counts are void, and so is a refusal.
      s.window = "";
      s.available = 0;
      s.refusedUntil = 0;
    }
    if (!s) {
      if (states.size >= LEASE.maxKeys) forgetOldest();
      s = {
        keyId,
        limit,
        window: "",
        endsAt: at + windowMs,
        available: 0,
        seen: 0,
        refusedUntil: 0,
        rate: 0,
        consumedSinceTake: 0,
        lastTakeAt: 0,
        lastUsedAt: at,
        taking: false,
        waiters: [],
      };
      states.set(keyId, s);
    }
    return s;
  }

  function forgetOldest(): void {
    for (const [keyId, s] of states) {
      if (s.taking || s.waiters.length > 0) continue;
      void giveBack(s);
      states.delete(keyId);
      return;
    }
  }

  // Unused leases go back; keys idle for a whole window are forgotten.
  const sweeper = setInterval(
    () => {
      const at = now();
      for (const [keyId, s] of states) {
        if (s.taking || s.waiters.length > 0 || at - s.lastUsedAt < giveBackIdleMs) continue;
        void giveBack(s);
        if (at >= s.endsAt) states.delete(keyId);
      }
    },
    Math.max(giveBackIdleMs / 2, 10),
  );
  sweeper.unref();

  return {
    consume(keyId, limit) {
      const at = now();
      if (limit === 0 || closed) {
        if (limit === 0) return Promise.resolve(unlimitedDecision(at));
        return fallback.consume(keyId, limit);
      }
      const s = stateFor(keyId, limit, at);
      s.lastUsedAt = at;
      s.consumedSinceTake += 1;
      if (s.waiters.length === 0 && s.available > 0) {
        const decision = allowed(s, at);
        // Half the lease spent: take the next one now, while this one still serves.
        const extra = extraFor(s);
        if (extra > 0 && !s.taking && at >= s.refusedUntil && s.available <= extra / 2) {
          schedule(s);
        }
        return Promise.resolve(decision);
      }
      if (s.waiters.length === 0 && at < s.refusedUntil) {
        return Promise.resolve(refused(s, at));
      }
      return new Promise<RateLimitDecision>((resolve) => {
        s.waiters.push(resolve);
        if (!s.taking) schedule(s);
      });
    },
    health(): RateLimiterHealth {
      return { degraded: degradedReason !== undefined, reason: degradedReason };
    },
    async close() {
      closed = true;
      clearInterval(sweeper);
      await Promise.all([...states.values()].map(giveBack));
    },
  };
}
