/**
 * API keys as stored: a lookup prefix and a sha-256 hash, never the key. Every read except
 * `findByPrefix` (which verification needs) leaves the hash out, so a KeyRecord can be listed,
 * logged or returned by an endpoint without leaking anything that helps forge a key.
 */
import type { Kysely, Selectable } from "kysely";
import { ModelgateError } from "../errors.js";
import { isUniqueViolation } from "./db-errors.js";
import type { ApiKeysTable, Database } from "./schema.js";

export interface KeyRecord {
  id: string;
  name: string;
  userId: string;
  prefix: string;
  scopes: string[];
  /** null = every model. */
  modelIds: string[] | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  rateLimitPerHour: number | null;
  createdAt: Date;
}

/** A key with its hash: for verification only, never for display. */
export interface StoredKey extends KeyRecord {
  hash: string;
}

export type NewKey = Omit<StoredKey, "revokedAt" | "lastUsedAt" | "createdAt"> & {
  createdAt?: Date;
};

export type KeyRepository = ReturnType<typeof keyRepository>;

const TOUCH_IDS_PER_STATEMENT = 1_000;

/** Every column but the hash; select lists built from this can never leak it. */
const PUBLIC_COLUMNS = [
  "id",
  "name",
  "user_id",
  "prefix",
  "scopes",
  "model_ids",
  "expires_at",
  "revoked_at",
  "last_used_at",
  "rate_limit_per_hour",
  "created_at",
] as const;

export function keyRepository(db: Kysely<Database>) {
  return {
    /** Fails with `conflict` if the id or the prefix is taken (the caller generates anew). */
    async insert(key: NewKey): Promise<KeyRecord> {
      try {
        const row = await db
          .insertInto("api_keys")
          .values({
            id: key.id,
            name: key.name,
            user_id: key.userId,
            prefix: key.prefix,
            hash: key.hash,
            scopes: key.scopes,
            model_ids: key.modelIds,
            expires_at: key.expiresAt,
            rate_limit_per_hour: key.rateLimitPerHour,
            created_at: key.createdAt,
          })
          .returning(PUBLIC_COLUMNS)
          .executeTakeFirstOrThrow();
        return toKey(row);
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        throw new ModelgateError(
          "conflict",
          `an API key with id ${key.id} or the same prefix exists`,
          {
            cause: err,
          },
        );
      }
    },

    async findByPrefix(prefix: string): Promise<StoredKey | null> {
      const row = await db
        .selectFrom("api_keys")
        .select([...PUBLIC_COLUMNS, "hash"])
        .where("prefix", "=", prefix)
        .executeTakeFirst();
      return row ? { ...toKey(row), hash: row.hash } : null;
    },

    async getById(id: string): Promise<KeyRecord | null> {
      const row = await db
        .selectFrom("api_keys")
        .select(PUBLIC_COLUMNS)
        .where("id", "=", id)
        .executeTakeFirst();
      return row ? toKey(row) : null;
    },

    async list(): Promise<KeyRecord[]> {
      const rows = await db
        .selectFrom("api_keys")
        .select(PUBLIC_COLUMNS)
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return rows.map(toKey);
    },

    /** Revoke once: a second revoke keeps the first time. null when no key has this id. */
    async revoke(id: string, at: Date): Promise<KeyRecord | null> {
      const row = await db
        .updateTable("api_keys")
        .set((eb) => ({ revoked_at: eb.fn.coalesce("revoked_at", eb.val(at)) }))
        .where("id", "=", id)
        .returning(PUBLIC_COLUMNS)
        .executeTakeFirst();
      return row ? toKey(row) : null;
    },

    /**
     * Record use of many keys in one statement (callers batch them). Never moves a time back,
     * so batches flushed out of order, or by several instances, keep the latest use.
     */
    async touchLastUsed(ids: string[], at: Date): Promise<void> {
      const unique = [...new Set(ids)];
      // A parameter an id: bounded well under either database's parameter limit.
      for (let i = 0; i < unique.length; i += TOUCH_IDS_PER_STATEMENT) {
        await db
          .updateTable("api_keys")
          .set({ last_used_at: at })
          .where((eb) =>
            eb.and([
              eb("id", "in", unique.slice(i, i + TOUCH_IDS_PER_STATEMENT)),
              eb.or([eb("last_used_at", "is", null), eb("last_used_at", "<", at)]),
            ]),
          )
          .execute();
      }
    },

    async count(): Promise<number> {
      const row = await db
        .selectFrom("api_keys")
        // ::int because PostgreSQL's count is a bigint, which node-postgres returns as a string.
        .select((eb) => eb.cast<number>(eb.fn.countAll(), "integer").as("n"))
        .executeTakeFirstOrThrow();
      return row.n;
    },
  };
}

type KeyRow = Pick<Selectable<ApiKeysTable>, (typeof PUBLIC_COLUMNS)[number]>;

function toKey(row: KeyRow): KeyRecord {
  return {
    id: row.id,
    name: row.name,
    userId: row.user_id,
    prefix: row.prefix,
    scopes: row.scopes,
    modelIds: row.model_ids,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
    rateLimitPerHour: row.rate_limit_per_hour,
    createdAt: row.created_at,
  };
}
