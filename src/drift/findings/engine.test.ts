import { describe, expect, it } from "vitest";
import type { CodeRead, CodeScan, Provision, ProvisionKind, Target, Unresolved } from "../model.js";
import type { EnvExample } from "../sources/env-example.js";
import type { EngineInput } from "./engine.js";
import { analyse } from "./engine.js";
import type { Policy } from "./policy.js";
import { EMPTY_POLICY } from "./policy.js";

function code(reads: Record<string, boolean | CodeRead>): CodeScan {
  const map = new Map<string, CodeRead[]>();
  let line = 1;
  for (const [name, r] of Object.entries(reads)) {
    const read =
      typeof r === "boolean"
        ? {
            location: { file: "app.py", line: line++ },
            need: r ? ("optional" as const) : ("required" as const),
            via: "os.getenv",
          }
        : r;
    map.set(name, [read]);
  }
  return { reads: map, dynamic: [], files: 1 };
}

function target(
  id: string,
  role: Target["role"],
  vars: Record<string, ProvisionKind>,
  extra: Partial<Target> = {},
): Target {
  const provisions = new Map<string, Provision[]>();
  for (const [name, kind] of Object.entries(vars))
    provisions.set(name, [{ kind, location: { file: `${id}.json`, line: 2 } }]);
  return {
    id,
    kind: "task-definition",
    label: id,
    role,
    location: { file: `${id}.json`, line: 1 },
    containers: ["app"],
    provisions,
    unresolved: [],
    notes: [],
    ...extra,
  };
}

function docs(...names: string[]): EnvExample {
  return {
    file: ".env.example",
    entries: new Map(
      names.map((n, i) => [
        n,
        { location: { file: ".env.example", line: i + 1 }, commentedOut: false },
      ]),
    ),
  };
}

function run(input: Partial<EngineInput>, policy: Partial<Policy> = {}) {
  const result = analyse({
    docs: [],
    targets: [],
    unresolved: [],
    ...input,
    policy: { ...EMPTY_POLICY, ...policy },
  });
  return result.findings.map(
    (f) => `${f.severity} ${f.kind} ${f.variable ?? "-"} @ ${f.target ?? "-"}`,
  );
}

describe("findings engine", () => {
  it("one finding per variable and target, the most specific kind winning", () => {
    const declared = target(
      "tf",
      "declared",
      { NEEDED: "secret", IN_TF_ONLY: "value" },
      { kind: "terraform", family: { kind: "known", name: "svc" } },
    );
    const deployed = target(
      "td",
      "deployed",
      {},
      { family: { kind: "known", name: "svc" }, revision: 150 },
    );
    expect(
      run({
        code: code({ NEEDED: false, OPTIONAL: true }),
        docs: [docs("NEEDED", "OPTIONAL")],
        targets: [declared, deployed],
      }),
    ).toEqual([
      "error not-applied IN_TF_ONLY @ td",
      "error not-applied NEEDED @ td",
      "warning unused IN_TF_ONLY @ tf",
      "warning documented-not-deployed OPTIONAL @ td",
      "warning documented-not-deployed OPTIONAL @ tf",
    ]);
  });

  it("missing-in-deploy for a required read, documented-not-deployed for a documented one", () => {
    const t = target("td", "deployed", { PRESENT: "value" });
    expect(
      run({
        code: code({ REQUIRED: false, PRESENT: false }),
        docs: [docs("PRESENT", "REQUIRED", "ONLY_DOCUMENTED")],
        targets: [t],
      }),
    ).toEqual([
      "error missing-in-deploy REQUIRED @ td",
      "warning documented-not-deployed ONLY_DOCUMENTED @ td",
    ]);
  });

  it("a variable read with a default and documented nowhere is no gap in a target that lacks it", () => {
    const t = target("td", "deployed", {});
    expect(run({ code: code({ WORKERS: true }), targets: [t] })).toEqual([]);
    expect(run({ code: code({ WORKERS: true }), docs: [docs()], targets: [t] })).toEqual([
      "warning undocumented WORKERS @ env-example",
    ]);
  });

  it("plaintext-secret for a secret-like name given as a value or a ConfigMap; unused otherwise", () => {
    const t = target("td", "deployed", {
      OPENAI_API_KEY: "value",
      FROM_MAP_TOKEN: "configmap",
      REFERENCED_TOKEN: "secret",
      AUTH_SERVICE_URL: "value",
    });
    expect(run({ code: code({ REFERENCED_TOKEN: false }), targets: [t] })).toEqual([
      "error plaintext-secret FROM_MAP_TOKEN @ td",
      "error plaintext-secret OPENAI_API_KEY @ td",
      "warning unused AUTH_SERVICE_URL @ td",
    ]);
  });

  it("undocumented for a read absent from .env.example; platform variables are never unused", () => {
    const t = target("td", "deployed", {
      A: "value",
      AWS_REGION: "value",
      PYTHONUNBUFFERED: "value",
      DD_ENV: "value",
    });
    expect(run({ code: code({ A: false }), docs: [docs()], targets: [t] })).toEqual([
      "warning undocumented A @ env-example",
    ]);
  });

  it("with an environment file the target may set a missing variable: unresolved, not missing", () => {
    const open: Unresolved = {
      what: "environment file arn:aws:s3:::b/api.env",
      reason: "in S3",
      location: { resource: "td" },
      mayProvide: true,
    };
    const t = target("td", "deployed", {}, { unresolved: [open] });
    expect(run({ code: code({ REQUIRED: false, OPTIONAL: true }), targets: [t] })).toEqual([
      "info unresolved - @ td",
      "info unresolved REQUIRED @ td",
    ]);
  });

  it("an alias or <NAME>_FILE satisfies a read and is not unused", () => {
    const read: CodeRead = {
      location: { file: "schema.ts", line: 1 },
      need: "required",
      via: "schema",
      alternatives: ["HF_TOKEN", "HUGGINGFACE_API_KEY_FILE"],
    };
    const t = target("td", "deployed", { HF_TOKEN: "secret" });
    expect(run({ code: code({ HUGGINGFACE_API_KEY: read }), targets: [t] })).toEqual([]);
  });

  it("reports dynamic reads and source-level unresolved items as info", () => {
    const scan = code({});
    scan.dynamic.push({ location: { file: "a.ts", line: 3 }, text: "process.env[name]" });
    const u: Unresolved = {
      what: "Helm template x.yaml",
      reason: "not rendered",
      location: { file: "x.yaml" },
      mayProvide: true,
    };
    expect(run({ code: scan, unresolved: [u] })).toEqual([
      "info unresolved - @ -",
      "info unresolved - @ code",
    ]);
  });

  it("compares the code only with the targets of its own service", () => {
    const api = target(
      "tf-api",
      "declared",
      { DATABASE_URL: "secret" },
      { kind: "terraform", family: { kind: "known", name: "api" } },
    );
    const mlflow = target(
      "tf-mlflow",
      "declared",
      { MLFLOW_BACKEND: "value", MLFLOW_DB_PASSWORD: "value" },
      { kind: "terraform", family: { kind: "known", name: "mlflow" } },
    );
    const deployed = target(
      "td",
      "deployed",
      { DATABASE_URL: "secret" },
      { family: { kind: "known", name: "api" }, revision: 3 },
    );
    const reads = code({ DATABASE_URL: false, HF_TOKEN: false });
    expect(run({ code: reads, targets: [api, mlflow, deployed] })).toEqual([
      "error missing-in-deploy HF_TOKEN @ td",
      "error missing-in-deploy HF_TOKEN @ tf-api",
      "error plaintext-secret MLFLOW_DB_PASSWORD @ tf-mlflow",
    ]);
    const coverage = analyse({
      code: reads,
      docs: [],
      targets: [api, mlflow, deployed],
      unresolved: [],
      policy: EMPTY_POLICY,
    }).coverage;
    expect(coverage.find((c) => c.target === "tf-mlflow")).toEqual({
      target: "tf-mlflow",
      compared: false,
      code: [],
      read: true,
      reason: "no deployed task definition of its family was given",
    });
    // Without a deployed target: a target sharing no variable with the code is another service.
    const db = target("compose-db", "manifest", { POSTGRES_DB: "value" });
    const app = target("compose-app", "manifest", { DATABASE_URL: "value" });
    expect(run({ code: reads, targets: [app, db] })).toEqual([
      "error missing-in-deploy HF_TOKEN @ compose-app",
    ]);
    const dbCoverage = analyse({
      code: reads,
      docs: [],
      targets: [app, db],
      unresolved: [],
      policy: EMPTY_POLICY,
    }).coverage[1];
    expect(dbCoverage?.reason).toMatch(/^it provides none of the variables/);
  });

  it("a variable the image sets (Dockerfile ENV) is not required from the deployment", () => {
    const scan = code({ PORT: false });
    scan.imageDefaults = new Map([["PORT", { file: "Dockerfile", line: 3 }]]);
    const t = target("td", "deployed", {});
    const result = analyse({
      code: scan,
      docs: [],
      targets: [t],
      unresolved: [],
      policy: EMPTY_POLICY,
    });
    expect(result.findings.map((f) => [f.kind, f.severity])).toEqual([
      ["documented-not-deployed", "warning"],
    ]);
    expect(result.findings[0]?.message).toMatch(
      /^PORT gets its value from the image \(ENV at Dockerfile:3\)/,
    );
  });

  describe("policy", () => {
    const t = target("td", "deployed", { LEGACY_FLAG: "value" });
    const input = {
      code: code({ NEEDED: false, AWS_THING: false, OPTIONAL: true }),
      docs: [docs("NEEDED", "AWS_THING", "OPTIONAL")],
      targets: [t],
    };

    it("ignores variables by name or pattern", () => {
      expect(run(input, { ignore: ["AWS_*", "LEGACY_FLAG"] })).toEqual([
        "error missing-in-deploy NEEDED @ td",
        "warning documented-not-deployed OPTIONAL @ td",
      ]);
    });

    it("forces variables required or optional", () => {
      expect(
        run(input, {
          ignore: ["AWS_*", "LEGACY_*"],
          required: ["OPTIONAL", "NOT_READ"],
          optional: ["NEEDED"],
        }),
      ).toEqual([
        "error missing-in-deploy NOT_READ @ td",
        "error missing-in-deploy OPTIONAL @ td",
        "warning documented-not-deployed NEEDED @ td",
      ]);
    });

    it("raises, lowers or turns off severities, by kind and by variable/kind/target", () => {
      expect(
        run(input, {
          severity: { unused: "error", "missing-in-deploy": "warning" },
          overrides: [
            { variable: "AWS_*", severity: "off" },
            { kind: "documented-not-deployed", target: "t*", severity: "info" },
          ],
        }),
      ).toEqual([
        "error unused LEGACY_FLAG @ td",
        "warning missing-in-deploy NEEDED @ td",
        "info documented-not-deployed OPTIONAL @ td",
      ]);
    });
  });
});
