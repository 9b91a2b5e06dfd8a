/** The variable × source matrix shared by the text and markdown reports. */
import type { Report, ReportVariable } from "./model.js";

export interface Matrix {
  headers: string[];
  /** Legend: column header → the target it stands for. */
  legend: [string, string][];
  rows: string[][];
}

function codeCell(v: ReportVariable): string {
  if (v.readBy.length === 0) return v.required ? "required" : "-";
  return v.need ?? (v.required ? "required" : "optional");
}

const KIND_CELL: Record<string, string> = {
  value: "value",
  secret: "secret",
  configmap: "configmap",
  "env-file": "env-file",
  field: "field",
  host: "host",
};

export function buildMatrix(report: Report): Matrix {
  const hasCode = report.sources.some((s) => s.kind === "code" || s.kind === "schema");
  const hasDocs = report.sources.some((s) => s.kind === "env-example");
  const headers = ["VARIABLE"];
  if (hasCode) headers.push("CODE");
  if (hasDocs) headers.push("DOCS");
  const legend: [string, string][] = report.targets.map((t, i) => [
    `T${i + 1}`,
    `${t.label} [${t.kind}]`,
  ]);
  headers.push(...legend.map(([h]) => h));
  const rows = report.variables.map((v) => {
    const row = [v.name];
    if (hasCode) row.push(codeCell(v));
    if (hasDocs) row.push(v.documentedIn.length > 0 ? "yes" : "-");
    for (const t of report.targets) {
      const kinds = [
        ...new Set(
          v.providedBy.filter((p) => p.target === t.id).map((p) => KIND_CELL[p.kind] ?? p.kind),
        ),
      ];
      row.push(kinds.length > 0 ? kinds.join("+") : "-");
    }
    return row;
  });
  return { headers, legend, rows };
}
