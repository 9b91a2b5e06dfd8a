import { Command, CommanderError } from "commander";
import { processEnv } from "../config/index.js";
import { readVersion } from "../version.js";
import { configShow } from "./commands/config.js";
import { addConfigCheckCommand } from "./commands/config-check.js";
import { addConfigDocsCommand } from "./commands/config-docs.js";
import { addStoreCommand } from "./commands/store.js";
import { addDoctorCommand } from "./commands/doctor.js";
import { addSmokeCommand } from "./commands/smoke.js";
import { addModelsVerifyCommand } from "./commands/verify.js";
import type { KeysCreateOptions } from "./commands/keys.js";
import type { RegisterOptions } from "./commands/models.js";
import type { UsageOptions } from "./commands/usage.js";
import type { CliContext } from "./context.js";
import { EXIT, exitCodeFor } from "./errors.js";
import type { CommandOutput } from "./output.js";

interface JsonFlag {
  json?: boolean;
}

function print(ctx: CliContext, output: CommandOutput, opts: JsonFlag): void {
  ctx.stdout.write(opts.json ? `${JSON.stringify(output.data, null, 2)}\n` : `${output.text}\n`);
}

/**
 * The argv layer: parse, call the command, print. Commands never print or exit themselves.
 * Command modules load on use: `--version`, `--help` and `config check` need none of the
 * server, store or runtime modules.
 */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command("modelgate")
    .description("Serve machine-learning models over an authenticated HTTP API.")
    .version(readVersion().version)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .showHelpAfterError("(run with --help for usage)");

  program
    .command("serve")
    .description("Run the HTTP API (model 21 and an admin key are set up on the first start).")
    .option("--port <port>", "TCP port (overrides PORT, default 8001)")
    .option("--host <host>", "address to bind (overrides HOST, default 127.0.0.1)")
    .option(
      "--strict",
      "refuse to start when a model's source needs a setting that is missing (default with NODE_ENV=production)",
    )
    .addHelpText("after", "\nExample:\n  $ modelgate serve --port 8001 --host 0.0.0.0")
    .action(async (opts: { port?: string; host?: string; strict?: boolean }) =>
      (await import("./commands/serve.js")).serve(opts, ctx),
    );

  const keys = program.command("keys").description("Create, list and revoke API keys.");
  keys
    .command("create")
    .description("Create an API key; it is printed once and only its hash is stored.")
    .requiredOption("--name <name>", "a label for the key")
    .option(
      "--scopes <scopes>",
      "comma-separated: predict, models:read, admin",
      "predict,models:read",
    )
    .option("--models <ids>", "comma-separated model ids the key may use (default: all)")
    .option("--expires <when>", "a duration from now (30d, 12h) or a date (2027-01-31)")
    .option("--user <id>", "the owner recorded with predictions (default: admin)")
    .option(
      "--rate-limit-per-hour <n>",
      "requests per hour across all replicas, 0 = unlimited (default: RATE_LIMIT_DEFAULT_PER_HOUR)",
    )
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      "\nExample:\n  $ modelgate keys create --name partner-acme --models 21 --expires 30d --rate-limit-per-hour 5000",
    )
    .action(async (opts: KeysCreateOptions & JsonFlag) =>
      print(ctx, await (await import("./commands/keys.js")).keysCreate(opts, ctx), opts),
    );
  keys
    .command("list")
    .description("List API keys (never the keys themselves).")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  $ modelgate keys list --json")
    .action(async (opts: JsonFlag) =>
      print(ctx, await (await import("./commands/keys.js")).keysList(ctx), opts),
    );
  keys
    .command("revoke")
    .description("Revoke an API key; it is refused from then on.")
    .argument("<id>", "the key id (key_…), from `modelgate keys list`")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  $ modelgate keys revoke key_3fQm9TzV1bXcR7wYk2Hd")
    .action(async (id: string, opts: JsonFlag) =>
      print(ctx, await (await import("./commands/keys.js")).keysRevoke(id, ctx), opts),
    );

  const models = program.command("models").description("Registered models.");
  models
    .command("list")
    .description("List registered models and whether the running server has them loaded.")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  $ modelgate models list")
    .action(async (opts: JsonFlag) =>
      print(ctx, await (await import("./commands/models.js")).modelsList(ctx), opts),
    );
  models
    .command("register")
    .description("Register (or re-register) a model; its package is downloaded and checked first.")
    .argument("<id>", "the model id used in /api/v1/models/{id}/predict")
    .requiredOption(
      "--source <source>",
      "a folder, builtin:NAME, hf://owner/repo[@revision], models:/NAME/VERSION or models:/NAME@ALIAS (MLflow), or an https URL",
    )
    .option("--name <name>", "a display name (default: the spec's name)")
    .option("--max-batch-size <n>", "largest batch accepted (at most the package's max_batch_size)")
    .option("--cache-duration <duration>", "reload from the source after this long (30m, 1h, 1d)")
    .option("--warm", "load at start-up instead of on the first request")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      "\nExamples:\n  $ modelgate models register 21 --source hf://acme/lead-scoring@v1.2 --warm\n  $ modelgate models register 30 --source ./models/churn --cache-duration 1h\n  $ modelgate models register 27 --source models:/churn@production --cache-duration 10m",
    )
    .action(async (id: string, opts: RegisterOptions & JsonFlag) =>
      print(ctx, await (await import("./commands/models.js")).modelsRegister(id, opts, ctx), opts),
    );
  models
    .command("pull")
    .description("Download a registered model's package now (a progress bar on a terminal).")
    .argument("<id>", "the model id")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  $ modelgate models pull 21")
    .action(async (id: string, opts: JsonFlag) =>
      print(ctx, await (await import("./commands/models.js")).modelsPull(id, ctx), opts),
    );
  models
    .command("remove")
    .description("Unregister a model (its downloaded files stay in the disk cache).")
    .argument("<id>", "the model id")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  $ modelgate models remove 30")
    .action(async (id: string, opts: JsonFlag) =>
      print(ctx, await (await import("./commands/models.js")).modelsRemove(id, ctx), opts),
    );
  addModelsVerifyCommand(models, ctx);

  program
    .command("usage")
    .description("Summarise recorded predictions per key and model.")
    .option("--key <id>", "only this key (key_…)")
    .option("--model <id>", "only this model")
    .option("--since <when>", "a duration back from now (1h, 7d) or a date (2025-01-31)")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  $ modelgate usage --model 21 --since 24h")
    .action(async (opts: UsageOptions & JsonFlag) =>
      print(ctx, await (await import("./commands/usage.js")).usageCommand(opts, ctx), opts),
    );

  const config = program.command("config").description("The configuration modelgate reads.");
  config
    .command("show")
    .description(
      "Print the effective configuration (secrets masked) and where each value came from.",
    )
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  $ HF_TOKEN_FILE=/run/secrets/hf modelgate config show")
    .action((opts: JsonFlag) => print(ctx, configShow(ctx), opts));
  addConfigCheckCommand(config, ctx);
  addConfigDocsCommand(config, ctx);
  addStoreCommand(program, ctx);
  addSmokeCommand(program, ctx);
  addDoctorCommand(program, ctx);

  return program;
}

/** Runs the CLI and returns the exit code; the one place errors are printed. */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version end through here too, with exit code 0.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const message = err instanceof Error ? err.message : String(err);
    ctx.stderr.write(`modelgate: ${message}\n`);
    return exitCodeFor(err);
  }
}

/** The process entry (bin/modelgate): the only place that calls process.exit. */
export async function main(): Promise<never> {
  const code = await runCli(process.argv.slice(2), {
    cwd: process.cwd(),
    env: processEnv(),
    stdout: process.stdout,
    stderr: process.stderr,
  });
  process.exit(code);
}
