/** What every hypothesis is built from: its shape, and the evidence lines shared between them. */
import type { VariablePresence } from "../probes/configuration.js";
import type { Hypothesis, HypothesisStatus, ProbeOutcome } from "../types.js";
import type { Facts } from "./facts.js";

export type H = Hypothesis;

export function h(
  id: string,
  statement: string,
  rationale: string,
  test: string,
  status: HypothesisStatus,
  conclusion: string,
  evidence: string[],
  probes: string[],
): H {
  return { id, statement, rationale, test, status, conclusion, evidence, probes };
}

/** Why a probe gives no evidence: its own sentence. */
export function notRun(p: ProbeOutcome | undefined, what: string): string {
  if (!p) return `${what} did not run.`;
  const reason = p.summary
    .replace(/^(Not checked|Not tested|Could not run): /, "")
    .replace(/\.$/, "");
  return `${what} ${p.state === "failed" ? "could not finish" : "did not run"}: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}.`;
}

export const ran = (p: ProbeOutcome | undefined) =>
  p !== undefined && (p.state === "ok" || p.state === "problem");

export function describe(p: VariablePresence): string {
  return p.at ? `${p.target.label} at ${p.at}` : p.target.label;
}

/** What the service said about the variable, one line a source ("predict: 503 …"). */
export function serviceSaid(f: Facts, variable: string): string[] {
  const said = f.needed.find((n) => n.variable === variable)?.said ?? [];
  return said.map((s) => `${s.by}: ${s.text}`);
}

/** The same, in one line, where it only backs another hypothesis. */
export function serviceSaidBriefly(f: Facts, variable: string): string[] {
  const by = f.needed.find((n) => n.variable === variable)?.saidBy ?? [];
  if (by.length === 0) return [];
  const how = f.serviceHas(variable) === "rejected" ? "set but refused" : "not set";
  return [`${by.join(", ")}: the service says ${variable} is ${how} for model ${f.model}`];
}
