/**
 * Task definitions as real repositories write them: unknown images and values, filtered and
 * spliced lists, template_file data sources, remote modules (fetched or not), Terragrunt units,
 * task definitions in folders nothing calls. Each is read, or reported as not read with the file,
 * the line and why.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Target } from "../model.js";
import type { TempTree } from "../test-support/tmp.js";
import { FIXTURES, tempTree } from "../test-support/tmp.js";
import { readTerraform } from "./index.js";

let tree: TempTree | undefined;
afterEach(() => tree?.remove());

const cwd = `${FIXTURES}terraform`;
const read = (dirs: string[], envVars: Record<string, string> = {}, at = cwd) =>
  readTerraform({ cwd: at, dirs, varFiles: [], envVars });

function names(t: Target | undefined): string[] {
  return [...(t?.provisions.keys() ?? [])].sort();
}
const byId = (targets: Target[], id: string) => targets.find((t) => t.id === `terraform:${id}`);

describe("unknown values are placeholders, never a dropped container", () => {
  it("reads a container whose image and values are unknown, and entries filtered on unknown values", async () => {
    const { targets } = await read(["unknowns"]);
    const api = byId(targets, "aws_ecs_task_definition.api");
    expect(api?.containers).toEqual(["api"]);
    // SENTRY_DSN defaults to "" and the `if v != ""` drops it; the others depend on values
    // Terraform knows at apply time, so they are kept, with a note.
    expect(names(api)).toEqual(["ACCOUNT_ID", "API_TOKEN", "LOG_LEVEL", "QUEUE_URL"]);
    expect(api?.notes.join("\n")).toMatch(/read although it may not be there/);
    // Nothing unknown could add a name: an absence there is certain.
    expect(api?.unresolved.filter((u) => u.mayProvide)).toEqual([]);
  });

  it("reads containers jsonencode()d one by one and join()ed into a list", async () => {
    const joined = byId((await read(["unknowns"])).targets, "aws_ecs_task_definition.joined");
    expect(joined?.containers).toEqual(["api", "worker"]);
    expect(names(joined)).toContain("WORKER_CONCURRENCY");
  });

  it("says an unknown map or list may add names where it is merged or spliced in", async () => {
    const { targets } = await read(["unknowns"]);
    const merged = byId(targets, "aws_ecs_task_definition.merged");
    expect(names(merged)).toEqual(["ACCOUNT_ID", "LOG_LEVEL", "QUEUE_URL", "SENTRY_DSN"]);
    expect(merged?.unresolved.map((u) => [u.mayProvide, u.unread ?? false])).toEqual([
      [true, false],
    ]);
    expect(merged?.unresolved[0]?.reason).toMatch(
      /merge\(local.base_environment, var.extra_environment\)/,
    );
    const spliced = byId(targets, "aws_ecs_task_definition.spliced");
    expect(names(spliced)).toEqual(["DATABASE_URL"]);
    expect(spliced?.unresolved.map((u) => [u.what, u.mayProvide, u.location.line])).toEqual([
      ["secrets entry var.extra_secrets", true, 73],
    ]);
  });

  it("reports a target none of whose containers can be evaluated as not read, naming the line and why", async () => {
    const opaque = byId((await read(["unknowns"])).targets, "aws_ecs_task_definition.opaque");
    expect(opaque?.containers).toEqual([]);
    expect(opaque?.unresolved).toEqual([
      {
        what: "aws_ecs_task_definition.opaque (container_definitions data.external.definitions.result.json)",
        reason: "data sources are read from the provider when Terraform runs",
        location: { file: "unknowns/main.tf", line: 80 },
        mayProvide: true,
        unread: true,
      },
    ]);
  });

  it("keeps the known keys of a map with a computed key Terraform only knows at run time", async () => {
    tree = tempTree({
      "main.tf": [
        'variable "prefix" {\n  default = "API"\n}',
        'variable "unset" {}',
        'locals {\n  env = { "${var.prefix}_URL" = "x", (var.unset) = "y", PLAIN = "z" }\n}',
        'resource "aws_ecs_task_definition" "t" {',
        '  family = "t"',
        "  container_definitions = jsonencode([{",
        '    name        = "t"',
        "    environment = [for k, v in local.env : { name = k, value = v }]",
        "  }])",
        "}",
      ].join("\n"),
    });
    const t = (await read(["."], {}, tree.dir)).targets[0];
    expect(names(t)).toEqual(["API_URL", "PLAIN"]);
    expect(t?.unresolved.map((u) => u.mayProvide)).toEqual([true]);
  });

  it('converts TF_VAR_* to the variable\'s type: a bool "false" is false', async () => {
    tree = tempTree({
      "main.tf": [
        'variable "tracing" {\n  type = bool\n}',
        'variable "ports" {\n  type = list(number)\n}',
        'resource "aws_ecs_task_definition" "t" {',
        '  family = "t"',
        "  container_definitions = jsonencode([{",
        '    name        = "t"',
        '    environment = concat([for p in var.ports : { name = "PORT_${p}", value = "1" }],',
        '      var.tracing ? [{ name = "OTEL_ENDPOINT", value = "x" }] : [])',
        "  }])",
        "}",
      ].join("\n"),
    });
    const off = await read(["."], { TF_VAR_tracing: "false", TF_VAR_ports: "[80, 443]" }, tree.dir);
    expect(names(off.targets[0])).toEqual(["PORT_443", "PORT_80"]);
    const on = await read(["."], { TF_VAR_tracing: "true", TF_VAR_ports: "[80]" }, tree.dir);
    expect(names(on.targets[0])).toEqual(["OTEL_ENDPOINT", "PORT_80"]);
  });
});

describe('templates: data "template_file" and templatefile()', () => {
  it("renders template_file with unknown vars as placeholders and reads the JSON", async () => {
    const { targets } = await read(["template-file"]);
    const app = byId(targets, "aws_ecs_task_definition.app");
    expect(app?.containers).toEqual(["app"]);
    expect(names(app)).toEqual(["AWS_REGION", "DB_HOST", "DB_PASSWORD"]);
    expect(app?.provisions.get("DB_HOST")?.[0]?.location).toEqual({
      file: "template-file/templates/app.json.tpl",
      line: 7,
    });
    expect(app?.unresolved).toEqual([]);
  });

  it("renders one template_file per count instance", async () => {
    const { targets } = await read(["template-file"]);
    expect(byId(targets, "aws_ecs_task_definition.worker[1]")?.containers).toEqual(["worker-1"]);
  });

  it("renders templatefile() with %{ for } and reads an %{ if } it cannot resolve as if it held", async () => {
    const t = byId((await read(["template-file"])).targets, "aws_ecs_task_definition.templated");
    expect(names(t)).toEqual([
      "JWT_SECRET",
      "OTEL_EXPORTER_OTLP_ENDPOINT",
      "PORT",
      "SESSION_KEY",
      "STRIPE_KEY",
    ]);
    expect(t?.notes).toEqual([
      expect.stringMatching(/^read as if tracing held: .*var.enable_tracing/),
    ]);
  });

  it("does not read an %{ if } branch when the condition is known to be false", async () => {
    tree = tempTree({
      "c.tpl":
        '[{"name": "c", "environment": [%{ if on }{"name": "ONLY_IF_ON", "value": "1"}%{ endif }]}]',
      "main.tf":
        'resource "aws_ecs_task_definition" "c" {\n  family = "c"\n  container_definitions = templatefile("c.tpl", { on = false })\n}\n',
    });
    const { targets } = await read(["."], {}, tree.dir);
    expect(targets[0]?.containers).toEqual(["c"]);
    expect(names(targets[0])).toEqual([]);
  });
});

describe("modules", () => {
  it("reads what a remote module's call passes when it was not fetched, with a warning to run terraform init", async () => {
    const { targets, unresolved } = await read(["remote-modules"]);
    expect(targets.map((t) => t.id)).toEqual(["terraform:module.api"]);
    const api = targets[0];
    expect(names(api)).toEqual(["DATABASE_URL", "FEATURE_X", "LOG_LEVEL"]);
    expect(api?.provisions.get("DATABASE_URL")?.[0]).toMatchObject({
      kind: "secret",
      location: { file: "remote-modules/main.tf", line: 16 },
    });
    expect(api?.unresolved[0]).toMatchObject({
      what: 'module "api" (git::https://github.com/example-org/terraform-modules.git//ecs-service?ref=v1.2.0)',
      location: { file: "remote-modules/main.tf", line: 2 },
      mayProvide: true,
      unread: true,
    });
    expect(api?.unresolved[0]?.reason).toMatch(
      /only what its call passes \(container_environment, container_secrets\) is read.*terraform init/,
    );
    // An ECS module passing no variables is a warning alone; a VPC or a parameter store, nothing.
    expect(unresolved.map((u) => [u.what, u.location.line, u.unread])).toEqual([
      ['module "worker" (app.terraform.io/example-org/ecs-worker/aws)', 21, true],
    ]);
  });

  it("reads a remote module that terraform init fetched, from .terraform/modules/modules.json", async () => {
    tree = tempTree({
      "main.tf": [
        'module "api" {',
        '  source  = "git::https://github.com/example-org/modules.git//ecs-service?ref=v1"',
        '  container_environment = { LOG_LEVEL = "info" }',
        "}",
      ].join("\n"),
      ".terraform/modules/modules.json": JSON.stringify({
        Modules: [
          { Key: "", Source: "", Dir: "." },
          {
            Key: "api",
            Source: "git::https://github.com/example-org/modules.git//ecs-service?ref=v1",
            Dir: ".terraform/modules/api/ecs-service",
          },
        ],
      }),
      ".terraform/modules/api/ecs-service/main.tf": [
        'variable "container_environment" {\n  type = map(string)\n}',
        'resource "aws_ecs_task_definition" "this" {',
        '  family = "api"',
        "  container_definitions = jsonencode([{",
        '    name        = "api"',
        '    environment = [for k, v in merge(var.container_environment, { MODULE_DEFAULT = "1" }) : { name = k, value = v }]',
        "  }])",
        "}",
      ].join("\n"),
    });
    const { targets, unresolved } = await read(["."], {}, tree.dir);
    expect(targets.map((t) => [t.id, names(t)])).toEqual([
      ["terraform:module.api.aws_ecs_task_definition.this", ["LOG_LEVEL", "MODULE_DEFAULT"]],
    ]);
    expect(targets[0]?.unresolved).toEqual([]);
    expect(unresolved).toEqual([]);
  });

  it("evaluates a local module's outputs used as container definitions", async () => {
    tree = tempTree({
      "main.tf": [
        'module "container" {\n  source = "./container"\n  name = "web"\n}',
        'resource "aws_ecs_task_definition" "web" {',
        '  family                = "web"',
        "  container_definitions = module.container.json",
        "}",
      ].join("\n"),
      "container/main.tf": [
        'variable "name" {\n  type = string\n}',
        'output "json" {',
        '  value = jsonencode([{ name = var.name, environment = [{ name = "FROM_MODULE", value = "1" }] }])',
        "}",
      ].join("\n"),
    });
    const { targets } = await read(["."], {}, tree.dir);
    expect(targets.map((t) => [t.id, t.containers, names(t)])).toEqual([
      ["terraform:aws_ecs_task_definition.web", ["web"], ["FROM_MODULE"]],
    ]);
  });
});

describe("Terragrunt", () => {
  it("reads a unit's local module with its inputs, includes and read_terragrunt_config()", async () => {
    const { targets } = await read(["terragrunt/live"]);
    const app = byId(targets, "terragrunt/live/prod/app:aws_ecs_task_definition.app");
    // environment from env.hcl, log_level from the included _env/app.hcl; feature_flag = "false"
    // is a bool false for the module, so FEATURE_ENABLED is not set.
    expect(app?.family).toEqual({ kind: "known", name: "app-prod" });
    expect(names(app)).toEqual(["DATABASE_URL", "LOG_LEVEL"]);
    expect(app?.location.file).toBe("terragrunt/modules/app/main.tf");
  });

  it("reads the inputs of a unit whose git module was not fetched, with a warning", async () => {
    const { targets } = await read(["terragrunt/live"]);
    const api = byId(targets, "terragrunt/live/prod/api");
    expect(names(api)).toEqual(["JWT_SECRET", "NODE_PORT"]);
    expect(api?.unresolved[0]).toMatchObject({
      what: "Terragrunt unit terragrunt/live/prod/api (git::https://github.com/example-org/terraform-modules.git//ecs-service?ref=v2.0.0)",
      location: { file: "terragrunt/live/prod/api/terragrunt.hcl", line: 10 },
      unread: true,
    });
    expect(api?.unresolved[0]?.reason).toMatch(/terragrunt init/);
  });

  it("reads a unit's module that Terragrunt fetched into .terragrunt-cache", async () => {
    tree = tempTree({
      "unit/terragrunt.hcl": [
        'terraform {\n  source = "git::https://github.com/example-org/modules.git//svc?ref=v1"\n}',
        'inputs = {\n  extra = "X_FROM_INPUTS"\n}',
      ].join("\n"),
      "unit/.terragrunt-cache/abc/def/svc/main.tf": [
        'variable "extra" {\n  type = string\n}',
        'resource "aws_ecs_task_definition" "svc" {',
        '  family = "svc"',
        '  container_definitions = jsonencode([{ name = "svc", environment = [{ name = var.extra, value = "1" }] }])',
        "}",
      ].join("\n"),
    });
    const { targets } = await read(["unit"], {}, tree.dir);
    expect(targets.map((t) => [t.id, names(t)])).toEqual([
      ["terraform:unit:aws_ecs_task_definition.svc", ["X_FROM_INPUTS"]],
    ]);
  });
});

describe("no task definition in the folder goes unmentioned", () => {
  it("warns about a task definition in a folder the configuration does not call, and not about the called one", async () => {
    tree = tempTree({
      "main.tf": 'module "used" {\n  source = "./modules/used"\n}\n',
      "modules/used/main.tf":
        'resource "aws_ecs_task_definition" "used" {\n  family = "used"\n  container_definitions = "[]"\n}\n',
      "modules/orphan/main.tf":
        '\n\nresource "aws_ecs_task_definition" "orphan" {\n  family = "orphan"\n  container_definitions = "[]"\n}\n',
    });
    const { targets, unresolved } = await read(["."], {}, tree.dir);
    expect(targets.map((t) => t.id)).toEqual([
      "terraform:module.used.aws_ecs_task_definition.used",
    ]);
    expect(unresolved.map((u) => [u.what, u.location, u.unread])).toEqual([
      ["aws_ecs_task_definition.orphan", { file: "modules/orphan/main.tf", line: 3 }, true],
    ]);
    expect(unresolved[0]?.reason).toMatch(/pass --terraform modules\/orphan/);
  });
});
