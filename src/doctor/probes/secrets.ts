/**
 * Step 5, secret references: does each `valueFrom` of the deployment resolve — the Secrets
 * Manager secret exists, holds the JSON key named, the SSM parameter exists — asked with doctor's
 * own AWS credentials. Values are read only to tell "present and not empty"; each is registered
 * with the masker the moment it arrives and never put in a result. The Hub token's value is
 * handed to step 4 (through `keep`) so the deployment's own token can be tested.
 */
import { isSecretLike } from "../../drift/secret-like.js";
import type { Masker } from "../mask.js";
import type { ProbeSpec } from "../run-probe.js";
import { skipped } from "../run-probe.js";
import type { AwsClients, Fetched } from "./aws.js";
import { fetchParameter, fetchSecret } from "./aws.js";
import type { SecretRef } from "./configuration.js";
import { parseValueFrom } from "./secret-refs.js";
import { judge, registerSecret } from "./secret-values.js";

export type { AwsClients, AwsClientSettings } from "./aws.js";
export { defaultAwsClients } from "./aws.js";

export interface RefResult extends SecretRef {
  /** yes: resolves to a non-empty value; no: it does not (reason says why); unknown: not asked. */
  resolves: "yes" | "no" | "unknown";
  reason: string;
  /** AWS could not be asked at all (no credentials, no answer): says nothing of this secret. */
  unasked?: boolean;
}

export interface SecretsData {
  refs: RefResult[];
  /** References not checked past the bound. */
  omitted: number;
}

/** At most this many distinct secrets and parameters are asked for. */
export const MAX_SECRETS = 25;

export function secretsProbe(opts: {
  refs: () => SecretRef[] | null;
  clients: AwsClients;
  region: string | undefined;
  timeoutMs: number;
  masker: Masker;
  /** Called with each resolved value of these variables (for step 4); never stored in a result. */
  keep: {
    variables: readonly string[];
    onValue(variable: string, value: string, origin: string): void;
  };
}): ProbeSpec<SecretsData> {
  return {
    id: "secret-refs",
    step: "secrets",
    title: "Resolve the deployment's secret references (valueFrom)",
    timeoutMs: opts.timeoutMs,
    async run(signal) {
      const refs = opts.refs();
      if (refs === null)
        return skipped("Not checked: the configuration sources were not read (step 3).");
      if (refs.length === 0)
        return {
          ...skipped("No secret reference (valueFrom) in the targets read."),
          data: { refs: [], omitted: 0 },
        };
      const fetches = new Map<string, Promise<Fetched>>();
      const results: RefResult[] = [];
      let omitted = 0;
      const pending: Promise<void>[] = [];
      for (const ref of refs) {
        const parsed = parseValueFrom(ref.reference);
        if (parsed.kind === "unknown") {
          results.push({ ...ref, resolves: "unknown", reason: parsed.reason });
          continue;
        }
        const key =
          parsed.kind === "secretsmanager"
            ? `sm\0${parsed.secretId}\0${parsed.versionStage}\0${parsed.versionId}`
            : `ssm\0${parsed.name}`;
        if (!fetches.has(key)) {
          if (fetches.size >= MAX_SECRETS) {
            omitted += 1;
            continue;
          }
          fetches.set(
            key,
            parsed.kind === "secretsmanager"
              ? fetchSecret(opts.clients, parsed, opts.region, signal)
              : fetchParameter(opts.clients, parsed, opts.region, signal),
          );
        }
        const slot: RefResult = { ...ref, resolves: "unknown", reason: "" };
        results.push(slot);
        pending.push(
          (fetches.get(key) as Promise<Fetched>).then((fetched) => {
            if (fetched.ok) registerSecret(opts.masker, ref.variable, fetched.value);
            const verdict = judge(parsed, fetched);
            if (
              verdict.value !== null &&
              (isSecretLike(ref.variable) || verdict.value.length >= 16)
            )
              opts.masker.add(verdict.value);
            slot.resolves = verdict.resolves;
            slot.reason = verdict.reason;
            if (!fetched.ok && fetched.global) {
              slot.resolves = "unknown";
              slot.unasked = true;
            }
            if (verdict.value !== null && opts.keep.variables.includes(ref.variable)) {
              opts.keep.onValue(
                ref.variable,
                verdict.value,
                `${ref.reference} (the secret ${ref.target} references for ${ref.variable})`,
              );
            }
          }),
        );
      }
      await Promise.all(pending);
      const bad = results.filter((r) => r.resolves === "no");
      const unknown = results.filter((r) => r.resolves === "unknown");
      const details = results.map(
        (r) =>
          `${r.resolves === "yes" ? "resolves" : r.resolves === "no" ? "DOES NOT RESOLVE" : "not asked"}: ${r.variable} in ${r.target} → ${r.reference}: ${r.reason}${r.at ? ` (${r.at})` : ""}`,
      );
      if (omitted > 0)
        details.push(
          `${omitted} more reference(s) not asked: at most ${MAX_SECRETS} distinct secrets are read per run`,
        );
      const unasked = results.filter((r) => r.unasked);
      const nothingAsked =
        unasked.length > 0 && bad.length === 0 && !results.some((r) => r.resolves === "yes");
      return {
        state: nothingAsked ? "failed" : bad.length > 0 ? "problem" : "ok",
        summary: nothingAsked
          ? `AWS could not be asked: ${unasked[0]?.reason}.`
          : bad.length > 0
            ? `${bad.length} of ${results.length} secret reference(s) do not resolve: ${bad.map((b) => `${b.variable} (${b.reason})`).join("; ")}.`
            : `${results.length - unknown.length} of ${results.length} secret reference(s) resolve${unknown.length > 0 ? `; ${unknown.length} could not be asked` : ""}. No value is shown.`,
        details,
        // One command a secret (not a reference): describe-secret shows it exists, never its value.
        commands: [
          ...new Set(
            results.map((r) => {
              const p = parseValueFrom(r.reference);
              return p.kind === "secretsmanager"
                ? `aws secretsmanager describe-secret --secret-id ${p.secretId}`
                : p.kind === "ssm"
                  ? `aws ssm describe-parameters --parameter-filters "Key=Name,Values=${p.name}"`
                  : `# ${r.reference}: ${p.reason}`;
            }),
          ),
        ].slice(0, 5),
        data: { refs: results, omitted },
      };
    },
  };
}
