/**
 * `modelgate models verify ID --golden FILE`: golden inputs through the model — loaded in this
 * process from its registered source (or --source), or on a running server (--url) — compared
 * with the golden answers. Exit 0 on parity, 1 when a row differs, 2 for bad usage or a golden
 * file that cannot be read (the message names the row, line and column).
 */
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { extname, resolve } from "node:path";
import type { Command } from "commander";
import { isModelgateError } from "../../errors.js";
import type { GoldenFile, GoldenFormat, Predictor, Tolerance } from "../../verify/index.js";
import type { CliContext } from "../context.js";
import { configOrExit } from "../context.js";
import { EXIT, ExitError } from "../errors.js";
import type { CommandOutput } from "../output.js";
import { API_KEY_ENV, apiKeyFrom, durationFlag, serviceUrl } from "../remote-flags.js";

export interface VerifyCliOptions {
  golden?: string;
  source?: string;
  url?: string;
  apiKey?: string;
  tolerance?: string;
  relTolerance?: string;
  format?: string;
  json?: boolean;
  callTimeout?: string;
}

export interface VerifyOutput extends CommandOutput {
  differing: string[];
}

function toleranceFlag(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < 0) {
    throw new ExitError(EXIT.usage, `${flag} "${text}" is not a number ≥ 0 (e.g. 1e-5).`);
  }
  return value;
}

/** The golden file, read whole up to the limit; only a regular file (never a FIFO or device). */
async function readGoldenFile(path: string, shown: string, limit: number): Promise<string> {
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : `cannot be opened (${code ?? String(err)})`;
    throw new ExitError(EXIT.usage, `--golden ${shown}: ${why}.`);
  }
  try {
    const info = await fh.stat();
    if (!info.isFile()) throw new ExitError(EXIT.usage, `--golden ${shown} is not a regular file.`);
    if (info.size > limit) {
      throw new ExitError(
        EXIT.usage,
        `--golden ${shown} is ${info.size} bytes, more than ${limit}, the limit of a golden file: split it.`,
      );
    }
    const buffer = Buffer.alloc(info.size);
    let at = 0;
    while (at < info.size) {
      const { bytesRead } = await fh.read(buffer, at, info.size - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return buffer.toString("utf8", 0, at);
  } finally {
    await fh.close();
  }
}

function formatOf(file: string, text: string): GoldenFormat {
  const ext = extname(file).toLowerCase();
  if (ext === ".json") return "json";
  if (ext === ".csv") return "csv";
  return text.trimStart().startsWith("[") ? "json" : "csv";
}

/** The package on disk: --source, else the registered model's source. */
async function inProcess(id: string, opts: VerifyCliOptions, ctx: CliContext): Promise<Predictor> {
  const { config } = configOrExit(ctx);
  const { fetchPackage, normaliseSource, sourceContextFromConfig } =
    await import("../../sources/index.js");
  const { readSpecFile } = await import("../../spec/index.js");
  const { inProcessPredictor } = await import("../../verify/index.js");
  let source: string;
  if (opts.source) source = normaliseSource(opts.source, ctx.cwd);
  else {
    const { openAdmin } = await import("../admin.js");
    const session = await openAdmin(config);
    try {
      const model = (await session.ops.listModels()).find((m) => m.id === id);
      if (!model) {
        throw new ExitError(
          EXIT.usage,
          `No model is registered with id ${id}: list them with \`modelgate models list\`, or give the package with --source.`,
        );
      }
      source = model.source;
    } finally {
      await session.close();
    }
  }
  const pkg = await fetchPackage(source, id, sourceContextFromConfig(config));
  const spec = await readSpecFile(pkg.dir);
  const at = pkg.revision ? ` at ${pkg.revision}` : "";
  return inProcessPredictor(pkg.dir, spec, `${source}${at} (in-process)`);
}

export async function modelsVerify(
  id: string,
  opts: VerifyCliOptions,
  ctx: CliContext,
): Promise<VerifyOutput> {
  const verify = await import("../../verify/index.js");
  const format = opts.json ? "json" : (opts.format ?? "text");
  if (format !== "text" && format !== "json") {
    throw new ExitError(EXIT.usage, `--format "${opts.format}" is not one of: text, json.`);
  }
  if (!opts.golden)
    throw new ExitError(
      EXIT.usage,
      "models verify needs --golden FILE (JSON or CSV; see docs/migrate.md).",
    );
  if (opts.source && opts.url) {
    throw new ExitError(
      EXIT.usage,
      "--source and --url exclude each other: verify a package in-process, or a running server.",
    );
  }
  const tolerance: Tolerance = {
    abs: toleranceFlag("--tolerance", opts.tolerance ?? "1e-5"),
    rel: toleranceFlag("--rel-tolerance", opts.relTolerance ?? "0"),
  };
  const text = await readGoldenFile(
    resolve(ctx.cwd, opts.golden),
    opts.golden,
    verify.GOLDEN_LIMITS.bytes,
  );
  const golden: GoldenFile = { file: opts.golden, text, format: formatOf(opts.golden, text) };

  let predictor: Predictor | undefined;
  try {
    if (opts.url) {
      predictor = await verify.remotePredictor({
        url: serviceUrl(opts.url, "models verify --url"),
        apiKey: apiKeyFrom(opts, ctx, "models verify --url"),
        modelId: id,
        callTimeoutMs: durationFlag("--call-timeout", opts.callTimeout ?? "30s"),
      });
    } else predictor = await inProcess(id, opts, ctx);
    const report = await verify.runVerify(id, golden, predictor, tolerance);
    const differing = report.rows.map((r) => r.name);
    const body =
      format === "json" ? JSON.stringify(report, null, 2) : verify.renderVerifyText(report);
    return { data: report, text: body, differing: report.differing.rows > 0 ? differing : [] };
  } catch (err) {
    if (err instanceof verify.GoldenError) throw new ExitError(EXIT.usage, err.message);
    if (err instanceof verify.VerifyServiceError) throw new ExitError(EXIT.failed, err.message);
    // A package that is not a valid model is bad input to this command.
    if (isModelgateError(err) && (err.code === "spec_invalid" || err.code === "model_invalid")) {
      throw new ExitError(EXIT.usage, `Cannot verify model ${id}: ${err.detail}`);
    }
    throw err;
  } finally {
    await predictor?.close();
  }
}

export function addModelsVerifyCommand(models: Command, ctx: CliContext): void {
  models
    .command("verify")
    .description("Check a model answers like golden answers (exit 1 naming each row that differs).")
    .argument("<id>", "the model id (a registered model, or the id for --source)")
    .option(
      "--golden <file>",
      "golden inputs and answers: a .json array or a .csv file (docs/migrate.md)",
    )
    .option(
      "--source <source>",
      "verify this package (a folder, hf://…) instead of the registered model's",
    )
    .option("--url <url>", "verify on a running modelgate instead of in this process")
    .option("--api-key <key>", `with --url: an API key (better: set ${API_KEY_ENV})`)
    .option("--tolerance <number>", "absolute tolerance of a number", "1e-5")
    .option("--rel-tolerance <number>", "relative tolerance, times |expected| (0: off)", "0")
    .option("--format <format>", "text or json", "text")
    .option("--json", "same as --format json")
    .option("--call-timeout <duration>", "with --url: the time limit of each HTTP call", "30s")
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  $ modelgate models verify 21 --golden golden.csv",
        "  $ modelgate models verify churn --source ./packages/churn --golden old-service-answers.json",
        `  $ modelgate models verify 21 --golden golden.csv --url https://models.example.com   # key in ${API_KEY_ENV}`,
        "",
        "A number differs when |actual − expected| > tolerance + rel-tolerance × |expected|. Exit",
        "codes: 0 parity, 1 a row differs (or the server cannot answer), 2 bad usage or golden file.",
      ].join("\n"),
    )
    .action(async (id: string, opts: VerifyCliOptions) => {
      const out = await modelsVerify(id, opts, ctx);
      ctx.stdout.write(`${out.text}\n`);
      if (out.differing.length > 0) {
        const report = out.data as { differing: { rows: number }; compared: { rows: number } };
        const shown = out.differing.slice(0, 10).join(", ");
        const more = report.differing.rows > 10 ? `, … (${report.differing.rows - 10} more)` : "";
        throw new ExitError(
          EXIT.failed,
          `models verify ${id}: ${report.differing.rows} of ${report.compared.rows} rows differ: ${shown}${more}.`,
        );
      }
    });
}
