/**
 * Asking AWS for one secret or parameter: the SDK v3 clients (loaded on first use, one attempt,
 * bounded), and every failure as a clause that says whose problem it is. A value fetched here is
 * handed straight to the caller, which registers it with the masker; it is never logged.
 */
import type {
  GetSecretValueCommandOutput,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import type { GetParameterCommandOutput, SSMClient } from "@aws-sdk/client-ssm";
import type { ParsedRef } from "./secret-refs.js";

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

/** global: the failure is about asking AWS at all (no credentials, no answer), not this secret. */
export type Fetched =
  { ok: true; value: string | null } | { ok: false; reason: string; global: boolean };

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

export async function fetchSecret(
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

export async function fetchParameter(
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
