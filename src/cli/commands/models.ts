import type { Config } from "../../config/index.js";
import { durationTooLong, parseDuration } from "../../duration.js";
import { isModelgateError, ModelgateError } from "../../errors.js";
import { loadOnnxModel } from "../../runtimes/onnx/index.js";
import type { ModelView } from "../../server/admin/ops.js";
import { fetchPackage, normaliseSource, sourceContextFromConfig } from "../../sources/index.js";
import type { ModelSpec } from "../../spec/index.js";
import { readSpecFile } from "../../spec/index.js";
import { openAdmin } from "../admin.js";
import type { CliContext } from "../context.js";
import { configOrExit } from "../context.js";
import { EXIT, ExitError } from "../errors.js";
import type { CommandOutput } from "../output.js";
import { table } from "../output.js";
import { progressReporter } from "../progress.js";

const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Source failures that may be cured where the service runs: save, and warn. */
const DEFERRABLE = new Set([
  "source_credentials_missing",
  "source_unauthorized",
  "source_unreachable",
]);

/** A package that cannot be served anywhere: bad input to `register` (exit 2). */
const REFUSED = new Set(["model_invalid", "spec_invalid", "source_unsupported"]);

export interface RegisterOptions {
  source?: string;
  name?: string;
  maxBatchSize?: string;
  cacheDuration?: string;
  warm?: boolean;
}

async function withAdmin<T>(
  config: Config,
  fn: (session: Awaited<ReturnType<typeof openAdmin>>) => Promise<T>,
): Promise<T> {
  const session = await openAdmin(config);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

function positiveInt(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw new ExitError(EXIT.usage, `${flag} must be a whole number of at least 1, got "${text}".`);
  return Number(text);
}

/** Downloads the package, then checks its spec and ONNX file load: what registering can check. */
async function checkPackage(id: string, source: string, config: Config, ctx: CliContext) {
  const progress = progressReporter(ctx.stderr);
  try {
    const pkg = await fetchPackage(source, id, sourceContextFromConfig(config), {
      onProgress: progress.onProgress,
    });
    const spec = await readSpecFile(pkg.dir);
    if (spec.runtime.type === "onnx") await (await loadOnnxModel(pkg.dir, spec)).close();
    return { spec, revision: pkg.revision };
  } finally {
    progress.done();
  }
}

export async function modelsRegister(
  id: string,
  opts: RegisterOptions,
  ctx: CliContext,
): Promise<CommandOutput> {
  const { config } = configOrExit(ctx);
  if (!MODEL_ID.test(id))
    throw new ExitError(
      EXIT.usage,
      `The model id "${id}" is invalid: use 1–64 letters, digits, ".", "_" or "-".`,
    );
  if (!opts.source)
    throw new ExitError(
      EXIT.usage,
      "models register needs --source SOURCE (a folder, hf://owner/repo[@revision], models:/NAME@ALIAS or an https URL).",
    );
  const source = normaliseSource(opts.source, ctx.cwd);
  const maxBatch = positiveInt(opts.maxBatchSize, "--max-batch-size");
  let cacheDurationS: number | null = null;
  if (opts.cacheDuration !== undefined) {
    const ms = parseDuration(opts.cacheDuration);
    if (ms === undefined)
      throw new ExitError(
        EXIT.usage,
        `--cache-duration "${opts.cacheDuration}" is not a duration: use e.g. 30m, 1h, 1d.`,
      );
    const tooLong = durationTooLong(`--cache-duration "${opts.cacheDuration}"`, ms);
    if (tooLong) throw new ExitError(EXIT.usage, tooLong);
    cacheDurationS = Math.round(ms / 1000);
  }

  const warnings: string[] = [];
  let spec: ModelSpec | null = null;
  let revision: string | null = null;
  try {
    ({ spec, revision } = await checkPackage(id, source, config, ctx));
  } catch (err) {
    // A broken package is bad input to this command (exit 2), wherever it is served later.
    if (isModelgateError(err) && REFUSED.has(err.code)) {
      throw new ExitError(EXIT.usage, `Cannot register model ${id}: ${err.detail}`);
    }
    if (!isModelgateError(err) || !DEFERRABLE.has(err.code)) throw err;
    // The token may be configured only where the service runs: save, and say what it needs.
    warnings.push(
      `${err.detail} The model is registered; it will load once this is fixed where modelgate serves.`,
    );
  }
  if (spec && maxBatch !== undefined && maxBatch > spec.max_batch_size) {
    throw new ExitError(
      EXIT.usage,
      `--max-batch-size ${maxBatch} is above the package's max_batch_size ${spec.max_batch_size}.`,
    );
  }
  const view = await withAdmin(config, (s) =>
    s.ops.registerModel({
      id,
      source,
      name: opts.name,
      spec,
      resolved_revision: revision,
      max_batch_size: maxBatch ?? null,
      cache_duration_s: cacheDurationS,
      warm: opts.warm ?? false,
    }),
  );
  const at = view.resolved_revision ? ` at ${view.resolved_revision}` : "";
  const text = [
    `Registered model ${view.id} (${view.name}) from ${view.source}${at}.`,
    ...warnings.map((w) => `warning: ${w}`),
  ].join("\n");
  return { data: { model: view, warnings }, text };
}

export async function modelsPull(id: string, ctx: CliContext): Promise<CommandOutput> {
  const { config } = configOrExit(ctx);
  return withAdmin(config, async (session) => {
    const model = (await session.ops.listModels()).find((m) => m.id === id);
    if (!model)
      throw new ModelgateError(
        "model_not_found",
        `No model is registered with id ${id}: list them with \`modelgate models list\`.`,
      );
    const { revision } = await checkPackage(id, model.source, config, ctx);
    const view = await session.ops.recordPull(id, revision);
    const served =
      session.via === "server" ? " The running server serves it from its next request." : "";
    return {
      data: view,
      text: `Pulled model ${id} from ${model.source}${revision ? ` at ${revision}` : ""}.${served}`,
    };
  });
}

export async function modelsRemove(id: string, ctx: CliContext): Promise<CommandOutput> {
  const { config } = configOrExit(ctx);
  const view = await withAdmin(config, (s) => s.ops.removeModel(id));
  return {
    data: view,
    text: `Removed model ${view.id} (${view.name}). Its downloaded files stay in the disk cache.`,
  };
}

export async function modelsList(ctx: CliContext): Promise<CommandOutput> {
  const { config } = configOrExit(ctx);
  const models: ModelView[] = await withAdmin(config, (s) => s.ops.listModels());
  const text =
    models.length === 0
      ? "No models registered: register one with `modelgate models register ID --source ...` (the example model 21 comes back with `modelgate models register 21 --source builtin:lead-scoring`)."
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
}
