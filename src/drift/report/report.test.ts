import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckResult } from "../check.js";
import { runCheck } from "../check.js";
import { renderEnvDocs } from "../docs/render.js";
import { KIND_NAMES } from "../findings/kinds.js";
import type { TempTree } from "../test-support/tmp.js";
import { tempTree } from "../test-support/tmp.js";
import { FORMATS, REPORT_VERSION, render } from "./index.js";

/** Checks that XML is well-formed: balanced tags, quoted attributes, escaped text. */
function assertWellFormedXml(xml: string): void {
  const stack: string[] = [];
  const re = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<\?xml[^?]*\?>|([^<]+)/g;
  let consumed = 0;
  for (const m of xml.matchAll(re)) {
    if (m.index !== consumed)
      throw new Error(`unparsable XML at ${consumed}: ${xml.slice(consumed, consumed + 40)}`);
    consumed = m.index + m[0].length;
    if (m[5] !== undefined) {
      if (/&(?!(amp|lt|gt|quot|apos);)/.test(m[5])) throw new Error(`unescaped & in text: ${m[5]}`);
      continue;
    }
    if (m[0].startsWith("<?xml")) continue;
    const name = m[2] as string;
    if (m[1]) {
      if (stack.pop() !== name) throw new Error(`unbalanced </${name}>`);
    } else if (!m[4]) stack.push(name);
  }
  if (consumed !== xml.length) throw new Error("trailing text that is not XML");
  if (stack.length > 0) throw new Error(`unclosed <${stack.join("><")}>`);
}

const SECRETS = [
  "tok_live_SECRET1",
  "tf_state_SECRET2",
  "compose_SECRET3",
  "k8s_SECRET4",
  "envfile_SECRET5",
  "hcl_plain_SECRET6",
];

let tree: TempTree;
let result: CheckResult;

beforeAll(async () => {
  tree = tempTree({
    "app/main.py":
      'import os\nTOKEN = os.environ["API_TOKEN"]\nDB = os.environ["DATABASE_URL"]\nLEVEL = os.getenv("LOG_LEVEL", "info")\n',
    ".env.example": "# The API token\nAPI_TOKEN=example\nLOG_LEVEL=info\n",
    "td.json": JSON.stringify({
      taskDefinition: {
        family: "svc",
        revision: 4,
        containerDefinitions: [
          {
            name: "app",
            environment: [{ name: "API_TOKEN", value: SECRETS[0] }],
            environmentFiles: [{ value: "arn:aws:s3:::b/app.env", type: "s3" }],
          },
        ],
      },
    }),
    "state.json": JSON.stringify({
      values: {
        root_module: {
          resources: [
            {
              address: "aws_ecs_task_definition.app",
              mode: "managed",
              type: "aws_ecs_task_definition",
              values: {
                family: "svc",
                container_definitions: JSON.stringify([
                  { name: "app", environment: [{ name: "DATABASE_URL", value: SECRETS[1] }] },
                ]),
              },
            },
          ],
        },
      },
    }),
    "compose.yml": `services:\n  app:\n    environment:\n      API_TOKEN: ${SECRETS[2]}\n    env_file: app.env\n`,
    "app.env": `STRIPE_KEY=${SECRETS[4]}\n`,
    "k8s/secret.yaml": `apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  DATABASE_URL: ${SECRETS[3]}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          envFrom:\n            - secretRef:\n                name: s\n`,
    "infra/main.tf": `resource "aws_ecs_task_definition" "other" {\n  family = "other"\n  container_definitions = jsonencode([{ name = "app", environment = [{ name = "SERVICE_PASSWORD", value = "${SECRETS[5]}" }] }])\n}\n`,
  });
  result = await runCheck({
    cwd: tree.dir,
    env: {},
    sources: {
      code: ["app"],
      envExample: [".env.example"],
      taskDefinition: ["td.json"],
      tfJson: ["state.json"],
      terraform: ["infra"],
      compose: ["compose.yml"],
      k8s: ["k8s"],
    },
  });
});
afterAll(() => tree.remove());

describe("reports", () => {
  it("never contain a value from a deployment target, in any format or in the docs", () => {
    const outputs = [...FORMATS.map((f) => render(result, f, true).output), renderEnvDocs(result)];
    for (const output of outputs)
      for (const secret of SECRETS) expect(output).not.toContain(secret);
    expect(outputs.join("\n")).not.toContain("example\n");
  });

  it("JSON has the documented, versioned shape", () => {
    const report = JSON.parse(render(result, "json").output) as Record<string, unknown>;
    expect(REPORT_VERSION).toBe(1);
    expect(Object.keys(report)).toEqual([
      "version",
      "tool",
      "sources",
      "targets",
      "variables",
      "findings",
      "summary",
    ]);
    expect(report.version).toBe(1);
    const finding = (report.findings as Record<string, unknown>[])[0];
    expect(Object.keys(finding ?? {})).toEqual([
      "kind",
      "severity",
      "variable",
      "target",
      "message",
      "locations",
    ]);
    expect(report.summary).toMatchObject({ exitCode: 1 });
    const variable = (report.variables as Record<string, unknown>[]).find(
      (v) => v.name === "API_TOKEN",
    );
    expect(variable).toMatchObject({ name: "API_TOKEN", required: true, secret: true });
  });

  it("SARIF is 2.1.0 with one rule per kind and results that point at files", () => {
    const sarif = JSON.parse(render(result, "sarif").output) as {
      version: string;
      runs: {
        tool: { driver: { rules: { id: string }[] } };
        results: {
          ruleId: string;
          level: string;
          locations?: { physicalLocation?: { artifactLocation: { uri: string } } }[];
        }[];
      }[];
    };
    expect(sarif.version).toBe("2.1.0");
    const run = sarif.runs[0];
    expect(run?.tool.driver.rules.map((r) => r.id)).toEqual(KIND_NAMES);
    expect(run?.results.length).toBe(result.findings.length);
    for (const r of run?.results ?? []) {
      expect(KIND_NAMES).toContain(r.ruleId);
      expect(["error", "warning", "note"]).toContain(r.level);
    }
    const plaintext = run?.results.find((r) => r.ruleId === "plaintext-secret");
    expect(plaintext?.locations?.[0]?.physicalLocation?.artifactLocation.uri).toMatch(
      /\.(json|yml|tf)$/,
    );
  });

  it("JUnit is well-formed, with a failure per error finding", () => {
    const xml = render(result, "junit").output;
    assertWellFormedXml(xml);
    const failures = (xml.match(/<failure /g) ?? []).length;
    expect(failures).toBe(result.findings.filter((f) => f.severity === "error").length);
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="modelgate config check"/,
    );
  });

  it("text has the matrix and colours only when asked; markdown has a table for the PR comment", () => {
    const plain = render(result, "text", false).output;
    expect(plain).toMatch(/VARIABLE\s+CODE\s+DOCS\s+T1/);
    expect(plain).not.toContain("\u001b[");
    expect(render(result, "text", true).output).toContain("\u001b[31m");
    const md = render(result, "markdown").output;
    expect(md).toMatch(/^### modelgate config check failed: \d+ error/);
    expect(md).toContain("| Severity | Kind | Variable | Where | What to do |");
    expect(md).toContain("<details><summary>Variables × sources</summary>");
  });
});
