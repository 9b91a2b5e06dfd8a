/**
 * Small service state that must survive restarts and be shared by every instance, e.g.
 * whether the bootstrap admin key was already created. One jsonb value per key.
 */
import type { Kysely } from "kysely";
import type { Database, JsonValue } from "./schema.js";

export type MetaRepository = ReturnType<typeof metaRepository>;

export function metaRepository(db: Kysely<Database>) {
  return {
    /** undefined when the key was never set (null is a value one can set). */
    async get(key: string): Promise<JsonValue | undefined> {
      const row = await db
        .selectFrom("meta")
        .select("value")
        .where("key", "=", key)
        .executeTakeFirst();
      return row?.value;
    },

    /**
     * Sets the key only if it was never set; true for the one caller that did. Replicas that
     * start together on an empty database race here, and exactly one wins.
     */
    async claim(key: string, value: JsonValue): Promise<boolean> {
      const row = await db
        .insertInto("meta")
        .values({ key, value: JSON.stringify(value) })
        .onConflict((oc) => oc.column("key").doNothing())
        .returning("key")
        .executeTakeFirst();
      return row !== undefined;
    },

    async set(key: string, value: JsonValue): Promise<void> {
      // Stringified by us: node-postgres would send a JS array as a PostgreSQL array literal.
      const json = JSON.stringify(value);
      await db
        .insertInto("meta")
        .values({ key, value: json })
        .onConflict((oc) => oc.column("key").doUpdateSet({ value: json }))
        .execute();
    },
  };
}
