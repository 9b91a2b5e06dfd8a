/**
 * What `serve` does when a model is loaded or changed: record what was served (./cache.ts
 * resolves a branch to a commit), and drop and reload a model another replica changed.
 */
import type { Logger } from "pino";
import type { BusPayloads } from "../cluster/index.js";
import type { ModelSpec } from "../spec/index.js";
import type { ModelRecord, ModelRepository } from "../store/index.js";
import type { ModelService } from "./service.js";

/** Records exactly what is served (a branch resolves to a commit), and a spec read late. */
export async function recordLoaded(
  repo: Pick<ModelRepository, "setResolvedRevision" | "setSpec">,
  record: ModelRecord,
  loaded: { spec: ModelSpec; revision: string | null },
): Promise<void> {
  if (loaded.revision && loaded.revision !== record.resolvedRevision) {
    await repo.setResolvedRevision(record.id, loaded.revision);
  }
  if (!record.spec) await repo.setSpec(record.id, loaded.spec);
}

/**
 * A model changed here or on another replica (the bus runs local subscribers too): forget the
 * registration and the loaded copy at once — synchronously, before `publish` returns — then
 * load it again in the background when it is warm.
 */
export function onModelChanged(models: ModelService, logger: Logger) {
  return function modelChanged(change: BusPayloads["models"]): void {
    const id = change.modelId;
    models
      .invalidate(id)
      .then(async () => {
        if (change.event === "removed") return;
        const record = await models.get(id);
        if (record.warm) await models.load(id);
      })
      .catch((err: unknown) => logger.warn({ model: id, err }, "warm load failed"));
  };
}
