/**
 * The versioned JSON report (`--format json`), which every other format is rendered from.
 * Version 1; docs/config-check.md documents each field. A field is only ever added within a
 * version; removing or changing one bumps it.
 */
import { readVersion } from "../../version.js";
import type { CheckResult } from "../check.js";
import type { Coverage, Finding } from "../findings/types.js";
import { needOf } from "../findings/variables.js";
import type { Location, Need, ProvisionKind, Target } from "../model.js";

export const REPORT_VERSION = 1;

export interface ReportTarget {
  id: string;
  kind: Target["kind"];
  role: Target["role"];
  label: string;
  location: Location;
  family: string | null;
  familyExpression?: string;
  revision: number | null;
  status?: string;
  containers: string[];
  notes: string[];
  /** Whether it was compared with the code, with which (folders), and why not. */
  comparison: { compared: boolean; code: string[]; read: boolean; reason?: string };
}

export interface ReportVariable {
  name: string;
  required: boolean | null;
  /** What the code does without it: required, optional, unknown (could not be told), or null. */
  need: Need | null;
  secret: boolean;
  description?: string;
  /** `optional` is kept for version-1 readers: it is `need !== "required"`. */
  readBy: (Location & { via: string; need: Need; optional: boolean })[];
  documentedIn: Location[];
  providedBy: {
    target: string;
    kind: ProvisionKind;
    reference?: string;
    location: Location;
    container?: string;
  }[];
  alternatives?: string[];
  /** A Dockerfile ENV that gives it a default in the image. */
  imageDefault?: Location;
}

export interface Report {
  version: typeof REPORT_VERSION;
  tool: { name: "modelgate"; version: string };
  sources: CheckResult["sources"];
  targets: ReportTarget[];
  variables: ReportVariable[];
  findings: Finding[];
  summary: {
    errors: number;
    warnings: number;
    infos: number;
    variables: number;
    targets: number;
    exitCode: 0 | 1;
  };
}

function target(t: Target, coverage: Coverage | undefined): ReportTarget {
  const out: ReportTarget = {
    id: t.id,
    kind: t.kind,
    role: t.role,
    label: t.label,
    location: t.location,
    family: t.family?.kind === "known" ? t.family.name : null,
    revision: t.revision ?? null,
    containers: t.containers,
    notes: t.notes,
    comparison: {
      compared: coverage?.compared ?? true,
      code: coverage?.code ?? [],
      read: coverage?.read ?? true,
    },
  };
  if (coverage?.reason) out.comparison.reason = coverage.reason;
  if (t.family && t.family.kind !== "known") out.familyExpression = t.family.text;
  if (t.status) out.status = t.status;
  return out;
}

export function buildReport(result: CheckResult): Report {
  const count = (s: Finding["severity"]) => result.findings.filter((f) => f.severity === s).length;
  const errors = count("error");
  return {
    version: REPORT_VERSION,
    tool: { name: "modelgate", version: readVersion().version },
    sources: result.sources,
    targets: result.targets.map((t) =>
      target(
        t,
        result.coverage.find((c) => c.target === t.id),
      ),
    ),
    variables: result.variables.map((v) => {
      const out: ReportVariable = {
        name: v.name,
        required: v.required ?? null,
        need: needOf(v) ?? null,
        secret: v.secret,
        readBy: v.reads.map((r) => ({
          ...r.location,
          via: r.via,
          need: r.need,
          optional: r.need !== "required",
        })),
        documentedIn: v.docs.map((d) => d.entry.location),
        providedBy: [...v.provided].flatMap(([id, list]) =>
          list.map((p) => {
            const entry: ReportVariable["providedBy"][number] = {
              target: id,
              kind: p.kind,
              location: p.location,
            };
            if (p.reference) entry.reference = p.reference;
            if (p.container) entry.container = p.container;
            return entry;
          }),
        ),
      };
      if (v.description) out.description = v.description;
      if (v.alternatives.length > 0) out.alternatives = v.alternatives;
      if (v.imageDefault) out.imageDefault = v.imageDefault;
      return out;
    }),
    findings: result.findings,
    summary: {
      errors,
      warnings: count("warning"),
      infos: count("info"),
      variables: result.variables.length,
      targets: result.targets.length,
      exitCode: errors > 0 ? 1 : 0,
    },
  };
}

export function at(l: Location): string {
  if (l.file) return l.line ? `${l.file}:${l.line}` : l.file;
  return [l.resource, l.container].filter(Boolean).join(" ") || "?";
}
