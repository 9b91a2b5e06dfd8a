/**
 * `--format junit`: one test suite per deployment target (plus the code and the .env.example
 * checks), one test case per variable checked there; an error finding is a failure, warnings and
 * notes go to system-out. CI systems show it like a test run.
 */
import type { Finding } from "../findings/types.js";
import type { Report } from "./model.js";
import { at } from "./model.js";

function xml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c] ?? c,
  );
}

interface Case {
  name: string;
  findings: Finding[];
}

function testcase(suite: string, c: Case): string {
  const failures = c.findings.filter((f) => f.severity === "error");
  const others = c.findings.filter((f) => f.severity !== "error");
  const parts = [`    <testcase classname="${xml(suite)}" name="${xml(c.name)}">`];
  for (const f of failures) {
    const where = f.locations.map((l) => `${at(l)} (${l.role})`).join("\n");
    parts.push(
      `      <failure type="${xml(f.kind)}" message="${xml(f.message)}">${xml(`${f.message}\n${where}`)}</failure>`,
    );
  }
  if (others.length > 0)
    parts.push(
      `      <system-out>${xml(others.map((f) => `${f.severity} ${f.kind}: ${f.message}`).join("\n"))}</system-out>`,
    );
  parts.push("    </testcase>");
  return parts.join("\n");
}

export function renderJunit(report: Report): string {
  const suites: { name: string; cases: Case[] }[] = [];
  const forTarget = (id: string | null) => report.findings.filter((f) => f.target === id);
  const cases = (id: string | null, names: string[]): Case[] => {
    const fs = forTarget(id);
    const byVar = names.map((name) => ({ name, findings: fs.filter((f) => f.variable === name) }));
    const loose = fs
      .filter((f) => f.variable === null || !names.includes(f.variable))
      .map((f) => ({
        name: `${f.kind}${f.variable ? ` ${f.variable}` : ""}: ${f.message.slice(0, 80)}`,
        findings: [f],
      }));
    return [...byVar, ...loose];
  };
  for (const t of report.targets) {
    const names = report.variables
      .filter(
        (v) =>
          v.providedBy.some((p) => p.target === t.id) ||
          v.required ||
          v.documentedIn.length > 0 ||
          v.readBy.length > 0,
      )
      .map((v) => v.name);
    suites.push({ name: t.label, cases: cases(t.id, names) });
  }
  const docs = report.findings.filter((f) => f.target === "env-example");
  if (report.sources.some((s) => s.kind === "env-example")) {
    suites.push({
      name: ".env.example",
      cases: cases(
        "env-example",
        report.variables.filter((v) => v.readBy.length > 0).map((v) => v.name),
      ),
    });
  } else if (docs.length > 0)
    suites.push({ name: ".env.example", cases: cases("env-example", []) });
  const code = cases("code", []).concat(cases(null, []));
  if (code.length > 0) suites.push({ name: "code", cases: code });
  const failures = (cs: Case[]) =>
    cs.filter((c) => c.findings.some((f) => f.severity === "error")).length;
  const total = suites.reduce((n, s) => n + s.cases.length, 0);
  // Every suite carries the sources read (the policy first), as JUnit properties.
  const properties = [
    "    <properties>",
    ...report.sources.map(
      (x) =>
        `      <property name="${xml(x.kind === "policy" ? "policy" : `source.${x.kind}`)}" value="${xml(x.kind === "policy" ? x.path : `${x.path}: ${x.detail}`)}"/>`,
    ),
    "    </properties>",
  ].join("\n");
  const body = suites.map(
    (s) =>
      `  <testsuite name="${xml(s.name)}" tests="${s.cases.length}" failures="${failures(s.cases)}" errors="0" skipped="0">\n${properties}\n${s.cases.map((c) => testcase(s.name, c)).join("\n")}\n  </testsuite>`,
  );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="modelgate config check" tests="${total}" failures="${suites.reduce((n, s) => n + failures(s.cases), 0)}" errors="0">`,
    ...body,
    "</testsuites>",
  ].join("\n");
}
