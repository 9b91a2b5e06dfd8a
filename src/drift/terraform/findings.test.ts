/**
 * What a user sees from `config check --code … --terraform …` when Terraform holds unknowns: an
 * absence is an error only when nothing unknown could provide the name; a task definition that
 * could not be read is a warning naming the file, the line and why, never silence.
 */
import { afterEach, describe, expect, it } from "vitest";
import { runCheck } from "../check.js";
import type { TempTree } from "../test-support/tmp.js";
import { tempTree } from "../test-support/tmp.js";

let tree: TempTree | undefined;
afterEach(() => tree?.remove());

const CODE =
  'import os\n\nDATABASE_URL = os.environ["DATABASE_URL"]\nREDIS_URL = os.environ["REDIS_URL"]\n';

/** One task definition whose `environment` is the given HCL expression. */
function infra(environment: string, definitions?: string): string {
  return [
    'variable "image_tag" {\n  type = string\n}',
    'variable "extra" {\n  type = list(object({ name = string, value = string }))\n}',
    'resource "aws_ecr_repository" "app" {\n  name = "app"\n}',
    'resource "aws_ecs_task_definition" "app" {',
    '  family = "app"',
    `  container_definitions = ${
      definitions ??
      `jsonencode([{
    name        = "app"
    image       = "\${aws_ecr_repository.app.repository_url}:\${var.image_tag}"
    environment = ${environment}
  }])`
    }`,
    "}",
  ].join("\n");
}

async function check(environment: string, definitions?: string) {
  tree = tempTree({ "app/main.py": CODE, "infra/main.tf": infra(environment, definitions) });
  const result = await runCheck({
    cwd: tree.dir,
    env: {},
    sources: { code: ["app"], terraform: ["infra"] },
  });
  return result.findings.map((f) => ({
    severity: f.severity,
    kind: f.kind,
    variable: f.variable,
    at: f.locations.find((l) => l.role === "expression" || l.role === "missing"),
  }));
}

describe("config check with unknowns in Terraform", () => {
  it("compares a container with an unknown image: a name it lacks is an error", async () => {
    const findings = await check('[{ name = "DATABASE_URL", value = "x" }]');
    expect(findings.filter((f) => f.severity === "error")).toEqual([
      expect.objectContaining({ kind: "missing-in-deploy", variable: "REDIS_URL" }),
    ]);
  });

  it("says a name may come from an unknown list spliced into environment, instead of an error", async () => {
    const findings = await check('concat([{ name = "DATABASE_URL", value = "x" }], var.extra)');
    expect(findings.filter((f) => f.severity === "error")).toEqual([]);
    expect(findings).toContainEqual(
      expect.objectContaining({ severity: "info", kind: "unresolved", variable: "REDIS_URL" }),
    );
  });

  it("reports a task definition it cannot read as a not-read warning with its file and line", async () => {
    const findings = await check("", "data.external.defs.result.json");
    expect(findings).toContainEqual({
      severity: "warning",
      kind: "not-read",
      variable: null,
      at: { role: "expression", file: "infra/main.tf", line: 12 },
    });
    expect(findings.filter((f) => f.kind === "missing-in-deploy")).toEqual([]);
  });
});
