/**
 * `--format sarif`: SARIF 2.1.0 for code scanning (e.g. GitHub's upload-sarif). One rule per
 * finding kind; a finding is placed at its first file location, and a place that is not a file
 * (a live task definition) becomes a logical location.
 */
import { createHash } from "node:crypto";
import { FINDING_KINDS, KIND_NAMES } from "../findings/kinds.js";
import type { FindingLocation } from "../findings/types.js";
import type { Report } from "./model.js";

const LEVEL = { error: "error", warning: "warning", info: "note" } as const;
const ORDER: FindingLocation["role"][] = [
  "missing",
  "provided",
  "declared",
  "read",
  "documented",
  "expression",
];

function primary(locations: FindingLocation[]): FindingLocation | undefined {
  const files = locations.filter((l) => l.file);
  return ORDER.map((role) => files.find((l) => l.role === role)).find(Boolean) ?? files[0];
}

export function renderSarif(report: Report): string {
  const sarif = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "modelgate config check",
            version: report.tool.version,
            rules: KIND_NAMES.map((kind) => ({
              id: kind,
              name: kind.replace(/(^|-)(\w)/g, (_, _d: string, ch: string) => ch.toUpperCase()),
              shortDescription: { text: FINDING_KINDS[kind].title },
              fullDescription: { text: FINDING_KINDS[kind].help },
              help: { text: `${FINDING_KINDS[kind].help} See docs/config-check.md (${kind}).` },
              defaultConfiguration: { level: LEVEL[FINDING_KINDS[kind].severity] },
            })),
          },
        },
        // Which policy and sources this run read, and what each target was compared with.
        properties: {
          policy: report.sources.find((x) => x.kind === "policy")?.path ?? "none",
          sources: report.sources,
          comparisons: report.targets.map((t) => ({ target: t.id, ...t.comparison })),
        },
        results: report.findings.map((f) => {
          const main = primary(f.locations);
          const result: Record<string, unknown> = {
            ruleId: f.kind,
            ruleIndex: KIND_NAMES.indexOf(f.kind),
            level: LEVEL[f.severity],
            message: { text: f.message },
            partialFingerprints: {
              "modelgateFinding/v1": createHash("sha256")
                .update(`${f.kind}|${f.variable ?? ""}|${f.target ?? ""}`)
                .digest("hex"),
            },
            properties: { variable: f.variable, target: f.target },
          };
          if (main?.file) {
            result.locations = [
              {
                physicalLocation: {
                  artifactLocation: { uri: main.file },
                  ...(main.line ? { region: { startLine: main.line } } : {}),
                },
              },
            ];
          } else if (f.target) {
            result.locations = [
              { logicalLocations: [{ fullyQualifiedName: f.target, kind: "resource" }] },
            ];
          }
          const related = f.locations.filter((l) => l !== main && l.file);
          if (related.length > 0) {
            result.relatedLocations = related.map((l, id) => ({
              id,
              message: { text: l.role },
              physicalLocation: {
                artifactLocation: { uri: l.file },
                ...(l.line ? { region: { startLine: l.line } } : {}),
              },
            }));
          }
          return result;
        }),
      },
    ],
  };
  return JSON.stringify(sarif, null, 2);
}
