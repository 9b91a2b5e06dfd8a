import { afterEach, describe, expect, it } from "vitest";
import type { Target } from "../model.js";
import type { TempTree } from "../test-support/tmp.js";
import { FIXTURES, tempTree } from "../test-support/tmp.js";
import { readCompose } from "./compose.js";
import { readK8s } from "./k8s.js";

let tree: TempTree | undefined;
afterEach(() => tree?.remove());

function kinds(t: Target | undefined): Record<string, string> {
  return Object.fromEntries(
    [...(t?.provisions ?? new Map())].map(([n, [p]]) => [
      n,
      `${p.kind}${p.reference ? ` ${p.reference}` : ""}`,
    ]),
  );
}

describe("Kubernetes source", () => {
  const { targets, unresolved } = readK8s({ cwd: FIXTURES, paths: ["k8s"] });

  it("reads env and envFrom of workloads, resolving ConfigMaps and Secrets in the folder", () => {
    expect(targets.map((t) => t.id)).toEqual(["k8s:CronJob/nightly", "k8s:Deployment/api"]);
    expect(kinds(targets[1])).toEqual({
      PORT: "value",
      API_TOKEN: "value",
      DATABASE_URL: "secret secret/api-secrets key database-url",
      LOG_LEVEL: "configmap configmap/api-config key log-level",
      POD_IP: "field",
      FEATURE_FLAGS: "configmap configmap/api-config",
      REGION: "configmap configmap/api-config",
      SECRET_HUGGINGFACE_API_KEY: "secret secret/api-secrets",
    });
    expect(kinds(targets[0])).toEqual({ BATCH_SIZE: "value" });
    expect(targets[1]?.provisions.get("PORT")?.[0]?.location).toEqual({
      file: "k8s/deployment.yaml",
      line: 25,
    });
    expect(JSON.stringify(targets.map((t) => [...t.provisions]))).not.toContain("never-read");
    expect(JSON.stringify(targets.map((t) => [...t.provisions]))).not.toContain(
      "plain-text-in-the-manifest",
    );
  });

  it("reports an envFrom whose Secret is not in the folder as unresolved", () => {
    expect(targets[1]?.unresolved.map((u) => [u.what, u.mayProvide])).toEqual([
      ["envFrom secretRef created-elsewhere of container api", true],
    ]);
    expect(unresolved).toEqual([]);
  });

  it("reports unrendered templates as not read, and fails on invalid YAML naming file and line", () => {
    tree = tempTree({
      "chart/deployment.yaml": "kind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
    });
    expect(readK8s({ cwd: tree.dir, paths: ["chart"] }).unresolved).toEqual([
      expect.objectContaining({ what: "template chart/deployment.yaml", unread: true }),
    ]);
    tree.write("bad/pod.yaml", "kind: Pod\nspec:\n  containers: [\n  - name: x\n");
    expect(() => readK8s({ cwd: tree?.dir ?? "", paths: ["bad"] })).toThrow(
      /^bad\/pod\.yaml:\d+: invalid YAML/,
    );
  });
});

describe("Docker Compose source", () => {
  const { targets } = readCompose(FIXTURES, ["compose/docker-compose.yml"], undefined);

  it("reads list and map environment forms, telling literals from host pass-through", () => {
    expect(kinds(targets[0])).toEqual({
      PORT: "value",
      HUGGINGFACE_API_KEY: "host",
      DATABASE_URL: "host",
      SESSION_SECRET: "value",
      LOG_LEVEL: "env-file compose/api.env",
      STRIPE_KEY: "env-file compose/api.env",
    });
    expect(kinds(targets[1])).toEqual({ QUEUE_NAME: "value", REDIS_URL: "host" });
    expect(targets[0]?.provisions.get("STRIPE_KEY")?.[0]?.location).toEqual({
      file: "compose/api.env",
      line: 3,
    });
  });

  it("reports a missing required env_file as unresolved and skips an optional one", () => {
    expect(targets[0]?.unresolved).toEqual([]);
    expect(targets[1]?.unresolved.map((u) => u.what)).toEqual([
      "env_file compose/missing.env of service worker",
    ]);
  });

  it("selects one service with --container", () => {
    expect(
      readCompose(FIXTURES, ["compose/docker-compose.yml"], "worker").targets.map((t) => t.id),
    ).toEqual(["compose:worker"]);
  });

  it("takes a folder's compose files, and says what to pass when it has none", () => {
    tree = tempTree({
      "app/docker-compose.yml": "services:\n  api:\n    build: .\n    environment: [A=1]\n",
      "app/docker-compose.prod.yml": "services:\n  api:\n    image: org/api:1\n",
      "app/other.yml": "services: {}\n",
      "empty/readme.yml": "x: 1\n",
    });
    const { targets } = readCompose(tree.dir, ["app"], undefined);
    expect(targets.map((t) => [t.id, t.location.file, t.identity])).toEqual([
      [
        "compose:api",
        "app/docker-compose.prod.yml",
        { names: ["api"], images: ["org/api:1"], builds: [] },
      ],
      ["compose:api", "app/docker-compose.yml", { names: ["api"], images: [], builds: ["app"] }],
    ]);
    expect(() => readCompose(tree?.dir ?? "", ["empty"], undefined)).toThrow(
      /^empty: has no compose file \(compose\.yaml, docker-compose\.yml, docker-compose\.\*\.yml\); pass the file itself/,
    );
  });
});

describe("--k8s paths", () => {
  it("a path that does not exist says what --k8s takes", () => {
    expect(() => readK8s({ cwd: FIXTURES, paths: ["k8s/nope.yaml"] })).toThrow(
      "k8s/nope.yaml: does not exist; --k8s takes a manifest file, a folder of manifests, a Kustomize folder, or - for standard input",
    );
  });

  it("a folder holding a chart reads the rest and reports the chart; `{{` in stdin is not read", () => {
    tree = tempTree({
      "deploy/app.yaml":
        "kind: Pod\nmetadata:\n  name: app\nspec:\n  containers:\n    - name: app\n",
      "deploy/charts/db/Chart.yaml": "name: db\n",
      "deploy/charts/db/templates/sts.yaml": "kind: StatefulSet\n",
    });
    const read = readK8s({ cwd: tree.dir, paths: ["deploy"] });
    expect(read.targets.map((t) => t.id)).toEqual(["k8s:Pod/app"]);
    expect(read.unresolved.map((u) => [u.what, u.unread])).toEqual([
      ["Helm chart deploy/charts/db", true],
    ]);
    const piped = readK8s({ cwd: tree.dir, paths: ["-"], stdin: "name: {{ .Values.x }}\n" });
    expect(piped.unresolved[0]?.what).toBe("template <stdin>");
  });
});
