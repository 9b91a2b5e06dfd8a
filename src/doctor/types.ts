/**
 * The shapes of an investigation: what each probe found (evidence), what each hypothesis
 * concluded from it, and the verdict. Everything here is already masked: no secret value is
 * ever put in these objects (see ./mask.ts).
 */

/**
 * ok: the probe ran and found nothing wrong; problem: it ran and found something wrong;
 * skipped: it could not run (an input was not given), and says which; failed: it tried and
 * could not finish (a timeout, an error), and says why. Neither of the last two stops the others.
 */
export type ProbeState = "ok" | "problem" | "skipped" | "failed";

/** The investigation's steps, in the order a person would take them (the seeds' order). */
export type Step =
  "symptom" | "service" | "configuration" | "credentials" | "secrets" | "dependencies";

export interface ProbeOutcome<T = unknown> {
  /** Stable id: `symptom`, `ready`, `model-health`, `metrics`, `config`, `hub-token`, … */
  id: string;
  step: Step;
  /** What was done, as a heading: "Call model 21's predict". */
  title: string;
  state: ProbeState;
  /** One sentence: what was found, or why it could not run. */
  summary: string;
  /** Evidence lines (a status, a body, a file and line), masked. */
  details: string[];
  /** The command a person would run to see the same thing (`curl …`, `aws …`), masked. */
  commands: string[];
  /** Wall time the probe took, in milliseconds. */
  ms: number;
  /** The bound it ran under, in milliseconds. */
  timeoutMs: number;
  /** Structured findings for the reasoning; absent when the probe did not finish. */
  data?: T;
}

export type HypothesisStatus = "confirmed" | "ruled-out" | "inconclusive" | "not-tested";

export interface Hypothesis {
  id: string;
  /** The statement tested: "HUGGINGFACE_API_KEY is declared in the Terraform but …". */
  statement: string;
  /** Why a person would suspect it, given the symptom. */
  rationale: string;
  /** What was checked to test it. */
  test: string;
  status: HypothesisStatus;
  /** Why it was confirmed, ruled out, or could not be told. */
  conclusion: string;
  /** Evidence lines, each naming the probe it came from. */
  evidence: string[];
  /** Probe ids the evidence came from. */
  probes: string[];
}

export type Confidence = "high" | "medium" | "low";

export interface RootCause {
  hypothesis: string;
  /** One line: "HUGGINGFACE_API_KEY is declared in the Terraform but missing from …". */
  title: string;
  /** A paragraph: how the symptom follows from the cause. */
  explanation: string;
  confidence: Confidence;
  /** Why that confidence: which independent observations agree, which could not be made. */
  confidenceReason: string;
  /** The evidence, each line with ✅ (supports) or ❌ (the missing thing) in the report. */
  evidence: { ok: boolean; text: string; code?: string }[];
  /** The fix in one sentence, for summaries. */
  fixSummary: string;
  /** What to do, in order; each step may carry a command. */
  fix: { text: string; command?: string }[];
  /** How to tell it worked. */
  verify: string[];
  /** What would keep it from happening again. */
  prevention: string[];
}

/** Where doctor ran from: dependencies are reached over this host's network path. */
export interface RunHost {
  hostname: string;
  /** Non-internal IPv4/IPv6 addresses of this host (at most a few). */
  addresses: string[];
}

export interface DoctorResult {
  tool: { name: "modelgate"; version: string };
  startedAt: string;
  /** Total wall time, in milliseconds. */
  ms: number;
  host: RunHost;
  /** The service investigated (masked), null without --url. */
  url: string | null;
  model: string | null;
  /** The symptom in one line, for titles: "model 21's predict answers 503 source_credentials_missing". */
  symptom: string;
  probes: ProbeOutcome[];
  hypotheses: Hypothesis[];
  rootCause: RootCause | null;
  /** Other problems found, each with its own fix (the seeds' Redis security-group rule). */
  alsoFound: RootCause[];
  /** 0 nothing wrong found, 1 a root cause found. */
  exitCode: 0 | 1;
}
