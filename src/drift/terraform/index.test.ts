import { afterEach, describe, expect, it } from "vitest";
import type { Target } from "../model.js";
import type { TempTree } from "../test-support/tmp.js";
import { FIXTURES, tempTree } from "../test-support/tmp.js";
import { readTerraform } from "./index.js";

let tree: TempTree | undefined;
afterEach(() => tree?.remove());

const cwd = `${FIXTURES}terraform`;

function provided(t: Target | undefined): Record<string, string> {
  return Object.fromEntries(
    [...(t?.provisions ?? new Map())].map(([name, [p]]) => [
      name,
      `${p.kind} ${p.location.file}:${p.location.line}`,
    ]),
  );
}

describe("Terraform source (variants fixture)", async () => {
  const result = await readTerraform({ cwd, dirs: ["variants"], varFiles: [], envVars: {} });
  const byId = new Map(result.targets.map((t) => [t.id, t]));

  it("makes each aws_ecs_task_definition instance its own target, with its family resolved", () => {
    expect([...byId.keys()]).toEqual([
      "terraform:aws_ecs_task_definition.api",
      "terraform:aws_ecs_task_definition.dynamic",
      "terraform:aws_ecs_task_definition.file",
      "terraform:aws_ecs_task_definition.heredoc",
      'terraform:aws_ecs_task_definition.per_env["blue"]',
      'terraform:aws_ecs_task_definition.per_env["green"]',
      "terraform:aws_ecs_task_definition.template",
      "terraform:module.worker.aws_ecs_task_definition.this",
    ]);
    // terraform.tfvars sets environment = "staging"; count = 0 creates nothing.
    expect(byId.get("terraform:aws_ecs_task_definition.api")?.family).toEqual({
      kind: "known",
      name: "api-staging",
    });
    expect(byId.get('terraform:aws_ecs_task_definition.per_env["green"]')?.family).toEqual({
      kind: "known",
      name: "per-env-green",
    });
    expect(byId.get("terraform:module.worker.aws_ecs_task_definition.this")?.family).toEqual({
      kind: "known",
      name: "api-staging-worker",
    });
  });

  it("reads jsonencode() with for-expressions over locals, merge(), concat() and references", () => {
    const api = byId.get("terraform:aws_ecs_task_definition.api");
    expect(provided(api)).toEqual({
      LOG_LEVEL: "value variants/main.tf:5",
      REGION: "value variants/main.tf:6",
      PUBLIC_URL: "value variants/main.tf:10",
      STATIC_FLAG: "value variants/main.tf:32",
      DATABASE_URL: "secret variants/main.tf:14",
      STRIPE_KEY: "secret variants/main.tf:15",
      SESSION_SECRET: "secret variants/main.tf:36",
    });
    expect(api?.provisions.get("SESSION_SECRET")?.[0]?.reference).toBe(
      "aws_secretsmanager_secret.session.arn",
    );
    expect(api?.provisions.get("DATABASE_URL")?.[0]?.reference).toBe(
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:api/staging/db-AbCdEf:url::",
    );
    expect(api?.notes).toEqual(["sidecar containers not compared: datadog-agent"]);
  });

  it("reads heredoc, file() and templatefile() JSON, placing names in the file that has them", () => {
    expect(provided(byId.get("terraform:aws_ecs_task_definition.heredoc"))).toEqual({
      WEB_PORT: "value variants/main.tf:56",
      WEB_LOG_LEVEL: "value variants/main.tf:57",
      WEB_TOKEN: "secret variants/main.tf:60",
    });
    expect(provided(byId.get("terraform:aws_ecs_task_definition.file"))).toEqual({
      QUEUE_URL: "value variants/containers/worker.json:5",
      WORKER_PASSWORD: "secret variants/containers/worker.json:8",
    });
    expect(Object.keys(provided(byId.get("terraform:aws_ecs_task_definition.template")))).toEqual([
      "TEMPLATED_PLAIN",
      "DATABASE_URL",
      "STRIPE_KEY",
      "TEMPLATED_LAST",
    ]);
  });

  it("reports what cannot be resolved, with its location, and keeps what can", () => {
    const dyn = byId.get("terraform:aws_ecs_task_definition.dynamic");
    expect(Object.keys(provided(dyn))).toEqual(["KNOWN_ONE"]);
    expect(dyn?.unresolved.map((u) => [u.what, u.location.line, u.mayProvide])).toEqual([
      ["environment entry [for k, v in var.extra_environment : { name = k, value = v }]", 90, true],
      ["environment name var.extra_variable_name in container dyn", 89, true],
    ]);
    expect(dyn?.unresolved[1]?.reason).toMatch(/pass --tf-var-file/);
    const file = byId.get("terraform:aws_ecs_task_definition.file");
    expect(file?.unresolved.map((u) => [u.what, u.location.file, u.location.line])).toEqual([
      [
        "environment file arn:aws:s3:::config-bucket/worker.env of container worker",
        "variants/containers/worker.json",
        12,
      ],
    ]);
  });

  it("applies --tf-var-file and TF_VAR_* after terraform.tfvars", async () => {
    tree = tempTree({
      "extra.tfvars":
        'extra_variable_name = "FROM_VAR_FILE"\nextra_environment = { FROM_MAP = "1" }\n',
    });
    const again = await readTerraform({
      cwd,
      dirs: ["variants"],
      varFiles: [`${tree.dir}/extra.tfvars`],
      envVars: { TF_VAR_environment: "ignored-by-tfvars" },
    });
    const dyn = again.targets.find((t) => t.id === "terraform:aws_ecs_task_definition.dynamic");
    expect(Object.keys(provided(dyn)).sort()).toEqual(["FROM_MAP", "FROM_VAR_FILE", "KNOWN_ONE"]);
    expect(dyn?.unresolved).toEqual([]);
    // terraform.tfvars outranks TF_VAR_environment, as in Terraform.
    expect(dyn?.family).toEqual({ kind: "known", name: "dynamic-staging" });
  });
});

describe("Terraform source: edge cases", () => {
  it("keeps the known parts of a family (a pattern) and reads a remote module's call when it was not fetched", async () => {
    tree = tempTree({
      "main.tf": [
        'variable "stage" {}',
        'resource "aws_ecs_task_definition" "api" {',
        '  family                = "hokusai-api-${var.stage}"',
        '  container_definitions = jsonencode([{ name = "api", environment = [{ name = "A", value = "1" }] }])',
        "}",
        'module "ecs" {',
        '  source                = "cloudposse/ecs-alb-service-task/aws"',
        '  container_definition_json = "[]"',
        "}",
      ].join("\n"),
    });
    const result = await readTerraform({ cwd: tree.dir, dirs: ["."], varFiles: [], envVars: {} });
    expect(result.targets[0]?.family).toMatchObject({
      kind: "pattern",
      parts: ["hokusai-api-", null],
    });
    const ecs = result.targets.find((t) => t.id === "terraform:module.ecs");
    expect(ecs?.unresolved.map((u) => [u.what, u.location.line, u.unread])).toEqual([
      ['module "ecs" (cloudposse/ecs-alb-service-task/aws)', 6, true],
    ]);
    expect(ecs?.unresolved[0]?.reason).toMatch(/terraform init/);
  });

  it("fails on invalid HCL, naming the file and the line", async () => {
    tree = tempTree({
      "ok.tf": "locals { a = 1 }\n",
      "broken.tf": 'resource "aws_ecs_task_definition" "x" {\n  family = \n}\n',
    });
    await expect(
      readTerraform({ cwd: tree.dir, dirs: ["."], varFiles: [], envVars: {} }),
    ).rejects.toThrow(/^broken\.tf:2: invalid HCL: Invalid expression/);
  });

  it("fails on invalid JSON in a heredoc or a file(), naming the file and the line", async () => {
    tree = tempTree({
      "main.tf": [
        'resource "aws_ecs_task_definition" "x" {',
        '  family                = "x"',
        "  container_definitions = <<EOF",
        "[",
        '  { "name": "x",',
        '    "environment": [ { "name": "A" "value": "1" } ] }',
        "]",
        "EOF",
        "}",
      ].join("\n"),
    });
    await expect(
      readTerraform({ cwd: tree.dir, dirs: ["."], varFiles: [], envVars: {} }),
    ).rejects.toThrow(/^main\.tf:6: invalid JSON/);
    tree.remove();
    tree = tempTree({
      "main.tf":
        'resource "aws_ecs_task_definition" "x" {\n  family = "x"\n  container_definitions = file("${path.module}/c.json")\n}\n',
      "c.json": '[\n  { "name": "x",\n    "environment": [ } ]\n',
    });
    await expect(
      readTerraform({ cwd: tree.dir, dirs: ["."], varFiles: [], envVars: {} }),
    ).rejects.toThrow(/^c\.json:3: invalid JSON/);
  });

  it("reports a target whose file() names a missing file as not read, with the file and line", async () => {
    tree = tempTree({
      "main.tf":
        'resource "aws_ecs_task_definition" "x" {\n  family = "x"\n  container_definitions = file("missing.json")\n}\n',
    });
    const result = await readTerraform({ cwd: tree.dir, dirs: ["."], varFiles: [], envVars: {} });
    expect(result.targets[0]?.unresolved).toEqual([
      {
        what: 'aws_ecs_task_definition.x (container_definitions file("missing.json"))',
        reason: "file(): the file missing.json does not exist",
        location: { file: "main.tf", line: 3 },
        mayProvide: true,
        unread: true,
      },
    ]);
  });

  it("fails on a folder that does not exist", async () => {
    tree = tempTree();
    await expect(
      readTerraform({ cwd: tree.dir, dirs: ["infra"], varFiles: [], envVars: {} }),
    ).rejects.toThrow(/^infra: is not a folder/);
  });
});

describe("Terraform source: registry modules read from their arguments", () => {
  it("reads cloudposse/terraform-aws-modules container definitions and ECS service modules", async () => {
    const result = await readTerraform({
      cwd,
      dirs: ["registry-modules"],
      varFiles: [],
      envVars: {},
    });
    expect(
      result.targets.map((t) => [
        t.id,
        t.family?.kind === "known" ? t.family.name : null,
        Object.keys(provided(t)),
      ]),
    ).toEqual([
      [
        "terraform:aws_ecs_task_definition.api",
        "cloudposse-api",
        ["API_PORT", "API_LOG_LEVEL", "API_DATABASE_URL"],
      ],
      ['terraform:module.ecs.services["billing"]', "billing", ["BILLING_CURRENCY"]],
      ["terraform:module.worker_service", "worker", ["QUEUE_NAME", "WORKER_TOKEN"]],
    ]);
    expect(result.unresolved).toEqual([]);
  });
});
