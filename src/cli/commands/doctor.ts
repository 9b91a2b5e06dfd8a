/**
 * `modelgate doctor`: the seeds' investigation, automated (src/doctor). This file is the argv
 * layer only: it reads the flags and doctor's own environment (HF_ENDPOINT, the Hub token,
 * DATABASE_URL, REDIS_URL), composes config check's engine for step 3, runs the investigation,
 * writes the report folder, and ends with exit 0 (nothing wrong), 1 (a root cause) or 2 (usage).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { loadConfig } from "../../config/index.js";
import type { CheckDeps } from "../../drift/check.js";
import type { AwsClients } from "../../doctor/probes/secrets.js";
import type { DoctorResult } from "../../doctor/types.js";
import { sourceContextFromConfig } from "../../sources/context.js";
import { readVersion } from "../../version.js";
import type { CliContext } from "../context.js";
import { EXIT, ExitError } from "../errors.js";
import type { CommandOutput } from "../output.js";
import { API_KEY_ENV, serviceUrl } from "../remote-flags.js";
import type { SourceFlags } from "./config-check.js";
import { addSourceOptions, runDriftCheck } from "./config-check.js";

export interface DoctorOptions extends SourceFlags {
  url?: string;
  apiKey?: string;
  model?: string;
  input?: string;
  databaseUrl?: string;
  redisUrl?: string;
  metricsUrl?: string;
  metricsToken?: string;
  report?: string;
  json?: boolean;
  timeout?: string;
}

export interface DoctorDeps {
  awsClients?: AwsClients;
  check?: CheckDeps;
}

export interface DoctorOutput extends CommandOutput {
  exitCode: 0 | 1;
  result: DoctorResult;
}

const DEFAULT_TIMEOUT_MS = 5_000;
const MAX_TIMEOUT_MS = 5 * 60_000;

/** "5s", "500ms", "2m", or a number of seconds. */
export function parseTimeout(text: string | undefined): number {
  if (text === undefined) return DEFAULT_TIMEOUT_MS;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(text);
  const value = m ? Number(m[1]) * (m[2] === "ms" ? 1 : m[2] === "m" ? 60_000 : 1000) : NaN;
  if (!Number.isFinite(value) || value < 100 || value > MAX_TIMEOUT_MS) {
    throw new ExitError(
      EXIT.usage,
      `--timeout "${text}" is not a duration between 100ms and 5m: write it like 5s, 500ms or 1m.`,
    );
  }
  return Math.round(value);
}

function parseUrlFlag(
  flag: string,
  text: string | undefined,
  schemes: string[],
): string | undefined {
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ExitError(
      EXIT.usage,
      `${flag} "${text}" is not a URL: write it like ${schemes[0]}://host:port.`,
    );
  }
  if (!schemes.includes(url.protocol.replace(/:$/, ""))) {
    throw new ExitError(
      EXIT.usage,
      `${flag} must be a ${schemes.join(" or ")} URL, not ${url.protocol}//.`,
    );
  }
  return text.replace(/\/+$/, "");
}

function parseInput(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ExitError(
      EXIT.usage,
      `--input is not JSON (${(err as Error).message}): give one input object, e.g. '{"company_size": 1000}'.`,
    );
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ExitError(
      EXIT.usage,
      "--input must be one JSON object (the model's `inputs`), not an array or a value.",
    );
  }
  return parsed as Record<string, unknown>;
}

const SOURCE_LISTS = [
  "code",
  "envExample",
  "terraform",
  "tfJson",
  "taskDefinition",
  "ecsService",
  "k8s",
  "compose",
] as const;

const FLAG_NAMES: Record<(typeof SOURCE_LISTS)[number], string> = {
  code: "--code",
  envExample: "--env-example",
  terraform: "--terraform",
  tfJson: "--tf-json",
  taskDefinition: "--task-definition",
  ecsService: "--ecs-service",
  k8s: "--k8s",
  compose: "--compose",
};

/** `modelgate config check …` with the same sources, for the report. */
function configCommandLine(flags: SourceFlags): string {
  const parts = ["modelgate config check"];
  for (const key of SOURCE_LISTS)
    for (const v of flags[key] ?? []) parts.push(`${FLAG_NAMES[key]} ${v}`);
  if (flags.schema) parts.push("--schema");
  return parts.join(" ");
}

export async function doctorCommand(
  opts: DoctorOptions,
  ctx: CliContext,
  deps: DoctorDeps = {},
): Promise<DoctorOutput> {
  const timeoutMs = parseTimeout(opts.timeout);
  const url = opts.url === undefined ? undefined : serviceUrl(opts.url, "doctor");
  // As for smoke: the key from MODELGATE_API_KEY by preference, kept out of shell history.
  const apiKey = opts.apiKey ?? (url ? ctx.env[API_KEY_ENV] : undefined);
  const metricsUrl = parseUrlFlag("--metrics-url", opts.metricsUrl, ["http", "https"]);
  const databaseFlag = parseUrlFlag("--database-url", opts.databaseUrl, ["postgres", "postgresql"]);
  const redisFlag = parseUrlFlag("--redis-url", opts.redisUrl, ["redis", "rediss"]);
  const input = parseInput(opts.input);
  if (opts.model !== undefined && !/^[\w.-]{1,64}$/.test(opts.model)) {
    throw new ExitError(
      EXIT.usage,
      `--model "${opts.model}" is not a model id (1-64 letters, digits, ., _ or -).`,
    );
  }
  if (opts.apiKey !== undefined && !url)
    throw new ExitError(EXIT.usage, "--api-key needs --url: the service it is a key for.");

  const { Masker } = await import("../../doctor/mask.js");
  const { runDoctor } = await import("../../doctor/run.js");
  const { defaultAwsClients } = await import("../../doctor/probes/secrets.js");
  const masker = new Masker();
  masker.add(apiKey);
  masker.add(opts.metricsToken);
  // doctor's own environment: where the Hub is, doctor's token, the dependencies' addresses.
  const own = loadConfig(ctx.env, { cwd: ctx.cwd });
  const token = own.config.huggingfaceApiKey;
  masker.add(token);
  const origin = own.origins.huggingfaceApiKey;
  const tokenOrigin =
    origin.from === "env"
      ? `doctor's environment (${origin.name})`
      : origin.from === "file"
        ? `doctor's environment (${origin.name}, ${origin.path})`
        : "doctor's environment";
  masker.addUrl(databaseFlag ?? own.config.databaseUrl);
  masker.addUrl(redisFlag ?? own.config.redisUrl);
  masker.add(own.config.redisAuthToken);
  masker.add(own.config.mlflowTrackingToken);
  masker.add(own.config.mlflowTrackingPassword);

  const flags: SourceFlags = { ...opts };
  const anyList = SOURCE_LISTS.some((k) => (opts[k]?.length ?? 0) > 0);
  // The service doctor talks to is modelgate: without --code, its own schema is the code.
  if (anyList && !(opts.code?.length ?? 0)) flags.schema = true;
  const runCheck = async () => {
    try {
      return await runDriftCheck(flags, ctx, deps.check);
    } catch (err) {
      if (err instanceof ExitError && err.message.startsWith("Nothing to check")) return null;
      throw err;
    }
  };

  const result = await runDoctor({
    service: {
      url,
      apiKey,
      metricsUrl,
      metricsToken: opts.metricsToken,
    },
    model: opts.model,
    input,
    timeoutMs,
    runCheck,
    configCommand: anyList ? configCommandLine(flags) : undefined,
    hub: {
      hubUrl: own.config.hfEndpoint,
      token: token ? { value: token, origin: tokenOrigin } : undefined,
    },
    mlflow: sourceContextFromConfig(own.config).mlflow,
    aws: { clients: deps.awsClients ?? defaultAwsClients(timeoutMs), region: opts.region },
    postgres: databaseFlag
      ? { url: databaseFlag, origin: "--database-url" }
      : own.config.databaseUrl
        ? { url: own.config.databaseUrl, origin: "DATABASE_URL in doctor's environment" }
        : null,
    redis: redisFlag
      ? { url: redisFlag, origin: "--redis-url" }
      : own.config.redisUrl
        ? { url: own.config.redisUrl, origin: "REDIS_URL in doctor's environment" }
        : null,
    redisAuthToken: own.config.redisAuthToken,
    masker,
    version: readVersion().version,
  });

  const { renderText } = await import("../../doctor/report/text.js");
  let text = renderText(result);
  if (opts.report) {
    const { hypothesesMd, investigationMd, rootCauseMd } =
      await import("../../doctor/report/markdown.js");
    const dir = resolve(ctx.cwd, opts.report);
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "investigation.md"), masker.mask(investigationMd(result)));
      writeFileSync(join(dir, "hypotheses.md"), masker.mask(hypothesesMd(result)));
      writeFileSync(join(dir, "root-cause.md"), masker.mask(rootCauseMd(result)));
    } catch (err) {
      throw new ExitError(
        EXIT.usage,
        `--report ${opts.report}: cannot write the report there (${(err as Error).message}).`,
      );
    }
    text += `\nWrote ${opts.report}/investigation.md, hypotheses.md and root-cause.md.`;
  }
  return { data: result, text: masker.mask(text), exitCode: result.exitCode, result };
}

export function addDoctorCommand(program: Command, ctx: CliContext): void {
  addSourceOptions(
    program
      .command("doctor")
      .description(
        "Investigate why a model fails: the symptom, the service's account, configuration, credentials, secret references and dependencies; ends with the root cause and the fix.",
      )
      .option("--url <url>", "the modelgate service to investigate (http://host:port)")
      .option(
        "--api-key <key>",
        `an API key with predict and models:read for the model (better: set ${API_KEY_ENV})`,
      )
      .option("--model <id>", "the model (default: the first whose /ready check fails)")
      .option("--input <json>", "the predict input to send (default: the model's example input)"),
  )
    .option(
      "--database-url <url>",
      "PostgreSQL to reach (default: DATABASE_URL in doctor's environment)",
    )
    .option("--redis-url <url>", "Redis to reach (default: REDIS_URL in doctor's environment)")
    .option("--metrics-url <url>", "where /metrics is served when not on --url")
    .option("--metrics-token <token>", "bearer token /metrics needs (the service's METRICS_TOKEN)")
    .option("--timeout <duration>", "bound on each probe (5s, 500ms, 1m)", "5s")
    .option("--report <dir>", "write investigation.md, hypotheses.md and root-cause.md there")
    .option("--json", "print the investigation as JSON")
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  $ export MODELGATE_API_KEY=hk_live_…   # or read it from your secret store",
        "  $ modelgate doctor --url https://api.example.com --model 21 \\",
        "      --terraform infra --task-definition hokusai-api-development-150.json --report bugs/model-21",
        "  $ modelgate doctor --url http://127.0.0.1:8001 --ecs-service prod/api --region us-east-1",
        "  $ REDIS_URL=redis://cache.internal:6379 modelgate doctor --timeout 2s",
        "",
        "Doctor's own environment supplies HF_ENDPOINT and a Hub token (HUGGINGFACE_API_KEY, HF_TOKEN or *_FILE)",
        "and MLFLOW_TRACKING_URI with its credential and TLS variables for step 4, AWS credentials for step 5",
        "(the secret's value is tested, never shown), and DATABASE_URL / REDIS_URL for step 6.",
        "Exit codes: 0 nothing wrong found, 1 a root cause found, 2 bad usage. See docs/doctor.md.",
      ].join("\n"),
    )
    .action(async (opts: DoctorOptions) => {
      const out = await doctorCommand(opts, ctx);
      ctx.stdout.write(opts.json ? `${JSON.stringify(out.data, null, 2)}\n` : `${out.text}\n`);
      if (out.exitCode !== 0) {
        throw new ExitError(
          EXIT.failed,
          `doctor found a problem: ${out.result.rootCause?.title ?? "see above"}`,
        );
      }
    });
}
