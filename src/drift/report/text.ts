/** `--format text`: the sources, the variable × target matrix and the findings, for a terminal. */
import type { Finding } from "../findings/types.js";
import type { Report } from "./model.js";
import { at } from "./model.js";
import { buildMatrix } from "./matrix.js";

const CODES = { red: 31, yellow: 33, cyan: 36, dim: 2, bold: 1, green: 32 } as const;
type Colour = keyof typeof CODES;

export function renderText(report: Report, colour: boolean): string {
  const c = (name: Colour, s: string) => (colour ? `\u001b[${CODES[name]}m${s}\u001b[0m` : s);
  const severityColour: Record<Finding["severity"], Colour> = {
    error: "red",
    warning: "yellow",
    info: "cyan",
  };
  const out: string[] = [...compared(report, c), c("bold", "Sources")];
  const kindWidth = Math.max(0, ...report.sources.map((s) => s.kind.length)) + 2;
  const pathWidth = Math.max(0, ...report.sources.map((s) => s.path.length)) + 2;
  for (const s of report.sources) {
    out.push(`  ${s.kind.padEnd(kindWidth)}${s.path.padEnd(pathWidth)}${c("dim", s.detail)}`);
  }
  const matrix = buildMatrix(report);
  if (matrix.legend.length > 0) {
    out.push("", c("bold", "Targets"));
    report.targets.forEach((t, i) => {
      out.push(`  T${i + 1}  ${t.label} [${t.kind}]  ${c("dim", at(t.location))}`);
      for (const note of t.notes) out.push(`      ${c("dim", `note: ${note}`)}`);
    });
  }
  if (matrix.rows.length > 0) {
    out.push("");
    const widths = matrix.headers.map((h, i) =>
      Math.max(h.length, ...matrix.rows.map((r) => (r[i] ?? "").length)),
    );
    const line = (cells: string[], header: boolean) =>
      cells
        .map((cell, i) => {
          const padded = i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0);
          if (header) return c("bold", padded);
          return cell === "-" && i > 0 ? c("dim", padded) : padded;
        })
        .join("  ")
        .trimEnd();
    out.push(line(matrix.headers, true), ...matrix.rows.map((r) => line(r, false)));
  }
  out.push("", c("bold", "Findings"));
  if (report.findings.length === 0) out.push(`  ${c("green", "none")}`);
  for (const f of report.findings) {
    const label = f.severity.padEnd(8);
    out.push(
      `  ${c(severityColour[f.severity], label)}${f.kind}${f.variable ? `  ${f.variable}` : ""}`,
    );
    out.push(`    ${f.message}`);
    const where = f.locations.map((l) => `${at(l)} (${l.role})`);
    if (where.length > 0) out.push(`    ${c("dim", where.join(", "))}`);
  }
  const s = report.summary;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const total = `${plural(s.errors, "error")}, ${plural(s.warnings, "warning")}, ${plural(s.infos, "note")}`;
  out.push(
    "",
    s.errors > 0 ? c("red", `Check failed: ${total}.`) : c("green", `Check passed: ${total}.`),
  );
  return out.join("\n");
}

/**
 * The first lines: which targets were compared with which code, which were not and why — so a
 * run that compared nothing says so before anything else.
 */
function compared(report: Report, c: (name: Colour, s: string) => string): string[] {
  const nothing = report.findings.some((f) => f.kind === "nothing-compared");
  if (report.targets.length === 0)
    return nothing ? [c("bold", "Compared: nothing (no deployment target was found)"), ""] : [];
  const ok = report.targets.filter((t) => t.comparison.compared && t.comparison.read).length;
  const out = [
    c(
      "bold",
      ok === 0 ? "Compared: nothing" : `Compared (${ok} of ${report.targets.length} targets)`,
    ),
  ];
  report.targets.forEach((t, i) => {
    const x = t.comparison;
    const what = !x.compared
      ? c("yellow", `not compared: ${x.reason ?? "?"}`)
      : !x.read
        ? c("yellow", `not read: ${x.reason ?? "?"}`)
        : x.code.length > 0
          ? `with ${x.code.join(", ")}`
          : "read (no code or .env.example to compare it with)";
    out.push(`  T${i + 1}  ${t.label} [${t.kind}]  ${what}`);
  });
  out.push("");
  return out;
}
