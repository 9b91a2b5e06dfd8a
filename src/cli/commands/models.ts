import { openAdmin } from "../admin.js";
import type { CliContext } from "../context.js";
import { configOrExit } from "../context.js";
import type { CommandOutput } from "../output.js";
import { table } from "../output.js";

export async function modelsList(ctx: CliContext): Promise<CommandOutput> {
  const { config } = configOrExit(ctx);
  const session = await openAdmin(config);
  try {
    const models = await session.ops.listModels();
    const text =
      models.length === 0
        ? "No models registered yet: `modelgate serve` registers the example model 21."
        : table(
            ["ID", "NAME", "VERSION", "SOURCE", "REVISION", "LOADED", "STATUS"],
            models.map((m) => [
              m.id,
              m.name,
              m.version,
              m.source,
              m.resolved_revision,
              m.loaded === null ? "no server" : m.loaded ? "yes" : "no",
              m.status,
            ]),
          );
    return { data: models, text };
  } finally {
    await session.close();
  }
}
