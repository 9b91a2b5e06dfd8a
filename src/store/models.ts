/**
 * The model registry: which models exist, where their artifacts come from, and the serving
 * settings taken from their spec. Rows map to plain camelCase records.
 */
import type { Kysely, Selectable } from "kysely";
import type { ModelSpec } from "../spec/index.js";
import type { Database, ModelsTable } from "./schema.js";

export interface ModelRecord {
  id: string;
  name: string;
  version: string;
  description: string;
  /** A folder path, `hf://owner/repo@rev`, or an http(s) URL. */
  source: string;
  spec: ModelSpec | null;
  maxBatchSize: number;
  cacheDurationS: number | null;
  warm: boolean;
  /** The exact revision the source resolved to when last pulled; null until then. */
  resolvedRevision: string | null;
  status: string;
  createdAt: Date;
  /**
   * When the registration last changed (re-registered, or a new resolved revision): the model
   * cache reloads a model when this moves. Status changes do not move it.
   */
  updatedAt: Date;
}

/** What registering a model supplies; the store fills in status, revision and timestamps. */
export interface NewModel {
  id: string;
  name: string;
  version: string;
  description: string;
  source: string;
  spec: ModelSpec | null;
  maxBatchSize: number;
  cacheDurationS?: number | null;
  warm?: boolean;
}

export type ModelRepository = ReturnType<typeof modelRepository>;

export function modelRepository(db: Kysely<Database>) {
  return {
    /**
     * Register a model, or update it in place. Re-registering from a different source forgets
     * the resolved revision and status, which described the old source.
     */
    async upsert(model: NewModel): Promise<ModelRecord> {
      const values = {
        id: model.id,
        name: model.name,
        version: model.version,
        description: model.description,
        source: model.source,
        spec: JSON.stringify(model.spec),
        max_batch_size: model.maxBatchSize,
        cache_duration_s: model.cacheDurationS ?? null,
        warm: model.warm ?? false,
      };
      const row = await db
        .insertInto("models")
        .values(values)
        .onConflict((oc) =>
          oc.column("id").doUpdateSet((eb) => ({
            ...values,
            resolved_revision: eb
              .case()
              .when("models.source", "=", eb.ref("excluded.source"))
              .then(eb.ref("models.resolved_revision"))
              .else(null)
              .end(),
            status: eb
              .case()
              .when("models.source", "=", eb.ref("excluded.source"))
              .then(eb.ref("models.status"))
              .else("registered")
              .end(),
            // The service's clock, as on insert: SQLite has no now() of the same type.
            updated_at: new Date(),
          })),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      return toModel(row);
    },

    async get(id: string): Promise<ModelRecord | null> {
      const row = await db.selectFrom("models").selectAll().where("id", "=", id).executeTakeFirst();
      return row ? toModel(row) : null;
    },

    async list(): Promise<ModelRecord[]> {
      const rows = await db.selectFrom("models").selectAll().orderBy("id").execute();
      return rows.map(toModel);
    },

    /** true when a model was removed, false when none had this id. */
    async remove(id: string): Promise<boolean> {
      const result = await db.deleteFrom("models").where("id", "=", id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    /** Fills in the spec read at load (registered without one); leaves updatedAt alone. */
    async setSpec(id: string, spec: ModelSpec): Promise<boolean> {
      const result = await db
        .updateTable("models")
        .set({ spec: JSON.stringify(spec), version: spec.version })
        .where("id", "=", id)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    /**
     * false when no model has this id. Leaves updatedAt alone: the loader records what it just
     * loaded, and moving updatedAt would make the cache load it again. A pull that should be
     * served now evicts the model explicitly.
     */
    async setResolvedRevision(id: string, revision: string | null): Promise<boolean> {
      const result = await db
        .updateTable("models")
        .set({ resolved_revision: revision })
        .where("id", "=", id)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    /** false when no model has this id. Leaves updatedAt alone: a status is not a new model. */
    async setStatus(id: string, status: string): Promise<boolean> {
      const result = await db
        .updateTable("models")
        .set({ status })
        .where("id", "=", id)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
  };
}

function toModel(row: Selectable<ModelsTable>): ModelRecord {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    description: row.description,
    source: row.source,
    spec: row.spec,
    maxBatchSize: row.max_batch_size,
    cacheDurationS: row.cache_duration_s,
    warm: row.warm,
    resolvedRevision: row.resolved_revision,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
