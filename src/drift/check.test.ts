import { afterEach, describe, expect, it } from "vitest";
import { runCheck } from "./check.js";
import type { TempTree } from "./test-support/tmp.js";
import { FIXTURES, tempTree } from "./test-support/tmp.js";

let tree: TempTree | undefined;
afterEach(() => tree?.remove());

const incident = {
  code: ["service"],
  entry: ["service/src/api/main.py"],
  envExample: ["service/.env.example"],
  terraform: ["infra"],
};

async function check(revision: number, extra: Record<string, unknown> = {}) {
  return runCheck({
    cwd: `${FIXTURES}incident`,
    env: {},
    sources: {
      ...incident,
      taskDefinition: [`deployed/hokusai-api-development-${revision}.json`],
      ...extra,
    },
  });
}

describe("the seeds' incident", () => {
  it("revision 150 lacks the secret the Terraform declares: one not-applied error naming it", async () => {
    const result = await check(150);
    const errors = result.findings.filter((f) => f.severity === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      kind: "not-applied",
      variable: "HUGGINGFACE_API_KEY",
      target: "task-definition:hokusai-api-development:150",
    });
    expect(errors[0]?.message).toContain("revision 150 of hokusai-api-development");
    expect(errors[0]?.message).toContain("aws_ecs_task_definition.api");
    expect(errors[0]?.locations).toEqual([
      { role: "declared", file: "infra/data-pipeline-ecs-services.tf", line: 44 },
      { role: "missing", file: "deployed/hokusai-api-development-150.json", line: 1 },
      { role: "read", file: "service/src/api/endpoints/model_serving.py", line: 11 },
      { role: "documented", file: "service/.env.example", line: 18 },
    ]);
  });

  it("revision 151 has it: no error, no warning", async () => {
    const result = await check(151);
    expect(result.findings).toEqual([]);
  });

  it("without the Terraform, the same gap is missing-in-deploy (the code reads it without a default)", async () => {
    const result = await check(150, { terraform: [] });
    expect(result.findings.map((f) => [f.kind, f.variable])).toEqual([
      ["missing-in-deploy", "HUGGINGFACE_API_KEY"],
    ]);
  });

  it("with the plan instead of the HCL (--tf-json) the verdict is the same", async () => {
    const result = await check(150, { terraform: [], tfJson: ["../tf-json/incident-plan.json"] });
    expect(result.findings.map((f) => [f.kind, f.variable, f.target])).toEqual([
      ["not-applied", "HUGGINGFACE_API_KEY", "task-definition:hokusai-api-development:150"],
    ]);
  });

  it("without --entry, the one-off script's variable is an error too; --entry keeps it out", async () => {
    const all = await check(151, { entry: [] });
    expect(all.findings.map((f) => [f.kind, f.variable])).toContainEqual([
      "missing-in-deploy",
      "BACKFILL_BUCKET",
    ]);
    expect((await check(151)).findings.some((f) => f.variable === "BACKFILL_BUCKET")).toBe(false);
  });
});

describe("runCheck", () => {
  it("compares a deployed revision with Terraform whose family is a pattern", async () => {
    tree = tempTree({
      "infra/main.tf": [
        'variable "env" {}',
        'resource "aws_ecs_task_definition" "api" {',
        '  family                = "hokusai-api-${var.env}"',
        '  container_definitions = jsonencode([{ name = "api", secrets = [{ name = "HF_KEY", valueFrom = "arn:x" }] }])',
        "}",
      ].join("\n"),
      "td.json": JSON.stringify({
        taskDefinition: {
          family: "hokusai-api-development",
          revision: 3,
          containerDefinitions: [{ name: "api" }],
        },
      }),
    });
    const result = await runCheck({
      cwd: tree.dir,
      env: {},
      sources: { terraform: ["infra"], taskDefinition: ["td.json"] },
    });
    expect(result.findings.map((f) => [f.kind, f.variable])).toEqual([["not-applied", "HF_KEY"]]);
    expect(result.targets[0]?.notes).toEqual([
      "family hokusai-api-${var.env} matched hokusai-api-development",
    ]);
  });

  it("reports several Terraform resources resolving to one family, and compares each", async () => {
    tree = tempTree({
      "infra/main.tf": [
        'resource "aws_ecs_task_definition" "a" {',
        '  family                = "svc"',
        '  container_definitions = jsonencode([{ name = "x", environment = [{ name = "FROM_A", value = "1" }] }])',
        "}",
        'resource "aws_ecs_task_definition" "b" {',
        '  family                = "svc"',
        '  container_definitions = jsonencode([{ name = "x", environment = [{ name = "FROM_B", value = "1" }] }])',
        "}",
      ].join("\n"),
      "td.json": JSON.stringify({
        family: "svc",
        revision: 9,
        containerDefinitions: [{ name: "x", environment: [{ name: "FROM_A", value: "1" }] }],
      }),
    });
    const result = await runCheck({
      cwd: tree.dir,
      env: {},
      sources: { terraform: ["infra"], taskDefinition: ["td.json"] },
    });
    expect(result.findings.map((f) => [f.kind, f.variable, f.severity])).toEqual([
      ["not-applied", "FROM_B", "error"],
      ["unresolved", null, "info"],
    ]);
    expect(result.findings[1]?.message).toMatch(
      /^2 Terraform task definitions resolve to family svc/,
    );
  });

  it("falls back to the HCL when the plan knows container definitions only after apply", async () => {
    const result = await runCheck({
      cwd: `${FIXTURES}../../..`,
      env: {},
      sources: {
        terraform: ["infra/terraform"],
        tfJson: ["src/drift/fixtures/tf-json/modelgate-plan.json"],
      },
    });
    const t = result.targets[0];
    expect(t?.provisions.has("HUGGINGFACE_API_KEY")).toBe(true);
    expect(t?.notes.some((n) => n.includes("names read from the HCL"))).toBe(true);
  });

  it("refuses to run without any source, and --entry without --code", async () => {
    tree = tempTree();
    await expect(runCheck({ cwd: tree.dir, env: {}, sources: {} })).rejects.toThrow(
      /^Nothing to check/,
    );
    await expect(
      runCheck({ cwd: tree.dir, env: {}, sources: { entry: ["a.ts"], envExample: [] } }),
    ).rejects.toThrow(/^--entry needs --code/);
  });
});
