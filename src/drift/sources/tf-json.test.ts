import { afterEach, describe, expect, it } from "vitest";
import type { TempTree } from "../test-support/tmp.js";
import { FIXTURES, tempTree } from "../test-support/tmp.js";
import { readTfJson } from "./tf-json.js";

let tree: TempTree | undefined;
afterEach(() => tree?.remove());

describe("terraform show -json source", () => {
  it("reads a plan's planned_values, with the family and names Terraform evaluated", () => {
    const { targets } = readTfJson(FIXTURES, ["tf-json/incident-plan.json"], undefined);
    expect(targets.map((t) => [t.id, t.family, t.role])).toEqual([
      [
        "terraform:aws_ecs_task_definition.api",
        { kind: "known", name: "hokusai-api-development" },
        "declared",
      ],
    ]);
    expect([...(targets[0]?.provisions.keys() ?? [])]).toContain("HUGGINGFACE_API_KEY");
  });

  it("follows child_modules and for_each instances", () => {
    const { targets } = readTfJson(FIXTURES, ["tf-json/variants-plan.json"], undefined);
    const ids = targets.map((t) => t.id);
    expect(ids).toContain('terraform:aws_ecs_task_definition.per_env["blue"]');
    expect(ids).toContain("terraform:module.worker.aws_ecs_task_definition.this");
    const dyn = targets.find((t) => t.id === "terraform:aws_ecs_task_definition.dynamic");
    // What the HCL could not resolve, Terraform did (the plan was run with -var).
    expect([...(dyn?.provisions.keys() ?? [])].sort()).toEqual([
      "EXTRA_FROM_PLAN",
      "KNOWN_ONE",
      "PLAN_ONLY",
    ]);
  });

  it("reports container definitions known only after apply as unresolved", () => {
    const { targets } = readTfJson(FIXTURES, ["tf-json/modelgate-plan.json"], undefined);
    expect(targets[0]?.unresolved.map((u) => u.reason)).toEqual([
      "the plan knows them only after apply",
    ]);
  });

  it("reads state (values) and never keeps a value, even a sensitive one", () => {
    const definitions = JSON.stringify([
      {
        name: "api",
        environment: [{ name: "API_TOKEN", value: "tok_live_0123456789" }],
        secrets: [{ name: "DB", valueFrom: "arn:aws:ssm:us-east-1:1:parameter/db" }],
      },
    ]);
    tree = tempTree({
      "state.json": JSON.stringify({
        format_version: "1.0",
        values: {
          root_module: {
            child_modules: [
              {
                address: "module.svc",
                resources: [
                  {
                    address: "module.svc.aws_ecs_task_definition.this",
                    mode: "managed",
                    type: "aws_ecs_task_definition",
                    values: { family: "svc", revision: 4, container_definitions: definitions },
                  },
                ],
              },
            ],
          },
        },
      }),
    });
    const { targets } = readTfJson(tree.dir, ["state.json"], undefined);
    expect(targets[0]?.id).toBe("terraform:module.svc.aws_ecs_task_definition.this");
    expect(JSON.stringify([...(targets[0]?.provisions ?? [])])).not.toContain("tok_live");
  });

  it("fails on a file that is not `terraform show -json` output", () => {
    tree = tempTree({ "x.json": '{"resources": []}' });
    expect(() => readTfJson(tree?.dir ?? "", ["x.json"], undefined)).toThrow(
      /^x\.json:1: is not `terraform show -json` output/,
    );
  });
});
