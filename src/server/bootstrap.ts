import { join } from "node:path";
import type { Logger } from "pino";
import type { CreatedKey, KeyService } from "../auth/service.js";
import { BUILTIN_MODELS_DIR } from "../sources/index.js";
import { readSpecFile } from "../spec/index.js";
import type { Kysely } from "kysely";
import { metaRepository, modelRepository } from "../store/index.js";
import type { Database, MetaRepository } from "../store/index.js";

/** The shipped example: the seeds' Sales Lead Scoring model, served as model 21. */
export const EXAMPLE_MODEL = {
  id: "21",
  source: "builtin:lead-scoring",
  folder: "lead-scoring",
} as const;

/** The store's memory of the example: set once, so a removed model 21 stays removed. */
export const EXAMPLE_META_KEY = "example_model";

export type ExampleOutcome = "registered" | "kept" | "already_decided";

/**
 * Model 21 on every new store, whatever the first command is (`serve`, `keys create`, `models
 * register` of another model): every process that opens the store calls this first. The first
 * call records its decision in the store's meta (`example_model`) in the same transaction as the
 * registration, so later calls do nothing: a removed model 21 is never re-added, and of replicas
 * starting together on an empty PostgreSQL one registers. A store from before the marker that
 * already has models keeps them as they are (model 21 may have been removed on purpose there).
 */
export async function ensureExampleModel(
  db: Kysely<Database>,
  logger?: Pick<Logger, "info">,
): Promise<ExampleOutcome> {
  // The common case, one read: the decision was taken long ago.
  if ((await metaRepository(db).get(EXAMPLE_META_KEY)) !== undefined) return "already_decided";
  const spec = await readSpecFile(join(BUILTIN_MODELS_DIR, EXAMPLE_MODEL.folder));
  const outcome = await db.transaction().execute(async function decide(trx) {
    const meta = metaRepository(trx);
    const models = modelRepository(trx);
    const registered = await models.list();
    const at = new Date().toISOString();
    if (registered.length > 0) {
      const has21 = registered.some((m) => m.id === EXAMPLE_MODEL.id);
      await meta.claim(EXAMPLE_META_KEY, {
        state: has21 ? "registered" : "not_registered",
        decided_at: at,
        reason: "the store already had models when it was first checked for the example",
      });
      return "kept" as const;
    }
    if (!(await meta.claim(EXAMPLE_META_KEY, { state: "registered", decided_at: at }))) {
      return "already_decided" as const;
    }
    await models.upsert({
      id: EXAMPLE_MODEL.id,
      name: spec.name,
      version: spec.version,
      description: spec.description ?? "",
      source: EXAMPLE_MODEL.source,
      spec,
      maxBatchSize: spec.max_batch_size,
      cacheDurationS: null,
      warm: true,
    });
    return "registered" as const;
  });
  if (outcome === "registered") {
    logger?.info(
      { model: EXAMPLE_MODEL.id, source: EXAMPLE_MODEL.source },
      "registered the example model",
    );
  }
  return outcome;
}

const BOOTSTRAP_META_KEY = "bootstrap_admin_key";

/**
 * On the very first start (no key has ever existed), create one admin key so the service is
 * usable with no other step. Returns it once; afterwards only its hash exists.
 */
export async function bootstrapAdminKey(
  keys: Pick<KeyService, "create" | "list">,
  meta: Pick<MetaRepository, "get" | "set" | "claim">,
): Promise<CreatedKey | null> {
  if ((await meta.get(BOOTSTRAP_META_KEY)) !== undefined) return null;
  if ((await keys.list()).length > 0) return null;
  // Several replicas may start together on an empty database: only the one that claims the
  // bootstrap creates (and prints) the key.
  if (!(await meta.claim(BOOTSTRAP_META_KEY, { claimed_at: new Date().toISOString() })))
    return null;
  const created = await keys.create({
    name: "bootstrap-admin",
    userId: "admin",
    scopes: ["admin"],
    // The operator's own key: a quota on it would only lock the operator out.
    rateLimitPerHour: 0,
  });
  await meta.set(BOOTSTRAP_META_KEY, {
    key_id: created.record.id,
    created_at: created.record.createdAt.toISOString(),
  });
  return created;
}
