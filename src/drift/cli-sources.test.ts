/**
 * `config check` as a user runs it on repositories nobody here wrote: what the output says first
 * (what was and was not compared), which policy applies in every format, the policy's readers,
 * --exclude, and `--k8s -` fed by a real pipe.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { configCheck } from "../cli/commands/config-check.js";
import { runCli } from "../cli/main.js";
import type { TempTree } from "./test-support/tmp.js";
import { FIXTURES, tempTree, testContext } from "./test-support/tmp.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

let tree: TempTree | undefined;
afterEach(() => tree?.remove());

describe("what the text output says first", () => {
  it("nothing compared: the first lines say so and why, and the check fails", async () => {
    const out = await configCheck(
      { code: ["backend"], compose: ["env-file-only.yml"] },
      testContext(`${FIXTURES}compose-services`),
    );
    expect(out.exitCode).toBe(1);
    const lines = out.text.split("\n");
    expect(lines[0]).toBe("Compared: nothing");
    expect(lines[1]).toMatch(
      /^ {2}T1 {2}compose service api \[compose\] {2}not read: its variables come only from env_file \.env of service api/,
    );
    expect(lines[2]).toMatch(
      /^ {2}T2 {2}compose service postgres \[compose\] {2}not compared: it matches none of the code's services \(backend\)/,
    );
    expect(out.text).toContain("error   nothing-compared");
  });

  it("which code each target was compared with, then the sources with the policy", async () => {
    const out = await configCheck(
      { code: ["src"], k8s: ["kubernetes"] },
      testContext(`${FIXTURES}multi-service`),
    );
    expect(out.text.split("\n").slice(0, 5)).toEqual([
      "Compared (2 of 3 targets)",
      "  T1  Deployment/cartservice [k8s]  with src/cartservice",
      expect.stringMatching(
        /^ {2}T2 {2}Deployment\/redis-cart \[k8s\] {2}not compared: it matches none/,
      ),
      "  T3  Deployment/frontend [k8s]  with src/frontend",
      "",
    ]);
    expect(out.text).toMatch(
      /\n {2}policy +\S*fixtures\/modelgate\.drift\.json +found in the checked repository\n/,
    );
  });
});

describe("the policy file in every format", () => {
  it("names the policy that applies, or none", async () => {
    tree = tempTree({
      "app/main.py": 'import os\nKEY = os.environ["PAYMENT_KEY"]\n',
      "td.json": JSON.stringify({ family: "pay", containerDefinitions: [{ name: "app" }] }),
    });
    const ctx = testContext(tree.dir);
    const flags = { code: ["app"], taskDefinition: ["td.json"] };
    const none = await configCheck({ ...flags, format: "json" }, ctx);
    expect((JSON.parse(none.text) as { sources: unknown[] }).sources[0]).toEqual({
      kind: "policy",
      path: "none",
      detail:
        "no .modelgate/drift.json or modelgate.drift.json from app up to its repository root, nor in the working directory",
    });
    tree.write("modelgate.drift.json", JSON.stringify({ ignore: ["NOTHING"] }));
    const text = (await configCheck(flags, ctx)).text;
    expect(text).toMatch(/\n {2}policy +modelgate\.drift\.json +found in the working directory\n/);
    const md = (await configCheck({ ...flags, format: "markdown" }, ctx)).text;
    expect(md).toContain("Policy: `modelgate.drift.json`.");
    const sarif = JSON.parse((await configCheck({ ...flags, format: "sarif" }, ctx)).text) as {
      runs: { properties: { policy: string } }[];
    };
    expect(sarif.runs[0]?.properties.policy).toBe("modelgate.drift.json");
    const junit = (await configCheck({ ...flags, format: "junit" }, ctx)).text;
    expect(junit).toContain('<property name="policy" value="modelgate.drift.json"/>');
  });

  it("passes the policy's readers to the code scan: a wrapper from outside the code is a read", async () => {
    tree = tempTree({
      "app/main.py": 'from settings_lib import get_setting\nKEY = get_setting("PAYMENT_KEY")\n',
      "td.json": JSON.stringify({ family: "pay", containerDefinitions: [{ name: "app" }] }),
      "modelgate.drift.json": JSON.stringify({
        readers: [{ call: "get_setting", nameArg: 1, required: true }],
      }),
    });
    const out = await configCheck(
      { code: ["app"], taskDefinition: ["td.json"], json: true },
      testContext(tree.dir),
    );
    const report = JSON.parse(out.text) as { findings: { kind: string; variable: string }[] };
    expect(report.findings.map((f) => [f.kind, f.variable])).toEqual([
      ["missing-in-deploy", "PAYMENT_KEY"],
    ]);
  });
});

describe("choosing what to compare from the command line", () => {
  it("--exclude (repeatable) leaves code out; --container takes WORKLOAD/CONTAINER", async () => {
    const ctx = testContext(`${FIXTURES}multi-service`);
    const code = await runCli(
      [
        "config",
        "check",
        "--code",
        "src",
        "--k8s",
        "kubernetes",
        "--exclude",
        "src/frontend/**",
        "--exclude",
        "loadgen",
        "--container",
        "frontend/server",
        "--json",
      ],
      ctx,
    );
    expect(code).toBe(0);
    const report = JSON.parse(ctx.out()) as {
      targets: { id: string }[];
      findings: unknown[];
    };
    expect(report.targets.map((t) => t.id)).toEqual(["k8s:Deployment/frontend"]);
    expect(report.findings).toEqual([]);
  });

  it("`--k8s -` reads `helm template` output from a pipe; a chart folder fails naming what to do", () => {
    const cli = (args: string[], input?: string) =>
      spawnSync(
        process.execPath,
        ["--import", "tsx", `${ROOT}src/cli/bin.ts`, "config", "check", ...args],
        { cwd: `${FIXTURES}helm-chart`, encoding: "utf8", env: { PATH: process.env.PATH }, input },
      );
    const rendered = readFileSync(`${FIXTURES}helm-chart/rendered.yaml`, "utf8");
    const piped = cli(["--code", "app", "--k8s", "-"], rendered);
    expect(piped.status).toBe(1);
    expect(piped.stdout).toContain("T1  Deployment/release-api [k8s]  with app");
    expect(piped.stdout).toContain("missing-in-deploy  API_TOKEN");
    const chart = cli(["--code", "app", "--k8s", "chart"]);
    expect(chart.status).toBe(1);
    expect(chart.stdout.split("\n")[0]).toBe("Compared: nothing (no deployment target was found)");
    expect(chart.stdout).toContain("pass the output of `helm template chart`");
  });
});
