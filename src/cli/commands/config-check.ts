/**
 * `modelgate config check`: compares the variables the code reads (and .env.example documents)
 * with what each deployment target provides — Terraform, a task definition, a live ECS service,
 * Kubernetes manifests, a compose file — and fails on what would break the deployed service.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import type { CheckDeps, CheckResult, Sources } from "../../drift/check.js";
import { isDriftInputError } from "../../drift/errors.js";
import { LIST_SOURCES } from "../../drift/findings/policy.js";
import type { CliContext } from "../context.js";
import { EXIT, ExitError } from "../errors.js";
import type { CommandOutput } from "../output.js";

export interface SourceFlags {
  code?: string[];
  entry?: string[];
  includeTests?: boolean;
  envExample?: string[];
  terraform?: string[];
  tfVarFile?: string[];
  tfJson?: string[];
  taskDefinition?: string[];
  ecsService?: string[];
  region?: string;
  k8s?: string[];
  compose?: string[];
  container?: string;
  exclude?: string[];
  schema?: boolean;
  config?: string;
}

export interface ConfigCheckOptions extends SourceFlags {
  format?: string;
  json?: boolean;
  output?: string;
  color?: boolean;
}

export interface ConfigCheckOutput extends CommandOutput {
  exitCode: 0 | 1;
  errors: number;
}

/** Runs the check from CLI flags; input problems become exit code 2. */
export async function runDriftCheck(
  opts: SourceFlags,
  ctx: CliContext,
  deps: CheckDeps = {},
): Promise<CheckResult> {
  const { runCheck } = await import("../../drift/check.js");
  const sources: Partial<Sources> = {};
  for (const key of LIST_SOURCES) {
    const value = opts[key];
    if (value && value.length > 0) sources[key] = value;
  }
  if (opts.region !== undefined) sources.region = opts.region;
  if (opts.container !== undefined) sources.container = opts.container;
  if (opts.schema) sources.schema = true;
  if (opts.includeTests) sources.includeTests = true;
  if (opts.exclude && opts.exclude.length > 0) sources.exclude = opts.exclude;
  try {
    return await runCheck({ cwd: ctx.cwd, sources, config: opts.config, env: ctx.env }, deps);
  } catch (err) {
    if (isDriftInputError(err)) throw new ExitError(EXIT.usage, err.message);
    throw err;
  }
}

export async function configCheck(
  opts: ConfigCheckOptions,
  ctx: CliContext,
  deps: CheckDeps = {},
): Promise<ConfigCheckOutput> {
  const { parseFormat, render } = await import("../../drift/report/index.js");
  let format;
  try {
    format = parseFormat(opts.json ? "json" : (opts.format ?? "text"));
  } catch (err) {
    throw new ExitError(EXIT.usage, (err as Error).message);
  }
  const result = await runDriftCheck(opts, ctx, deps);
  const colour =
    format === "text" &&
    !opts.output &&
    opts.color !== false &&
    ctx.stdout.isTTY === true &&
    !ctx.env.NO_COLOR;
  const { report, output } = render(result, format, colour);
  const s = report.summary;
  let text = output;
  if (opts.output) {
    writeFileSync(resolve(ctx.cwd, opts.output), `${output}\n`);
    text = `Wrote the ${format} report to ${opts.output}: ${s.errors} error(s), ${s.warnings} warning(s), ${s.infos} note(s).`;
  }
  return { data: report, text, exitCode: s.errors > 0 ? 1 : 0, errors: s.errors };
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The source flags shared by `config check` and `config docs`. */
export function addSourceOptions(cmd: Command): Command {
  return cmd
    .option(
      "--code <dir>",
      "folder of the service's sources (JS/TS, Python, Go); repeatable",
      collect,
    )
    .option(
      "--entry <file>",
      "only code reachable from this entry file through imports; repeatable",
      collect,
    )
    .option(
      "--include-tests",
      "also scan tests, fixtures, examples, docs and notebooks (skipped by default)",
    )
    .option(
      "--exclude <glob>",
      "code paths not scanned: a glob relative to the working directory (src/legacy/**) or a name (loadgenerator); repeatable",
      collect,
    )
    .option("--env-example <file>", "a .env.example-style file; repeatable", collect)
    .option(
      "--terraform <dir>",
      "a Terraform configuration with aws_ecs_task_definition resources; repeatable",
      collect,
    )
    .option(
      "--tf-var-file <file>",
      "a .tfvars file for --terraform (after terraform.tfvars, *.auto.tfvars); repeatable",
      collect,
    )
    .option(
      "--tf-json <file>",
      "`terraform show -json` output (plan or state); repeatable",
      collect,
    )
    .option(
      "--task-definition <path>",
      "an ECS task definition (describe-task-definition output), or a folder of them; repeatable",
      collect,
    )
    .option(
      "--ecs-service <cluster/service>",
      "a live ECS service: the revisions it runs (read-only AWS calls); repeatable",
      collect,
    )
    .option("--region <region>", "AWS region for --ecs-service (default: the AWS SDK's)")
    .option(
      "--k8s <path>",
      "Kubernetes manifests: a file, a folder, a Kustomize folder, or - for stdin (`helm template … | … --k8s -`); repeatable",
      collect,
    )
    .option(
      "--compose <path>",
      "a Docker Compose file, or a folder's compose files; repeatable",
      collect,
    )
    .option(
      "--container <name>",
      "the container (or compose service) to compare where there are several: NAME, or WORKLOAD/CONTAINER (frontend/server)",
    )
    .option(
      "--schema",
      "count modelgate's own declared variables as read (for checking modelgate itself)",
    )
    .option(
      "--config <file>",
      "policy file (default: .modelgate/drift.json or modelgate.drift.json, from the checked repository, else the working directory)",
    );
}

export function addConfigCheckCommand(config: Command, ctx: CliContext): void {
  addSourceOptions(config.command("check"))
    .description(
      "Compare the variables the code needs with what each deployment provides (exit 1 on an error finding).",
    )
    .option("--format <format>", "text, json, markdown, sarif or junit", "text")
    .option("--json", "same as --format json")
    .option("--output <file>", "write the report to a file instead of stdout")
    .option("--no-color", "no colour in the text report")
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  $ modelgate config check --code src --entry src/api/main.py --env-example .env.example \\",
        "      --terraform infra --task-definition hokusai-api-development-150.json",
        "  $ modelgate config check --code . --ecs-service hokusai-development/hokusai-api-development --region us-east-1",
        "  $ modelgate config check --code src --k8s kubernetes-manifests   # each Deployment with its src/<name>",
        "  $ helm template ./chart -f values-prod.yaml | modelgate config check --code . --k8s -",
        "  $ modelgate config check --format sarif --output drift.sarif",
        "",
        "With no source flag, the sources listed in the policy file are used. Exit codes: 0 no error",
        "finding, 1 an error finding, 2 bad usage or an unreadable input. See docs/config-check.md.",
      ].join("\n"),
    )
    .action(async (opts: ConfigCheckOptions) => {
      const out = await configCheck(opts, ctx);
      ctx.stdout.write(`${out.text}\n`);
      if (out.exitCode !== 0) {
        throw new ExitError(
          EXIT.failed,
          `config check found ${out.errors} error(s): fix them (each finding says how), or change their severity in the policy file.`,
        );
      }
    });
}
