/**
 * Step 3, configuration: for each variable the model needs, where it is — documented in
 * .env.example, declared in the Terraform, present in the deployed task definition, the live ECS
 * service, a manifest or a compose file. This is `config check`'s engine (src/drift) run on the
 * sources given, read for the variables in question; its findings (not-applied,
 * missing-in-deploy) are quoted as they are.
 */
import type { CheckResult } from "../../drift/check.js";
import type { Target } from "../../drift/model.js";
import type { ProbeSpec } from "../run-probe.js";
import { skipped } from "../run-probe.js";

/**
 * Runs config check's engine on the sources the command was given (composed by the CLI); null
 * when there is nothing to check (no source flag, no policy file listing sources).
 */
export type RunCheck = () => Promise<CheckResult | null>;

export interface TargetRef {
  id: string;
  label: string;
  kind: Target["kind"];
  role: Target["role"];
  family: string | null;
  revision: number | null;
  file: string | null;
}

export interface VariablePresence {
  target: TargetRef;
  provided: boolean;
  /** How: value, secret, configmap, env-file, host. */
  kinds: string[];
  /** Secret references (an ARN, an SSM parameter): names of where a value lives, never values. */
  references: string[];
  /** file:line of the provision, or of the target when it is missing. */
  at: string | null;
}

export interface VariableConfig {
  name: string;
  /** Alternatives that satisfy it too (HF_TOKEN, HUGGINGFACE_API_KEY_FILE). */
  alternatives: string[];
  documented: string[];
  presence: VariablePresence[];
  findings: { kind: string; severity: string; message: string }[];
}

export interface SecretRef {
  variable: string;
  target: string;
  reference: string;
  at: string | null;
}

export interface ConfigData {
  variables: VariableConfig[];
  /** Error findings about other variables (at most 10). */
  otherErrors: { variable: string | null; kind: string; message: string }[];
  targets: TargetRef[];
  sources: string[];
  /** Every secret reference of every target, for step 5. */
  secretRefs: SecretRef[];
}

const where = (loc: { file?: string; line?: number } | undefined): string | null =>
  loc?.file ? `${loc.file}${loc.line ? `:${loc.line}` : ""}` : null;

function targetRef(t: Target): TargetRef {
  return {
    id: t.id,
    label: t.label,
    kind: t.kind,
    role: t.role,
    family: t.family?.kind === "known" ? t.family.name : null,
    revision: t.revision ?? null,
    file: t.location.file ?? t.location.resource ?? null,
  };
}

export function describeVariable(result: CheckResult, name: string): VariableConfig {
  const info = result.variables.find((v) => v.name === name);
  const presence: VariablePresence[] = result.targets.map((t) => {
    const provisions = info?.provided.get(t.id) ?? [];
    return {
      target: targetRef(t),
      provided: provisions.length > 0,
      kinds: [...new Set(provisions.map((p) => p.kind))],
      references: provisions.flatMap((p) =>
        p.kind === "secret" && p.reference ? [p.reference] : [],
      ),
      at: where(provisions[0]?.location ?? t.location),
    };
  });
  return {
    name,
    alternatives: info?.alternatives ?? [],
    documented: (info?.docs ?? []).map(
      (d) =>
        `${where(d.entry.location) ?? d.file}${d.entry.commentedOut ? " (commented out)" : ""}`,
    ),
    presence,
    findings: result.findings
      .filter((f) => f.variable === name && f.severity !== "info")
      .map((f) => ({ kind: f.kind, severity: f.severity, message: f.message })),
  };
}

function secretRefs(result: CheckResult): SecretRef[] {
  const refs: SecretRef[] = [];
  for (const t of result.targets) {
    for (const [variable, provisions] of t.provisions) {
      for (const p of provisions) {
        if (p.kind === "secret" && p.reference) {
          refs.push({ variable, target: t.label, reference: p.reference, at: where(p.location) });
        }
      }
    }
  }
  return refs;
}

/** "V is declared in X (Terraform) but missing from the deployed Y (finding not-applied)." */
function findingSentences(v: VariableConfig): string[] {
  return v.findings
    .filter((f) => f.severity === "error")
    .map((f) => {
      const declared = v.presence.filter((p) => p.target.role === "declared" && p.provided);
      const missing = v.presence.filter((p) => !p.provided && p.target.role !== "declared");
      if (f.kind === "not-applied" && declared[0] && missing[0])
        return `${v.name} is declared in ${declared[0].target.label} (Terraform) but missing from the deployed ${missing.map((p) => p.target.label).join(", ")} (finding not-applied).`;
      return `${v.name}: ${f.kind}.`;
    })
    .filter((line, i, all) => all.indexOf(line) === i);
}

function presenceLine(v: VariableConfig, p: VariablePresence): string {
  const role =
    p.target.role === "declared"
      ? "declared in"
      : p.target.role === "deployed"
        ? "deployed"
        : "manifest";
  const name = `${p.target.label} [${p.target.kind}, ${role}]`;
  if (!p.provided) return `MISSING ${v.name} in ${name} (${p.at ?? "?"})`;
  const how =
    p.references.length > 0 ? `secret from ${p.references.join(", ")}` : p.kinds.join(", ");
  return `present ${v.name} in ${name}: ${how} (${p.at ?? "?"})`;
}

/**
 * @param checking config check's engine, started when doctor started (it reads files only, and
 *   needs nothing from the service); the variables in question are read when it is described.
 */
export function configurationProbe(
  checking: ReturnType<RunCheck> | null,
  variables: () => string[],
  timeoutMs: number,
  /** The equivalent `modelgate config check …` line, shown in the report. */
  commandLine?: string,
): ProbeSpec<ConfigData> {
  return {
    id: "config",
    step: "configuration",
    title: "Compare the configuration sources (config check's engine)",
    timeoutMs,
    async run() {
      const result = checking ? await checking : null;
      if (!result)
        return skipped(
          "No configuration source given (--terraform, --task-definition, --ecs-service, --k8s, --compose, --env-example), and no policy file lists any: where the variables are set was not checked.",
        );
      const asked = variables();
      // Without the service's account, the variables in question are those the check flags.
      const names =
        asked.length > 0
          ? asked
          : [
              ...new Set(
                result.findings
                  .filter((f) => f.severity === "error" && f.variable)
                  .map((f) => f.variable as string),
              ),
            ];
      const described = names.map((n) => describeVariable(result, n));
      const otherErrors = result.findings
        .filter((f) => f.severity === "error" && !names.includes(f.variable ?? ""))
        .slice(0, 10)
        .map((f) => ({ variable: f.variable, kind: f.kind, message: f.message }));
      const data: ConfigData = {
        variables: described,
        otherErrors,
        targets: result.targets.map(targetRef),
        sources: result.sources
          .filter((s) => s.kind !== "policy")
          .map((s) => `${s.kind} ${s.path}: ${s.detail}`),
        secretRefs: secretRefs(result),
      };
      const details = [
        ...data.sources.map((s) => `source ${s}`),
        ...described.flatMap((v) => [
          v.documented.length > 0
            ? `documented ${v.name} in ${v.documented.join(", ")}`
            : `${v.name} is documented in no .env.example given`,
          ...v.presence.map((p) => presenceLine(v, p)),
          ...v.findings.map((f) => `${f.severity} ${f.kind}: ${f.message}`),
        ]),
        ...otherErrors.map(
          (f) => `also: error ${f.kind}${f.variable ? ` ${f.variable}` : ""}: ${f.message}`,
        ),
      ];
      const bad = described.some((v) => v.findings.some((f) => f.severity === "error"));
      const missingSomewhere = described.filter((v) =>
        v.presence.some((p) => !p.provided && p.target.role !== "declared"),
      );
      const others =
        otherErrors.length > 0 ? ` ${otherErrors.length} other error finding(s) (below).` : "";
      return {
        state: bad || otherErrors.length > 0 ? "problem" : "ok",
        summary:
          data.targets.length === 0
            ? "No deployment target was found in the sources given."
            : bad
              ? `${described.flatMap((v) => findingSentences(v)).join(" ")}${others}`
              : missingSomewhere.length > 0
                ? `${missingSomewhere.map((v) => v.name).join(", ")} absent from some targets, without an error finding.${others}`
                : names.length > 0
                  ? `${names.join(", ")} provided by every target compared (${data.targets.length}).${others}`
                  : `${data.targets.length} target(s) compared: no error finding.`,
        details,
        commands: commandLine ? [commandLine] : [],
        data,
      };
    },
  };
}
