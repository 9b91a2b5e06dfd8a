/** `--format markdown`: a summary and the findings for a pull-request comment; the matrix folded. */
import type { Report } from "./model.js";
import { at } from "./model.js";
import { buildMatrix } from "./matrix.js";

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function table(headers: string[], rows: string[][]): string[] {
  return [
    `| ${headers.map(cell).join(" | ")} |`,
    `| ${headers.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ];
}

export function renderMarkdown(report: Report): string {
  const s = report.summary;
  const verdict = s.errors > 0 ? "failed" : "passed";
  const policy = report.sources.find((x) => x.kind === "policy" && x.path !== "none")?.path;
  const out = [
    `### modelgate config check ${verdict}: ${s.errors} error(s), ${s.warnings} warning(s), ${s.infos} note(s)`,
    "",
    `Checked ${s.variables} variable(s) across ${report.sources
      .filter((x) => x.kind !== "policy")
      .map((x) => `${x.kind} \`${x.path}\``)
      .join(", ")}. Policy: ${policy ? `\`${policy}\`` : "none"}.`,
    "",
  ];
  if (report.targets.length > 0) {
    out.push(
      ...table(
        ["Target", "Compared with"],
        report.targets.map((t) => [
          t.label,
          !t.comparison.compared
            ? `not compared: ${t.comparison.reason ?? "?"}`
            : !t.comparison.read
              ? `not read: ${t.comparison.reason ?? "?"}`
              : t.comparison.code.map((p) => `\`${p}\``).join(", ") || "(nothing to compare with)",
        ]),
      ),
      "",
    );
  }
  if (report.findings.length > 0) {
    out.push(
      ...table(
        ["Severity", "Kind", "Variable", "Where", "What to do"],
        report.findings.map((f) => [
          f.severity === "error" ? "**error**" : f.severity,
          `\`${f.kind}\``,
          f.variable ? `\`${f.variable}\`` : "",
          f.locations
            .slice(0, 2)
            .map((l) => `\`${at(l)}\``)
            .join(", "),
          f.message,
        ]),
      ),
      "",
    );
  } else out.push("No findings.", "");
  const matrix = buildMatrix(report);
  if (matrix.rows.length > 0) {
    out.push("<details><summary>Variables × sources</summary>", "");
    out.push(
      ...table(
        matrix.headers,
        matrix.rows.map((r) => r.map((c, i) => (i === 0 ? `\`${c}\`` : c))),
      ),
      "",
    );
    for (const [h, label] of matrix.legend) out.push(`- ${h}: ${cell(label)}`);
    out.push("", "</details>");
  }
  return out.join("\n").trimEnd();
}
