/** What every root cause is written with: the variable in question, confidence, how to verify. */
import type { VariableConfig } from "../probes/configuration.js";
import type { Confidence, Hypothesis } from "../types.js";
import type { Evidence, Facts } from "./facts.js";

export function variableOf(
  e: Evidence,
  f: Facts,
): { name: string; config: VariableConfig | undefined } | null {
  const name = f.needed[0]?.variable ?? e.config?.data?.variables[0]?.name;
  if (!name) return null;
  return { name, config: e.config?.data?.variables.find((v) => v.name === name) };
}

export function confidenceOf(
  agreeing: string[],
  missing: string[],
): { confidence: Confidence; reason: string } {
  const n = agreeing.length;
  const confidence: Confidence = n >= 3 ? "high" : n === 2 ? "medium" : "low";
  const parts = [`${n} independent observation${n === 1 ? "" : "s"} agree: ${agreeing.join("; ")}`];
  if (missing.length > 0) parts.push(`not observed: ${missing.join("; ")}`);
  return { confidence, reason: `${parts.join(". ")}.` };
}

/** The step an evidence line comes from, by the prefix every line carries ("predict: …"). */
const VIEW_OF: [RegExp, string][] = [
  [/^[^:]*\bpredict\b[^:]*:/, "the symptom (predict's answer)"],
  [/^[^:]*(\/ready|model health|\/metrics)[^:]*:/, "the service's own account"],
  [/^config check/, "the configuration sources (config check)"],
  [/^Secrets/, "the secret store"],
  [/^Hub/, "the Hugging Face Hub"],
  [/^MLflow/, "the MLflow tracking server"],
  [/^(Redis|PostgreSQL):/, "a connection from doctor's host"],
];

/** The independent views that support a confirmed hypothesis, and the steps that did not run. */
export function independentViews(hyp: Hypothesis, e: Evidence): [string[], string[]] {
  const views = new Set<string>();
  for (const line of hyp.evidence) {
    for (const [re, view] of VIEW_OF) if (re.test(line)) views.add(view);
  }
  if (views.size === 0) views.add(hyp.conclusion);
  const missing: string[] = [];
  if (e.config?.state === "skipped" || e.config?.state === "failed")
    missing.push("the configuration sources (step 3 did not run)");
  return [[...views], missing];
}

export const VERIFY = (e: Evidence, f: Facts, name?: string): string[] => {
  const m = f.model ?? "ID";
  const url = e.url ?? "$MODELGATE_URL";
  return [
    `\`modelgate smoke --url ${url} --models ${m}\` (the key in MODELGATE_API_KEY) exits 0: predict answers 200.`,
    `\`modelgate doctor --url ${url} --model ${m} …\` with the same sources finds nothing wrong (exit 0).`,
    ...(name
      ? [
          `/metrics shows \`modelgate_config_requirement_unmet{model="${m}",variable="${name}"} 0\` and /ready answers 200.`,
        ]
      : []),
  ];
};
