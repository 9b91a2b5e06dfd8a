/**
 * From the hypotheses to a verdict: the most specific confirmed explanation of the symptom is the
 * root cause; confirmed problems independent of it are reported beside it, each with its fix.
 * Confidence counts the independent observations that agree, and says which could not be made.
 */
import type { Hypothesis, RootCause } from "../types.js";
import { base, genericCause } from "./causes.js";
import type { Evidence, Facts } from "./facts.js";
import { notAppliedCause } from "./not-applied.js";

/** Most specific first: a deeper cause explains the shallower ones it implies. */
const CAUSE_ORDER = [
  "not-applied",
  // A reference that does not resolve keeps new tasks from starting: the old ones run on.
  "secret-unresolved",
  "not-redeployed",
  "never-deployed",
  "token-rejected",
  "repo-unreadable",
  "mlflow-model",
  "source-unreachable",
  "model-broken",
  "service-lacks-variable",
  "postgres",
  "redis",
  "other-secrets",
];

/** Hypotheses a root cause accounts for: not reported again beside it. */
const EXPLAINS: Record<string, string[]> = {
  "not-applied": ["service-lacks-variable", "never-deployed", "not-redeployed"],
  "not-redeployed": ["service-lacks-variable"],
  "never-deployed": ["service-lacks-variable"],
  "secret-unresolved": ["service-lacks-variable", "not-redeployed"],
};

const rank = (x: Hypothesis) => {
  const i = CAUSE_ORDER.indexOf(base(x.id));
  return i === -1 ? CAUSE_ORDER.length : i;
};

export interface Verdict {
  rootCause: RootCause | null;
  alsoFound: RootCause[];
}

function causeFor(e: Evidence, f: Facts, hyp: Hypothesis): RootCause {
  return base(hyp.id) === "not-applied" ? notAppliedCause(e, f, hyp) : genericCause(e, f, hyp);
}

export function decide(e: Evidence, f: Facts, hypotheses: Hypothesis[]): Verdict {
  const confirmed = hypotheses
    .filter((x) => x.status === "confirmed")
    .sort((a, b) => rank(a) - rank(b));
  const first = confirmed[0];
  if (!first) return { rootCause: null, alsoFound: [] };
  const explained = new Set(EXPLAINS[base(first.id)] ?? []);
  const rest = confirmed.slice(1).filter((x) => !explained.has(base(x.id)));
  return { rootCause: causeFor(e, f, first), alsoFound: rest.map((x) => causeFor(e, f, x)) };
}
