/**
 * Step 5, secret references: does each `valueFrom` of the deployment resolve — the Secrets
 * Manager secret exists, holds the JSON key named, the SSM parameter exists — asked with doctor's
 * own AWS credentials. Values are read only to tell "present and not empty"; each is registered
 * with the masker the moment it arrives and never put in a result. The Hub token's value is
 * handed to step 4 (through `keep`) so the deployment's own token can be tested.
 */
import type {
  GetSecretValueCommandOutput,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import type { GetParameterCommandOutput, SSMClient } from "@aws-sdk/client-ssm";
import { isSecretLike } from "../../drift/secret-like.js";
import type { Masker } from "../mask.js";
import type { ProbeSpec } from "../run-probe.js";
import { skipped } from "../run-probe.js";
import type { SecretRef } from "./configuration.js";
import type { ParsedRef } from "./secret-refs.js";
import { parseValueFrom } from "./secret-refs.js";

export interface AwsClients {
  secretsManager(region: string | undefined): Promise<Pick<SecretsManagerClient, "send">>;
  ssm(region: string | undefined): Promise<Pick<SSMClient, "send">>;
  /** Loads the SDK ahead of use (it takes a while on a cold start). */
  warm?(): Promise<void>;
}

/** Where the clients go: by default AWS, by the SDK's own chain (AWS_ENDPOINT_URL_*, profiles). */
export interface AwsClientSettings {
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** The real clients, loaded on first use; one attempt each, bounded by the probe's timeout. */
export function defaultAwsClients(timeoutMs: number, settings: AwsClientSettings = {}): AwsClients {
  const common = (region: string | undefined) => ({
    ...(region ? { region } : {}),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    maxAttempts: 1,
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs },
  });
  return {
    async secretsManager(region) {
      const { SecretsManagerClient: Client } = await import("@aws-sdk/client-secrets-manager");
      return new Client(common(region));
    },
    async ssm(region) {
      const { SSMClient: Client } = await import("@aws-sdk/client-ssm");
      return new Client(common(region));
    },
    async warm() {
      await import("@aws-sdk/client-secrets-manager");
    },
  };
}

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

/** global: the failure is about asking AWS at all (no credentials, no answer), not this secret. */
type Fetched = { ok: true; value: string | null } | { ok: false; reason: string; global: boolean };

const GLOBAL_FAILURES = new Set(["CredentialsProviderError", "AbortError", "TimeoutError"]);

function failure(err: unknown, what: string): Fetched {
  const name = (err as { name?: string }).name ?? "";
  return { ok: false, reason: awsReason(err, what), global: GLOBAL_FAILURES.has(name) };
}

function awsReason(err: unknown, what: string): string {
  const e = err as { name?: string; message?: string };
  switch (e.name) {
    case "ResourceNotFoundException":
    case "ParameterNotFound":
      return `${what} does not exist (${e.name})`;
    case "AccessDeniedException":
      return `doctor's AWS identity may not read ${what} (${e.name}); the task's execution role is a different identity, and needs secretsmanager:GetSecretValue / ssm:GetParameters on it`;
    case "DecryptionFailure":
    case "InvalidKeyId":
      return `${what} cannot be decrypted with its KMS key (${e.name})`;
    case "ParameterVersionNotFound":
      return `${what} has no such version (${e.name})`;
    case "CredentialsProviderError":
      return `no AWS credentials where doctor runs (${e.message ?? e.name}): set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY`;
    case "AbortError":
    case "TimeoutError":
      return `AWS did not answer in time (${e.name})`;
    default:
      return `${e.name ?? "Error"}: ${e.message ?? String(err)}`;
  }
}

async function fetchSecret(
  clients: AwsClients,
  ref: Extract<ParsedRef, { kind: "secretsmanager" }>,
  region: string | undefined,
  signal: AbortSignal,
): Promise<Fetched> {
  const { GetSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
  try {
    const client = await clients.secretsManager(ref.region ?? region);
    const out: GetSecretValueCommandOutput = await client.send(
      new GetSecretValueCommand({
        SecretId: ref.secretId,
        ...(ref.versionStage ? { VersionStage: ref.versionStage } : {}),
        ...(ref.versionId ? { VersionId: ref.versionId } : {}),
      }),
      { abortSignal: signal },
    );
    if (out.SecretString !== undefined) return { ok: true, value: out.SecretString };
    return { ok: true, value: out.SecretBinary && out.SecretBinary.length > 0 ? "(binary)" : null };
  } catch (err) {
    return failure(err, `the secret ${ref.secretId}`);
  }
}

async function fetchParameter(
  clients: AwsClients,
  ref: Extract<ParsedRef, { kind: "ssm" }>,
  region: string | undefined,
  signal: AbortSignal,
): Promise<Fetched> {
  const { GetParameterCommand } = await import("@aws-sdk/client-ssm");
  try {
    const client = await clients.ssm(ref.region ?? region);
    const out: GetParameterCommandOutput = await client.send(
      new GetParameterCommand({ Name: ref.name, WithDecryption: true }),
      { abortSignal: signal },
    );
    return { ok: true, value: out.Parameter?.Value ?? null };
  } catch (err) {
    return failure(err, `the SSM parameter ${ref.name}`);
  }
}

/** Whether the fetched value gives the variable something (the JSON key, when one is named). */
function judge(
  ref: Extract<ParsedRef, { kind: "secretsmanager" | "ssm" }>,
  fetched: Fetched,
): { resolves: "yes" | "no"; reason: string; value: string | null } {
  if (!fetched.ok) return { resolves: "no", reason: fetched.reason, value: null };
  if (fetched.value === null || fetched.value === "")
    return { resolves: "no", reason: "it exists but holds an empty value", value: null };
  if (ref.kind === "secretsmanager" && ref.jsonKey) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fetched.value);
    } catch {
      return {
        resolves: "no",
        reason: `the secret is not JSON, so it has no key "${ref.jsonKey}"`,
        value: null,
      };
    }
    const field =
      parsed && typeof parsed === "object"
        ? (parsed as Record<string, unknown>)[ref.jsonKey]
        : undefined;
    if (field === undefined) {
      const keys =
        parsed && typeof parsed === "object" ? Object.keys(parsed).slice(0, 10).join(", ") : "";
      return {
        resolves: "no",
        reason: `the secret has no JSON key "${ref.jsonKey}" (its keys: ${keys || "none"})`,
        value: null,
      };
    }
    const text = typeof field === "string" ? field : JSON.stringify(field);
    if (text === "")
      return { resolves: "no", reason: `the JSON key "${ref.jsonKey}" is empty`, value: null };
    return {
      resolves: "yes",
      reason: `the secret exists and its JSON key "${ref.jsonKey}" is set`,
      value: text,
    };
  }
  return {
    resolves: "yes",
    reason:
      ref.kind === "ssm"
        ? "the parameter exists and is not empty"
        : "the secret exists and is not empty",
    value: fetched.value,
  };
}

/**
 * Registers what a secret holds with the masker. doctor never prints a value; this is the second
 * line of defence (a library's error quoting one). A JSON secret's fields are registered when
 * their key or the variable looks secret (password, token…) or they are long: masking a short
 * companion such as a database name would blank out every mention of the project's name.
 */
function registerSecret(masker: Masker, variable: string, value: string | null): void {
  if (value === null) return;
  let parsed: unknown;
  try {
    parsed = value.trim().startsWith("{") ? JSON.parse(value) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== "object") {
    if (isSecretLike(variable) || value.length >= 16) masker.add(value);
    return;
  }
  masker.add(value);
  for (const [key, field] of Object.entries(parsed)) {
    if (typeof field !== "string") continue;
    if (isSecretLike(key) || field.length >= 16) masker.add(field);
  }
}

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
