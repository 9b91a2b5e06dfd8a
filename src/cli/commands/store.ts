/**
 * `modelgate store migrate-from-pglite`: copy a data dir of modelgate ≤ 0.1 (PGlite) into the
 * SQLite store, once (src/store/pglite-import.ts). `serve` refuses such a data dir and names
 * this command.
 */
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { configOrExit } from "../context.js";
import type { CommandOutput } from "../output.js";

export async function migrateFromPgliteCommand(ctx: CliContext): Promise<CommandOutput> {
  const { config } = configOrExit(ctx);
  // Loaded on use: the import (and PGlite through it) is for this command only.
  const { migrateFromPglite, SQLITE_FILE } = await import("../../store/index.js");
  const result = await migrateFromPglite(config.dataDir);
  const kept =
    result.keptAs.length > 0
      ? ` Kept the old files as ${result.keptAs.join(", ")}: delete them once modelgate runs.`
      : "";
  const text = result.copied
    ? `Copied the PGlite store in ${result.dataDir} into ${SQLITE_FILE}: ${result.models} models, ` +
      `${result.keys} API keys, ${result.meta} settings, ` +
      `${result.usageFromTable + result.usageFromLog} usage records ` +
      `(${result.usageFromLog} from the usage log).${kept}`
    : `The SQLite store in ${result.dataDir} was already complete.${kept}`;
  return { data: result, text };
}

export function addStoreCommand(program: Command, ctx: CliContext): void {
  const store = program.command("store").description("Manage the embedded store.");
  store
    .command("migrate-from-pglite")
    .description(
      "Copy the PGlite store of modelgate 0.1 (MODELGATE_DATA_DIR/db and usage.ndjson) into SQLite, once; stop the server first.",
    )
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      "\nExample:\n  $ MODELGATE_DATA_DIR=/var/lib/modelgate modelgate store migrate-from-pglite",
    )
    .action(async (opts: { json?: boolean }) => {
      const output = await migrateFromPgliteCommand(ctx);
      ctx.stdout.write(
        opts.json ? `${JSON.stringify(output.data, null, 2)}\n` : `${output.text}\n`,
      );
    });
}
