import { join } from "node:path";
import type { Logger } from "pino";
import type { CreatedKey, KeyService } from "../auth/service.js";
import { BUILTIN_MODELS_DIR } from "../sources/index.js";
import { readSpecFile } from "../spec/index.js";
import type { MetaRepository, ModelRepository } from "../store/index.js";

/** The shipped example: the seeds' Sales Lead Scoring model, served as model 21. */
export const EXAMPLE_MODEL = {
  id: "21",
  source: "builtin:lead-scoring",
  folder: "lead-scoring",
} as const;

/** Registers model 21 from the shipped package when no model is registered yet. */
export async function registerExampleModel(
  models: Pick<ModelRepository, "list" | "upsert">,
  logger: Pick<Logger, "info">,
): Promise<boolean> {
  if ((await models.list()).length > 0) return false;
  const spec = await readSpecFile(join(BUILTIN_MODELS_DIR, EXAMPLE_MODEL.folder));
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
  logger.info(
    { model: EXAMPLE_MODEL.id, source: EXAMPLE_MODEL.source },
    "registered the example model",
  );
  return true;
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
