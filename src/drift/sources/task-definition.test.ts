import { afterEach, describe, expect, it } from "vitest";
import type { TempTree } from "../test-support/tmp.js";
import { FIXTURES, tempTree } from "../test-support/tmp.js";
import { readTaskDefinitionFiles } from "./task-definition.js";

let tree: TempTree | undefined;
afterEach(() => tree?.remove());

const CONTAINERS = [
  {
    name: "api",
    image: "api:1",
    environment: [{ name: "PORT", value: "80" }],
    secrets: [{ name: "API_KEY", valueFrom: "arn:aws:ssm:us-east-1:1:parameter/api-key" }],
  },
  {
    name: "log-router",
    image: "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
    environment: [{ name: "FLB_LOG_LEVEL", value: "info" }],
  },
  { name: "worker", image: "worker:1", environment: [{ name: "QUEUE", value: "q" }] },
];

describe("task definition file source", () => {
  it("reads describe-task-definition output: family, revision, names and references, no values", () => {
    const { targets, summaries } = readTaskDefinitionFiles(
      `${FIXTURES}incident`,
      ["deployed/hokusai-api-development-150.json"],
      undefined,
    );
    const t = targets[0];
    expect(t).toMatchObject({
      id: "task-definition:hokusai-api-development:150",
      label: "hokusai-api-development:150",
      role: "deployed",
      revision: 150,
    });
    expect(t?.family).toEqual({ kind: "known", name: "hokusai-api-development" });
    expect([...(t?.provisions.keys() ?? [])]).not.toContain("HUGGINGFACE_API_KEY");
    expect(t?.provisions.get("DATABASE_HOST")?.[0]).toMatchObject({
      kind: "secret",
      reference:
        "arn:aws:secretsmanager:us-east-1:932100697590:secret:hokusai/development/database-AbCdEf:host::",
      location: { file: "deployed/hokusai-api-development-150.json", line: 26 },
    });
    expect(JSON.stringify([...(t?.provisions ?? [])])).not.toContain(
      "mlflow.hokusai-development.local",
    );
    expect(summaries[0]?.detail).toBe("hokusai-api-development:150");
  });

  it("accepts the bare taskDefinition and register-task-definition input (no revision)", () => {
    tree = tempTree({
      "bare.json": JSON.stringify({
        family: "svc",
        revision: 7,
        containerDefinitions: CONTAINERS.slice(0, 1),
      }),
      "register.json": JSON.stringify({
        family: "svc",
        containerDefinitions: CONTAINERS.slice(0, 1),
      }),
    });
    const { targets } = readTaskDefinitionFiles(
      tree.dir,
      ["bare.json", "register.json"],
      undefined,
    );
    expect(targets.map((t) => [t.label, t.revision])).toEqual([
      ["svc:7", 7],
      ["svc", undefined],
    ]);
  });

  it("leaves sidecars out, merges the rest with a note, and --container picks one", () => {
    tree = tempTree({
      "td.json": JSON.stringify({
        taskDefinition: { family: "svc", revision: 1, containerDefinitions: CONTAINERS },
      }),
    });
    const all = readTaskDefinitionFiles(tree.dir, ["td.json"], undefined).targets[0];
    expect([...(all?.provisions.keys() ?? [])]).toEqual(["PORT", "API_KEY", "QUEUE"]);
    expect(all?.notes).toEqual([
      "sidecar containers not compared: log-router",
      "containers api, worker compared together; pick one with --container",
    ]);
    const worker = readTaskDefinitionFiles(tree.dir, ["td.json"], "worker").targets[0];
    expect([...(worker?.provisions.keys() ?? [])]).toEqual(["QUEUE"]);
    const none = readTaskDefinitionFiles(tree.dir, ["td.json"], "nope");
    expect(none.targets).toEqual([]);
    expect(none.summaries[0]?.detail).toBe("no container named nope; skipped");
  });

  it("fails on invalid JSON and on JSON that is not a task definition, naming file and line", () => {
    tree = tempTree({
      "broken.json":
        '{\n  "taskDefinition": {\n    "family": "x",\n    "containerDefinitions": [,]\n  }\n}\n',
      "other.json": '{"foo": 1}',
    });
    expect(() => readTaskDefinitionFiles(tree?.dir ?? "", ["broken.json"], undefined)).toThrow(
      /^broken\.json:4: invalid JSON/,
    );
    expect(() => readTaskDefinitionFiles(tree?.dir ?? "", ["other.json"], undefined)).toThrow(
      /^other\.json:1: is not an ECS task definition/,
    );
    expect(() => readTaskDefinitionFiles(tree?.dir ?? "", ["missing.json"], undefined)).toThrow(
      /^missing\.json: cannot be read \(no such file\)/,
    );
  });

  it("takes a folder: the task definitions in it, other JSON skipped and said so", () => {
    tree = tempTree({
      "deployed/api.json": JSON.stringify({ family: "api", containerDefinitions: CONTAINERS }),
      "deployed/old/worker.json": JSON.stringify({
        taskDefinition: { family: "worker", revision: 3, containerDefinitions: [CONTAINERS[2]] },
      }),
      "deployed/package.json": JSON.stringify({ name: "not-a-task-definition" }),
      "deployed/broken.json": "{",
      "empty/notes.json": "{}",
    });
    const { targets, summaries } = readTaskDefinitionFiles(tree.dir, ["deployed"], undefined);
    expect(targets.map((t) => t.id)).toEqual(["task-definition:api", "task-definition:worker:3"]);
    expect(targets[0]?.identity).toEqual({
      names: ["api", "api", "worker"],
      images: ["api:1", "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable", "worker:1"],
      builds: [],
    });
    expect(summaries.map((s) => s.detail)).toContain(
      "2 other JSON file(s) skipped (not task definitions)",
    );
    expect(() => readTaskDefinitionFiles(tree?.dir ?? "", ["empty"], undefined)).toThrow(
      /^empty: has no ECS task definition \(a \.json file with containerDefinitions\)/,
    );
  });
});
