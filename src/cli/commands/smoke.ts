/**
 * `modelgate smoke`: post-deploy checks against a running modelgate (src/smoke/). Exit 0 when
 * every check passes (skipped ones included), 1 when one fails, 2 for bad usage.
 */
import type { Command } from "commander";
import type { SmokeDeps, SmokeFormat } from "../../smoke/index.js";
import type { CliContext } from "../context.js";
import { EXIT, ExitError } from "../errors.js";
import type { CommandOutput } from "../output.js";
import { API_KEY_ENV, apiKeyFrom, durationFlag, serviceUrl } from "../remote-flags.js";

const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface SmokeCliOptions {
  url?: string;
  apiKey?: string;
  models?: string;
  format?: string;
  json?: boolean;
  timeout?: string;
  callTimeout?: string;
  maxLatency?: string;
}

export interface SmokeOutput extends CommandOutput {
  failed: string[];
}

function modelList(text: string | undefined, max: number): string[] | undefined {
  if (text === undefined) return undefined;
  const ids = [
    ...new Set(
      text
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  const bad = ids.filter((id) => !MODEL_ID.test(id));
  if (ids.length === 0 || bad.length > 0) {
    throw new ExitError(
      EXIT.usage,
      `--models takes comma-separated model ids (1–64 letters, digits, ".", "_" or "-")${bad.length ? `; not ids: ${bad.map((b) => `"${b}"`).join(", ")}` : ""}.`,
    );
  }
  if (ids.length > max)
    throw new ExitError(
      EXIT.usage,
      `--models lists ${ids.length} models; smoke checks at most ${max} in one run.`,
    );
  return ids;
}

export async function smokeCommand(
  opts: SmokeCliOptions,
  ctx: CliContext,
  deps: SmokeDeps = {},
): Promise<SmokeOutput> {
  const { MAX_SMOKE_MODELS, SMOKE_FORMATS, renderSmoke, runSmoke } =
    await import("../../smoke/index.js");
  const format = (opts.json ? "json" : (opts.format ?? "text")) as SmokeFormat;
  if (!SMOKE_FORMATS.includes(format)) {
    throw new ExitError(
      EXIT.usage,
      `--format "${opts.format}" is not one of: ${SMOKE_FORMATS.join(", ")}.`,
    );
  }
  const url = serviceUrl(opts.url, "smoke");
  const apiKey = apiKeyFrom(opts, ctx, "smoke");
  const models = modelList(opts.models, MAX_SMOKE_MODELS);
  const timeoutMs = durationFlag("--timeout", opts.timeout ?? "60s");
  const callTimeoutMs = durationFlag("--call-timeout", opts.callTimeout ?? "10s");
  const maxLatencyMs = durationFlag("--max-latency", opts.maxLatency ?? "5s");
  if (opts.apiKey !== undefined) {
    ctx.stderr.write(
      `note: --api-key is visible in shell history and the process list; prefer ${API_KEY_ENV}.\n`,
    );
  }
  const report = await runSmoke(
    {
      url,
      apiKey,
      ...(models ? { models } : {}),
      timeoutMs,
      callTimeoutMs,
      maxLatencyMs,
      onProgress: (line) => ctx.stderr.write(`${line}\n`),
    },
    deps,
  );
  const failed = report.checks
    .filter((c) => c.status === "fail")
    .map((c) => (c.group === "service" ? c.name : `${c.group} ${c.name}`));
  return { data: report, text: renderSmoke(report, format), failed };
}

export function addSmokeCommand(program: Command, ctx: CliContext): void {
  program
    .command("smoke")
    .description("Post-deploy checks against a running modelgate (exit 1 when one fails).")
    .option("--url <url>", "the service's base URL")
    .option("--api-key <key>", `an API key (better: set ${API_KEY_ENV}, kept out of shell history)`)
    .option("--models <ids>", "comma-separated model ids (default: every model the key may use)")
    .option("--format <format>", "text, json or junit", "text")
    .option("--json", "same as --format json")
    .option("--timeout <duration>", "how long to wait for /ready (a rolling deploy)", "60s")
    .option("--call-timeout <duration>", "the time limit of each HTTP call", "10s")
    .option("--max-latency <duration>", "the slowest answer that passes", "5s")
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        `  $ export ${API_KEY_ENV}="$(cat /run/secrets/modelgate-key)"   # not typed: history keeps it`,
        "  $ modelgate smoke --url https://models.example.com --models 21",
        "  $ modelgate smoke --url http://127.0.0.1:8001 --format junit > smoke.xml",
        "",
        "Checks /live, /ready (waiting up to --timeout), that a request without a key gets 401, and",
        "for each model: info, health, a predict with the example input of its spec, and that a",
        "malformed body gets 422. Exit codes: 0 all passed, 1 a check failed, 2 bad usage.",
      ].join("\n"),
    )
    .action(async (opts: SmokeCliOptions) => {
      const out = await smokeCommand(opts, ctx);
      ctx.stdout.write(`${out.text}\n`);
      if (out.failed.length > 0) {
        throw new ExitError(
          EXIT.failed,
          `smoke: ${out.failed.length} check(s) failed: ${out.failed.join(", ")}.`,
        );
      }
    });
}
