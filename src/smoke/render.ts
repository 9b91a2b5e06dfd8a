/**
 * The smoke report for people (text), machines (json) and CI (junit: one test case per check,
 * grouped by class "service" / "model 21", failures with what was sent and what came back).
 */
import type { SmokeCheck, SmokeReport } from "./types.js";

export const SMOKE_FORMATS = ["text", "json", "junit"] as const;
export type SmokeFormat = (typeof SMOKE_FORMATS)[number];

const LABEL = { pass: "PASS", fail: "FAIL", skip: "SKIP" } as const;

function indent(text: string, pad: string): string {
  return text
    .split("\n")
    .map((line, i) => (i === 0 ? line : `${pad}${line}`))
    .join("\n");
}

function checkText(c: SmokeCheck, width: number): string {
  const title = `${c.group === "service" ? "" : `${c.group}: `}${c.name}`;
  const lines = [`${LABEL[c.status]}  ${title.padEnd(width)}  ${c.summary}`];
  if (c.status === "fail") {
    for (const p of c.problems) lines.push(`      - ${p}`);
    if (c.sent) lines.push(`      sent:     ${indent(c.sent, "                ")}`);
    if (c.received) lines.push(`      received: ${indent(c.received, "                ")}`);
  }
  return lines.join("\n");
}

export function renderText(report: SmokeReport): string {
  const s = report.summary;
  const seconds = (report.durationMs / 1000).toFixed(1);
  const head = `modelgate smoke ${report.url}: ${s.total} checks, ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped (${seconds} s)`;
  const models =
    report.models.from === "none"
      ? "models: none checked (the model list could not be read and --models was not given)"
      : `models: ${report.models.ids.join(", ") || "none"} (from ${report.models.from === "api" ? "the API: the models this key may use" : "--models"})${report.models.listed ? `; the first ${report.models.ids.length} of ${report.models.listed}, the most one run checks: choose with --models` : ""}`;
  const width = Math.min(
    40,
    Math.max(
      ...report.checks.map((c) => (c.group === "service" ? 0 : c.group.length + 2) + c.name.length),
    ),
  );
  const failed = report.checks.filter((c) => c.status === "fail");
  const tail =
    failed.length === 0
      ? "All checks passed."
      : `Failed: ${failed.map((c) => `${c.group === "service" ? "" : `${c.group} `}${c.name}`).join(", ")}.`;
  return [head, models, "", ...report.checks.map((c) => checkText(c, width)), "", tail].join("\n");
}

/** Text as XML 1.0 allows it: markup escaped, characters XML cannot carry dropped. */
export function xmlText(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replace(
      /[&<>"']/g,
      (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c] ?? c,
    );
}

function testcase(c: SmokeCheck): string {
  const time = ((c.ms ?? 0) / 1000).toFixed(3);
  const open = `    <testcase classname="${xmlText(c.group)}" name="${xmlText(c.name)}" time="${time}"`;
  if (c.status === "pass") return `${open}/>`;
  if (c.status === "skip") {
    return `${open}>\n      <skipped message="${xmlText(c.summary)}"/>\n    </testcase>`;
  }
  const body = [
    ...c.problems.map((p) => `- ${p}`),
    ...(c.sent ? [`sent:\n${c.sent}`] : []),
    ...(c.received ? [`received:\n${c.received}`] : []),
  ].join("\n");
  return [
    `${open}>`,
    `      <failure message="${xmlText(c.problems[0] ?? c.summary)}" type="smoke">${xmlText(body)}</failure>`,
    "    </testcase>",
  ].join("\n");
}

export function renderJunit(report: SmokeReport): string {
  const s = report.summary;
  const time = (report.durationMs / 1000).toFixed(3);
  const counts = `tests="${s.total}" failures="${s.failed}" errors="0" skipped="${s.skipped}" time="${time}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="modelgate smoke" ${counts}>`,
    `  <testsuite name="modelgate smoke ${xmlText(report.url)}" ${counts} timestamp="${report.startedAt}">`,
    ...report.checks.map(testcase),
    "  </testsuite>",
    "</testsuites>",
  ].join("\n");
}

export function renderSmoke(report: SmokeReport, format: SmokeFormat): string {
  if (format === "json") return JSON.stringify(report, null, 2);
  if (format === "junit") return renderJunit(report);
  return renderText(report);
}
