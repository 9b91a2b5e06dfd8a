import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCheck } from "./check.js";
import { renderEnvDocs } from "./docs/render.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

describe("modelgate checks its own deployment (sources from modelgate.drift.json)", async () => {
  const result = await runCheck({ cwd: ROOT, env: {}, sources: {} });

  it("the code, .env.example and infra/terraform agree: no error finding", () => {
    expect(result.findings.filter((f) => f.severity === "error")).toEqual([]);
    expect(result.targets.map((t) => t.id)).toEqual([
      "terraform:aws_ecs_task_definition.modelgate",
    ]);
  });

  it("every variable of the schema is documented in .env.example", () => {
    expect(result.findings.filter((f) => f.kind === "undocumented")).toEqual([]);
  });

  it("ENVIRONMENT_VARIABLES.md is fresh (run `modelgate config docs` after changing a variable)", () => {
    const committed = readFileSync(`${ROOT}ENVIRONMENT_VARIABLES.md`, "utf8");
    expect(committed, "ENVIRONMENT_VARIABLES.md is stale: run `modelgate config docs`").toBe(
      renderEnvDocs(result),
    );
  });
});
