/**
 * `modelgate config docs`: writes ENVIRONMENT_VARIABLES.md from the same sources as
 * `config check`; `--check` exits 1 when the committed file is stale.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import type { CheckDeps } from "../../drift/check.js";
import type { CliContext } from "../context.js";
import { EXIT, ExitError } from "../errors.js";
import type { CommandOutput } from "../output.js";
import type { SourceFlags } from "./config-check.js";
import { addSourceOptions, runDriftCheck } from "./config-check.js";

export interface ConfigDocsOptions extends SourceFlags {
  output?: string;
  check?: boolean;
  stdout?: boolean;
  json?: boolean;
}

export async function configDocs(
  opts: ConfigDocsOptions,
  ctx: CliContext,
  deps: CheckDeps = {},
): Promise<CommandOutput> {
  const { renderEnvDocs } = await import("../../drift/docs/render.js");
  const result = await runDriftCheck(opts, ctx, deps);
  const docs = renderEnvDocs(result);
  const file = opts.output ?? "ENVIRONMENT_VARIABLES.md";
  const path = resolve(ctx.cwd, file);
  const data = { file, variables: result.variables.length, stale: false, written: false };
  if (opts.stdout) return { data: { ...data, content: docs }, text: docs.trimEnd() };
  if (opts.check) {
    const current = existsSync(path) ? readFileSync(path, "utf8") : undefined;
    if (current !== docs) {
      throw new ExitError(
        EXIT.failed,
        `${file} is ${current === undefined ? "missing" : "stale"}: run \`modelgate config docs\` and commit the result.`,
      );
    }
    return { data, text: `${file} is up to date (${result.variables.length} variables).` };
  }
  writeFileSync(path, docs);
  return {
    data: { ...data, written: true },
    text: `Wrote ${file} (${result.variables.length} variables).`,
  };
}

export function addConfigDocsCommand(config: Command, ctx: CliContext): void {
  addSourceOptions(config.command("docs"))
    .description(
      "Write ENVIRONMENT_VARIABLES.md: every variable, where it is read and where each deployment provides it.",
    )
    .option("--output <file>", "the file to write", "ENVIRONMENT_VARIABLES.md")
    .option("--check", "do not write: exit 1 when the file is missing or stale")
    .option("--stdout", "print the document instead of writing it")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  $ modelgate config docs --code src --env-example .env.example --terraform infra",
        "  $ modelgate config docs --check      # in CI, sources from modelgate.drift.json",
      ].join("\n"),
    )
    .action(async (opts: ConfigDocsOptions) => {
      const out = await configDocs(opts, ctx);
      ctx.stdout.write(opts.json ? `${JSON.stringify(out.data, null, 2)}\n` : `${out.text}\n`);
    });
}
