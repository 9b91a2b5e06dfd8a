/**
 * How an ECS `valueFrom` names a value: a Secrets Manager secret (optionally one JSON key of it,
 * at a version stage or id), or an SSM parameter. Parsing only: nothing here talks to AWS.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html
 */

export type ParsedRef =
  | {
      kind: "secretsmanager";
      /** The secret's ARN without the key/stage/id suffix: what GetSecretValue takes. */
      secretId: string;
      region: string | null;
      jsonKey: string | null;
      versionStage: string | null;
      versionId: string | null;
    }
  | { kind: "ssm"; name: string; region: string | null }
  | { kind: "unknown"; reason: string };

const SM_ARN =
  /^arn:aws[\w-]*:secretsmanager:([a-z0-9-]*):(\d*):secret:([^:]+)(?::([^:]*):([^:]*):([^:]*))?$/;
const SSM_ARN = /^arn:aws[\w-]*:ssm:([a-z0-9-]*):(\d*):parameter(\/.+)$/;
const SSM_NAME = /^\/?[\w.\-/]+$/;

export function parseValueFrom(reference: string): ParsedRef {
  const ref = reference.trim();
  if (/\$\{|<|\s/.test(ref)) {
    return {
      kind: "unknown",
      reason: "the reference is not known until Terraform applies it (it holds an expression)",
    };
  }
  const sm = SM_ARN.exec(ref);
  if (sm) {
    const [, region, account, name, key, stage, id] = sm;
    return {
      kind: "secretsmanager",
      secretId: `arn:aws:secretsmanager:${region}:${account}:secret:${name}`,
      region: region || null,
      jsonKey: key || null,
      versionStage: stage || null,
      versionId: id || null,
    };
  }
  const ssm = SSM_ARN.exec(ref);
  if (ssm) return { kind: "ssm", name: ref, region: ssm[1] || null };
  if (ref.startsWith("arn:")) {
    return { kind: "unknown", reason: "not a Secrets Manager secret or SSM parameter ARN" };
  }
  if (SSM_NAME.test(ref)) return { kind: "ssm", name: ref, region: null };
  return {
    kind: "unknown",
    reason: "not a Secrets Manager ARN, an SSM parameter ARN or an SSM parameter name",
  };
}
