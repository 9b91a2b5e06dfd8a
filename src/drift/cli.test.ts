import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { configCheck } from "../cli/commands/config-check.js";
import { configDocs } from "../cli/commands/config-docs.js";
import { ExitError } from "../cli/errors.js";
import { runCli } from "../cli/main.js";
import type { TempTree } from "./test-support/tmp.js";
import { FIXTURES, tempTree, testContext } from "./test-support/tmp.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const INCIDENT = `${FIXTURES}incident`;
const FLAGS = {
  code: ["service"],
  entry: ["service/src/api/main.py"],
  envExample: ["service/.env.example"],
  terraform: ["infra"],
};

let tree: TempTree | undefined;
afterEach(() => tree?.remove());

describe("config check (command function)", () => {
  it("returns the versioned report and exit code 1 for revision 150, 0 for 151", async () => {
    const failed = await configCheck(
      { ...FLAGS, taskDefinition: ["deployed/hokusai-api-development-150.json"], json: true },
      testContext(INCIDENT),
    );
    expect(failed.exitCode).toBe(1);
    expect(JSON.parse(failed.text)).toMatchObject({
      version: 1,
      summary: { errors: 1, exitCode: 1 },
    });
    const passed = await configCheck(
      { ...FLAGS, taskDefinition: ["deployed/hokusai-api-development-151.json"] },
      testContext(INCIDENT),
    );
    expect(passed.exitCode).toBe(0);
    expect(passed.text).toContain("Check passed: 0 errors, 0 warnings, 0 notes.");
  });

  it("writes the report to --output and says where", async () => {
    tree = tempTree();
    const out = await configCheck(
      {
        ...FLAGS,
        taskDefinition: ["deployed/hokusai-api-development-150.json"],
        format: "sarif",
        output: `${tree.dir}/drift.sarif`,
      },
      testContext(INCIDENT),
    );
    expect(out.text).toMatch(/^Wrote the sarif report to .*drift\.sarif: 1 error\(s\)/);
    expect(JSON.parse(readFileSync(`${tree.dir}/drift.sarif`, "utf8"))).toMatchObject({
      version: "2.1.0",
    });
  });

  it("exits 2 for an unknown format or an unparseable input, naming the file and line", async () => {
    await expect(
      configCheck({ ...FLAGS, format: "yaml" }, testContext(INCIDENT)),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/--format yaml is not known/),
    });
    tree = tempTree({
      "td.json":
        '{\n  "family": "x",\n  "containerDefinitions": [\n    { "name": "a" },,\n  ]\n}\n',
    });
    const err = await configCheck({ taskDefinition: ["td.json"] }, testContext(tree.dir)).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ExitError);
    expect(err).toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/^td\.json:4: invalid JSON/),
    });
  });
});

describe("config docs (command function)", () => {
  it("writes ENVIRONMENT_VARIABLES.md, and --check exits 1 when it is stale or missing", async () => {
    tree = tempTree({
      "src/app.ts": "export const key = process.env.API_KEY;\n",
      ".env.example": "# The key for the upstream API\nAPI_KEY=\n",
    });
    const ctx = testContext(tree.dir);
    const flags = { code: ["src"], envExample: [".env.example"] };
    await expect(configDocs({ ...flags, check: true }, ctx)).rejects.toMatchObject({
      exitCode: 1,
      message:
        "ENVIRONMENT_VARIABLES.md is missing: run `modelgate config docs` and commit the result.",
    });
    const written = await configDocs(flags, ctx);
    expect(written.text).toBe("Wrote ENVIRONMENT_VARIABLES.md (1 variables).");
    expect(readFileSync(`${tree.dir}/ENVIRONMENT_VARIABLES.md`, "utf8")).toContain(
      "The key for the upstream API",
    );
    expect((await configDocs({ ...flags, check: true }, ctx)).text).toBe(
      "ENVIRONMENT_VARIABLES.md is up to date (1 variables).",
    );
    tree.write("src/other.ts", "export const b = process.env.NEW_ONE;\n");
    await expect(configDocs({ ...flags, check: true }, ctx)).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringMatching(/is stale/),
    });
  });
});

describe("the argv layer", () => {
  it("registers config check and config docs with help and examples", async () => {
    const ctx = testContext(INCIDENT);
    expect(await runCli(["config", "check", "--help"], ctx)).toBe(0);
    expect(ctx.out()).toContain("--ecs-service <cluster/service>");
    expect(ctx.out()).toContain("Examples:");
    expect(await runCli(["config", "docs", "--help"], ctx)).toBe(0);
    expect(ctx.out()).toContain("--check");
  });

  it("prints the report, then exits 1 with one sentence on stderr", async () => {
    const ctx = testContext(INCIDENT);
    const code = await runCli(
      [
        "config",
        "check",
        "--code",
        "service",
        "--entry",
        "service/src/api/main.py",
        "--terraform",
        "infra",
        "--task-definition",
        "deployed/hokusai-api-development-150.json",
      ],
      ctx,
    );
    expect(code).toBe(1);
    expect(ctx.out()).toContain("not-applied  HUGGINGFACE_API_KEY");
    expect(ctx.err()).toBe(
      "modelgate: config check found 1 error(s): fix them (each finding says how), or change their severity in the policy file.\n",
    );
  });
});

describe("the real CLI (spawned from the repository root)", () => {
  const cli = (args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", "src/cli/bin.ts", "config", "check", ...args], {
      cwd: ROOT,
      encoding: "utf8",
      env: { PATH: process.env.PATH },
    });
  const base = [
    "--code",
    "src/drift/fixtures/incident/service",
    "--entry",
    "src/drift/fixtures/incident/service/src/api/main.py",
    "--terraform",
    "src/drift/fixtures/incident/infra",
    // The repository's own modelgate.drift.json must not apply to the fixture.
    "--config",
    "src/drift/fixtures/incident/empty-policy.json",
  ];

  it("exits 1 on revision 150 and 0 on revision 151", () => {
    const failed = cli([
      ...base,
      "--task-definition",
      "src/drift/fixtures/incident/deployed/hokusai-api-development-150.json",
      "--format",
      "json",
    ]);
    expect(failed.status).toBe(1);
    const report = JSON.parse(failed.stdout) as {
      findings: { kind: string; variable: string; message: string }[];
    };
    expect(report.findings).toEqual([
      expect.objectContaining({ kind: "not-applied", variable: "HUGGINGFACE_API_KEY" }),
    ]);
    expect(report.findings[0]?.message).toMatch(/revision 150 of hokusai-api-development/);
    const passed = cli([
      ...base,
      "--task-definition",
      "src/drift/fixtures/incident/deployed/hokusai-api-development-151.json",
    ]);
    expect(passed.status).toBe(0);
  });

  it("exits 2 for unreadable input, with one line on stderr", () => {
    const result = cli([
      ...base.slice(0, -2),
      "--config",
      "src/drift/fixtures/incident/no-such-policy.json",
    ]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      "modelgate: src/drift/fixtures/incident/no-such-policy.json: cannot be read (no such file); check the path\n",
    );
  });
});
