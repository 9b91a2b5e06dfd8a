import type { ErrorCode } from "../errors.js";
import { ModelgateError } from "../errors.js";
import { newId } from "../ids.js";
import type { KeyRecord, KeyRepository } from "../store/index.js";
import type { KeyDigest } from "./keys.js";
import {
  generateKey,
  hashBytesEqual,
  hashKey,
  hashKeyBytes,
  keyDigest,
  lookupPrefix,
  looksLikeKey,
} from "./keys.js";
import { knownPrefixes } from "./known-prefixes.js";
import type { Principal, Scope } from "./scopes.js";
import { isScope } from "./scopes.js";

export type VerifyResult =
  | { valid: true; principal: Principal; record: KeyRecord; /** hashKey(key). */ keyHash: string }
  | { valid: false; code: Extract<ErrorCode, `api_key_${string}`> };

export interface CreateKeyInput {
  name: string;
  userId?: string;
  scopes?: readonly string[];
  modelIds?: readonly string[] | null;
  expiresAt?: Date | null;
  /** Requests per hour, 0 = unlimited; null: RATE_LIMIT_DEFAULT_PER_HOUR of the serving replica. */
  rateLimitPerHour?: number | null;
}

export interface CreatedKey {
  /** The key itself: shown once, never stored. */
  key: string;
  record: KeyRecord;
}

export interface KeyServiceDeps {
  keys: Pick<
    KeyRepository,
    "insert" | "findByPrefix" | "list" | "revoke" | "touchLastUsed" | "getById"
  >;
  clock?: () => Date;
  /**
   * How long a verification result is reused without asking the store. Bounds how long a
   * revoke made elsewhere (another process, the database directly) can go unnoticed.
   */
  cacheTtlMs?: number;
  cacheMaxEntries?: number;
}

interface CacheEntry {
  /** undefined: no key has this prefix. */
  record: KeyRecord | undefined;
  /** The stored hex hash as bytes, decoded once per lookup rather than once per request. */
  storedHash: Buffer | undefined;
  /** Built once per lookup and shared (frozen) by the requests the entry answers. */
  principal: Principal | undefined;
  expiresAt: number;
}

export type KeyService = ReturnType<typeof keyServiceFactory>;

/**
 * Compared against when no key has the prefix, so an unknown prefix costs the same comparison as
 * a known one with a wrong secret: the answer's timing does not tell which prefixes exist.
 */
const DUMMY_HASH = hashKeyBytes("hk_live_no-key-has-this-prefix");

function toPrincipal(record: KeyRecord): Principal {
  return Object.freeze({
    keyId: record.id,
    keyName: record.name,
    userId: record.userId,
    scopes: Object.freeze(record.scopes.filter(isScope)),
    modelIds: record.modelIds ? Object.freeze([...record.modelIds]) : null,
  });
}

function validateCreate(input: CreateKeyInput, now: Date): void {
  const problems: { field: string; problem: string }[] = [];
  if (!input.name.trim()) problems.push({ field: "name", problem: "must not be empty" });
  for (const scope of input.scopes ?? []) {
    if (!isScope(scope)) {
      problems.push({
        field: "scopes",
        problem: `unknown scope "${scope}" (known: predict, models:read, admin)`,
      });
    }
  }
  if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) {
    problems.push({ field: "expires", problem: "must be in the future" });
  }
  const limit = input.rateLimitPerHour;
  if (limit !== undefined && limit !== null && !(Number.isSafeInteger(limit) && limit >= 0)) {
    problems.push({
      field: "rate_limit_per_hour",
      problem: "must be a whole number of requests per hour, 0 for unlimited",
    });
  }
  if (problems.length > 0) {
    const detail = problems.map((p) => `${p.field}: ${p.problem}`).join("; ");
    throw new ModelgateError("invalid_request", `Cannot create the key: ${detail}.`, {
      errors: problems,
    });
  }
}

/** Create, verify, list and revoke API keys. Only hashes are stored; the key is returned once. */
export function keyServiceFactory(deps: KeyServiceDeps) {
  const clock = deps.clock ?? (() => new Date());
  const ttl = deps.cacheTtlMs ?? 1_000;
  const maxEntries = deps.cacheMaxEntries ?? 10_000;
  const cache = new Map<string, CacheEntry>();
  const used = new Set<string>();
  // Unknown prefixes are answered from here, never cached one by one: a flood of random keys
  // neither reaches the store nor evicts the cached real keys.
  const known = knownPrefixes({ list: () => deps.keys.list(), ttlMs: ttl });
  const UNKNOWN: CacheEntry = {
    record: undefined,
    storedHash: undefined,
    principal: undefined,
    expiresAt: 0,
  };

  function remember(prefix: string, entry: CacheEntry): void {
    if (cache.size >= maxEntries) {
      // Map keeps insertion order: the first key is the oldest entry.
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(prefix, entry);
  }

  async function lookup(prefix: string): Promise<CacheEntry> {
    const cached = cache.get(prefix);
    if (cached && cached.expiresAt > Date.now()) return cached;
    if (!(await known.mayExist(prefix))) return UNKNOWN;
    const stored = await deps.keys.findByPrefix(prefix);
    let entry: CacheEntry = {
      record: undefined,
      storedHash: undefined,
      principal: undefined,
      expiresAt: Date.now() + ttl,
    };
    if (stored) {
      // Keep the hash beside the record, never inside it: records reach routes and views.
      const { hash, ...record } = stored;
      entry = {
        record,
        storedHash: Buffer.from(hash, "hex"),
        principal: toPrincipal(record),
        expiresAt: entry.expiresAt,
      };
    }
    remember(prefix, entry);
    return entry;
  }

  return {
    async create(input: CreateKeyInput): Promise<CreatedKey> {
      const now = clock();
      validateCreate(input, now);
      const key = generateKey();
      const record = await deps.keys.insert({
        id: newId("key"),
        name: input.name.trim(),
        userId: input.userId ?? "admin",
        prefix: lookupPrefix(key),
        hash: hashKey(key),
        scopes: [...new Set(input.scopes ?? ["predict", "models:read"])],
        modelIds: input.modelIds ? [...input.modelIds] : null,
        expiresAt: input.expiresAt ?? null,
        rateLimitPerHour: input.rateLimitPerHour ?? null,
        createdAt: now,
      });
      cache.delete(record.prefix);
      known.add(record.prefix);
      return { key, record };
    },

    /** Expected failures are values; only a store failure throws. */
    async verify(key: string, given?: KeyDigest): Promise<VerifyResult> {
      if (!looksLikeKey(key)) return { valid: false, code: "api_key_invalid" };
      const prefix = lookupPrefix(key);
      const digest = given ?? keyDigest(key);
      const hash = digest.bytes;
      const entry = await lookup(prefix);
      const matches = hashBytesEqual(hash, entry.storedHash ?? DUMMY_HASH);
      if (!entry.record || !matches) return { valid: false, code: "api_key_invalid" };
      if (entry.record.revokedAt) return { valid: false, code: "api_key_revoked" };
      if (entry.record.expiresAt && entry.record.expiresAt.getTime() <= clock().getTime()) {
        return { valid: false, code: "api_key_expired" };
      }
      used.add(entry.record.id);
      const principal = entry.principal ?? toPrincipal(entry.record);
      return { valid: true, principal, record: entry.record, keyHash: digest.hex };
    },

    async list(): Promise<KeyRecord[]> {
      return deps.keys.list();
    },

    async get(id: string): Promise<KeyRecord> {
      const record = await deps.keys.getById(id);
      if (!record)
        throw new ModelgateError(
          "key_not_found",
          `No API key has the id ${id}: list them with \`modelgate keys list\`.`,
        );
      return record;
    },

    async revoke(id: string): Promise<KeyRecord> {
      const record = await deps.keys.revoke(id, clock());
      if (!record)
        throw new ModelgateError(
          "key_not_found",
          `No API key has the id ${id}: list them with \`modelgate keys list\`.`,
        );
      cache.delete(record.prefix);
      return record;
    },

    /** Forget every cached verification (another process changed keys). */
    invalidate(): void {
      cache.clear();
      known.invalidate();
    },

    /** Write the last-used times gathered since the previous flush, in one statement. */
    async flushLastUsed(): Promise<void> {
      if (used.size === 0) return;
      const ids = [...used];
      used.clear();
      await deps.keys.touchLastUsed(ids, clock());
    },
  };
}

export type { Scope };
