import { describe, expect, it } from "vitest";
import type { CodeRead, CodeScan, Need, Provision, ProvisionKind, Target } from "../model.js";
import type { EnvExample } from "../sources/env-example.js";
import type { EngineInput } from "./engine.js";
import { analyse } from "./engine.js";
import type { Policy } from "./policy.js";
import { EMPTY_POLICY } from "./policy.js";

/** Reads as `NAME: [file, need]`. */
function code(reads: Record<string, [string, Need][]>): CodeScan {
  const map = new Map<string, CodeRead[]>();
  for (const [name, list] of Object.entries(reads))
    map.set(
      name,
      list.map(([file, need], i) => ({ location: { file, line: i + 1 }, need, via: "getenv" })),
    );
  return { reads: map, dynamic: [], files: 2 };
}

function target(
  id: string,
  vars: Record<string, ProvisionKind>,
  extra: Partial<Target> = {},
): Target {
  const provisions = new Map<string, Provision[]>();
  for (const [name, kind] of Object.entries(vars))
    provisions.set(name, [{ kind, location: { file: "deploy.yaml", line: 2 } }]);
  return {
    id,
    kind: "k8s",
    label: id,
    role: "manifest",
    location: { file: "deploy.yaml", line: 1 },
    containers: ["server"],
    provisions,
    unresolved: [],
    notes: [],
    ...extra,
  };
}

const named = (...names: string[]) => ({ identity: { names, images: [], builds: [] } });

function run(input: Partial<EngineInput>, policy: Partial<Policy> = {}) {
  const result = analyse({
    docs: [],
    targets: [],
    unresolved: [],
    ...input,
    policy: { ...EMPTY_POLICY, ...policy },
  });
  return {
    findings: result.findings.map(
      (f) => `${f.severity} ${f.kind} ${f.variable ?? "-"} @ ${f.target ?? "-"}`,
    ),
    messages: result.findings.map((f) => f.message),
    coverage: result.coverage,
  };
}

const twoServices = [
  { path: "src/frontend", names: ["frontend"] },
  { path: "src/cartservice", names: ["cartservice"] },
];

describe("pairing targets with the code's services", () => {
  const reads = code({
    PRODUCT_ADDR: [["src/frontend/main.go", "required"]],
    REDIS_ADDR: [["src/cartservice/cart.js", "required"]],
    PORT: [
      ["src/frontend/main.go", "optional"],
      ["src/cartservice/cart.js", "required"],
    ],
  });

  it("compares each workload with its own service's reads only; a cache matches none", () => {
    const frontend = target("k8s:Deployment/frontend", { PORT: "value" }, named("frontend"));
    const cart = target(
      "k8s:Deployment/cartservice",
      { REDIS_ADDR: "value", PORT: "value" },
      named("cartservice", "server"),
    );
    const redis = target(
      "k8s:Deployment/redis-cart",
      {},
      {
        identity: { names: ["redis-cart", "redis"], images: ["redis:alpine"], builds: [] },
      },
    );
    const out = run({
      code: reads,
      targets: [frontend, cart, redis],
      services: twoServices,
      codePaths: ["src"],
      deploymentSources: [{ label: "deploy.yaml", location: { file: "deploy.yaml" } }],
    });
    // Without pairing every workload would lack the other service's variables.
    expect(out.findings).toEqual([
      "error missing-in-deploy PRODUCT_ADDR @ k8s:Deployment/frontend",
    ]);
    expect(out.coverage.map((c) => [c.target, c.compared, c.code])).toEqual([
      ["k8s:Deployment/frontend", true, ["src/frontend"]],
      ["k8s:Deployment/cartservice", true, ["src/cartservice"]],
      ["k8s:Deployment/redis-cart", false, []],
    ]);
    expect(out.coverage[2]?.reason).toMatch(/^it matches none of the code's services/);
  });

  it("an image name or a compose build folder pairs too; a database sharing a variable is left out", () => {
    const backend = target(
      "compose:backend",
      { SECRET_KEY: "host", POSTGRES_PASSWORD: "host" },
      { identity: { names: ["backend"], images: [], builds: ["backend"] } },
    );
    const db = target(
      "compose:db",
      { POSTGRES_PASSWORD: "host" },
      { identity: { names: ["db"], images: ["postgres:18"], builds: [] } },
    );
    const out = run({
      code: code({
        SECRET_KEY: [["backend/app/config.py", "required"]],
        POSTGRES_PASSWORD: [["backend/app/config.py", "required"]],
        PROJECT_NAME: [["backend/app/config.py", "required"]],
      }),
      targets: [backend, db],
      services: [{ path: "backend", names: ["app"] }],
      codePaths: ["backend"],
    });
    expect(out.findings).toEqual(["error missing-in-deploy PROJECT_NAME @ compose:backend"]);
    expect(out.coverage[1]).toMatchObject({ target: "compose:db", compared: false });
  });

  it("without any pairing, every target is compared with the whole code as before", () => {
    const a = target("k8s:Deployment/api", { PORT: "value" }, named("api"));
    const out = run({ code: reads, targets: [a], services: twoServices, codePaths: ["src"] });
    expect(out.findings).toEqual([
      "error missing-in-deploy PRODUCT_ADDR @ k8s:Deployment/api",
      "error missing-in-deploy REDIS_ADDR @ k8s:Deployment/api",
    ]);
    expect(out.coverage[0]?.code).toEqual(["src"]);
  });
});

describe("nothing compared", () => {
  const reads = code({ DATABASE_URL: [["src/app.ts", "required"]] });
  const given = [{ label: "docker-compose.yml", location: { file: "docker-compose.yml" } }];
  const envFileOnly = (id: string) =>
    target(
      id,
      {},
      {
        kind: "compose",
        unresolved: [
          {
            what: `env_file .env of service ${id}`,
            reason: "the file does not exist here",
            location: { file: "docker-compose.yml", line: 3 },
            mayProvide: true,
          },
        ],
      },
    );

  it("is an error when no target's variables could be read, saying why for each", () => {
    const out = run({
      code: reads,
      targets: [envFileOnly("api"), envFileOnly("postgres")],
      deploymentSources: given,
    });
    expect(out.findings[0]).toBe("error nothing-compared - @ -");
    expect(out.messages[0]).toMatch(
      /^None of the 2 deployment target\(s\) in docker-compose.yml was compared \(api: its variables come only from env_file \.env of service api/,
    );
    expect(out.coverage.map((c) => [c.compared, c.read])).toEqual([
      [true, false],
      [true, false],
    ]);
  });

  it("is an error when the sources gave no target at all, naming what could not be read", () => {
    const out = run({
      code: reads,
      deploymentSources: [{ label: "charts/app", location: { file: "charts/app" } }],
      unresolved: [
        {
          what: "Helm chart charts/app",
          reason: "its templates need rendering",
          location: { file: "charts/app/Chart.yaml" },
          mayProvide: true,
          unread: true,
        },
      ],
    });
    expect(out.findings).toEqual(["error nothing-compared - @ -", "warning not-read - @ -"]);
    expect(out.messages[0]).toBe(
      "No deployment target was found in charts/app (Helm chart charts/app: its templates need rendering): nothing was compared, so this check proves nothing: fix the sources (pass the folder or file that holds the service's targets, rendered manifests, an env_file that exists), or lower nothing-compared in the policy file if this is expected.",
    );
  });

  it("is not raised when one target was read, nor without deployment sources; the policy may lower it", () => {
    const read = target("app", { DATABASE_URL: "secret" });
    expect(
      run({ code: reads, targets: [read, envFileOnly("db")], deploymentSources: given }).findings,
    ).toEqual(["info unresolved - @ db", "info unresolved DATABASE_URL @ db"]);
    expect(run({ code: reads }).findings).toEqual([]);
    expect(
      run(
        { code: reads, targets: [envFileOnly("api")], deploymentSources: given },
        { severity: { "nothing-compared": "warning" } },
      ).findings,
    ).toEqual([
      "warning nothing-compared - @ -",
      "info unresolved - @ api",
      "info unresolved DATABASE_URL @ api",
    ]);
  });
});

describe("need and duplicates", () => {
  it("a read whose need is unknown is a note when the target lacks it, never an error", () => {
    const out = run({
      code: code({
        MODE: [["app.py", "unknown"]],
        TOKEN: [
          ["app.py", "unknown"],
          ["worker.py", "required"],
        ],
      }),
      targets: [target("t", {})],
    });
    expect(out.findings).toEqual(["error missing-in-deploy TOKEN @ t", "info unresolved MODE @ t"]);
    expect(out.messages[1]).toMatch(
      /^MODE is read \(app\.py:1\) but what the code does without it could not be told/,
    );
  });

  it("a variable read with a default and documented nowhere is one `undocumented`, not also documented-not-deployed", () => {
    const docs: EnvExample = { file: ".env.example", entries: new Map() };
    const out = run({
      code: code({ LOG_LEVEL: [["app.py", "optional"]] }),
      docs: [docs],
      targets: [target("t", {})],
    });
    expect(out.findings).toEqual(["warning undocumented LOG_LEVEL @ env-example"]);
  });
});
