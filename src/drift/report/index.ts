/** Renders a check result in the requested format. */
import type { CheckResult } from "../check.js";
import { usageError } from "../errors.js";
import { renderJunit } from "./junit.js";
import { renderMarkdown } from "./markdown.js";
import type { Report } from "./model.js";
import { buildReport } from "./model.js";
import { renderSarif } from "./sarif.js";
import { renderText } from "./text.js";

export const FORMATS = ["text", "json", "markdown", "sarif", "junit"] as const;
export type Format = (typeof FORMATS)[number];

export function parseFormat(value: string): Format {
  if ((FORMATS as readonly string[]).includes(value)) return value as Format;
  throw usageError(`--format ${value} is not known: use one of ${FORMATS.join(", ")}.`);
}

export function render(
  result: CheckResult,
  format: Format,
  colour = false,
): { report: Report; output: string } {
  const report = buildReport(result);
  const output =
    format === "json"
      ? JSON.stringify(report, null, 2)
      : format === "markdown"
        ? renderMarkdown(report)
        : format === "sarif"
          ? renderSarif(report)
          : format === "junit"
            ? renderJunit(report)
            : renderText(report, colour);
  return { report, output };
}

export { buildReport, REPORT_VERSION } from "./model.js";
export type { Report } from "./model.js";
