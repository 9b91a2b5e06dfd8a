/**
 * Step 5 with in-memory AWS clients (the HTTP path runs in test/doctor.test.ts against a fake
 * endpoint): every way a valueFrom fails to resolve is named, AWS that cannot be asked is "could
 * not finish" rather than a finding, and no value ever reaches a result.
 */
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { SSMClient } from "@aws-sdk/client-ssm";
import { describe, expect, it } from "vitest";
import { Masker } from "../mask.js";
import { runProbe } from "../run-probe.js";
import type { SecretRef } from "./configuration.js";
import { parseValueFrom } from "./secret-refs.js";
import type { AwsClients, SecretsData } from "./secrets.js";
import { secretsProbe } from "./secrets.js";

const ARN = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf";
const TOKEN_ARN = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/hf-token-XyZ123";
const TOKEN = "hf_abcdefghijklmnopqrstuvwxyz0123";

class AwsError extends Error {
  constructor(name: string) {
    super(`${name} (fake)`);
    this.name = name;
  }
}

function clients(world: {
  secrets?: Record<string, string>;
  parameters?: Record<string, string>;
  fail?: string;
}): AwsClients & { asked: string[] } {
  const asked: string[] = [];
  const send = async (cmd: { input: { SecretId?: string; Name?: string } }) => {
    if (world.fail) throw new AwsError(world.fail);
    if (cmd.input.SecretId !== undefined) {
      asked.push(cmd.input.SecretId);
      const value = world.secrets?.[cmd.input.SecretId];
      if (value === undefined) throw new AwsError("ResourceNotFoundException");
      return { SecretString: value };
    }
    asked.push(cmd.input.Name ?? "");
    const value = world.parameters?.[cmd.input.Name ?? ""];
    if (value === undefined) throw new AwsError("ParameterNotFound");
    return { Parameter: { Value: value } };
  };
  return {
    asked,
    secretsManager: async () => ({ send }) as unknown as Pick<SecretsManagerClient, "send">,
    ssm: async () => ({ send }) as unknown as Pick<SSMClient, "send">,
  };
}

const ref = (variable: string, reference: string): SecretRef => ({
  variable,
  target: "hokusai-api-development:150",
  reference,
  at: "td.json:1",
});

async function probe(refs: SecretRef[], aws: AwsClients, masker = new Masker()) {
  const kept: { variable: string; value: string }[] = [];
  const out = await runProbe<SecretsData>(
    secretsProbe({
      refs: () => refs,
      clients: aws,
      region: undefined,
      timeoutMs: 30_000,
      masker,
      keep: {
        variables: ["HUGGINGFACE_API_KEY"],
        onValue: (variable, value) => kept.push({ variable, value }),
      },
    }),
    masker,
  );
  return { out, kept };
}

describe("parseValueFrom", () => {
  it("reads Secrets Manager ARNs with a JSON key, SSM ARNs and names, and refuses expressions", () => {
    expect(parseValueFrom(`${ARN}:password::`)).toEqual({
      kind: "secretsmanager",
      secretId: ARN,
      region: "us-east-1",
      jsonKey: "password",
      versionStage: null,
      versionId: null,
    });
    expect(parseValueFrom(`${ARN}:password:AWSPREVIOUS:`)).toMatchObject({
      versionStage: "AWSPREVIOUS",
    });
    expect(parseValueFrom("arn:aws:ssm:eu-west-1:111122223333:parameter/prod/api/token")).toEqual({
      kind: "ssm",
      name: "arn:aws:ssm:eu-west-1:111122223333:parameter/prod/api/token",
      region: "eu-west-1",
    });
    expect(parseValueFrom("/prod/api/token")).toEqual({
      kind: "ssm",
      name: "/prod/api/token",
      region: null,
    });
    expect(parseValueFrom("${local.prefix}/db:password::")).toMatchObject({ kind: "unknown" });
    expect(parseValueFrom("arn:aws:s3:::bucket/key")).toMatchObject({ kind: "unknown" });
  });
});

describe("secretsProbe", () => {
  it("resolves what exists, names what does not, and hands the token on without showing it", async () => {
    const aws = clients({
      secrets: {
        [ARN]: JSON.stringify({ host: "db.internal", password: "pa55-word-never-shown" }),
        [TOKEN_ARN]: TOKEN,
      },
      parameters: { "/prod/flag": "on" },
    });
    const { out, kept } = await probe(
      [
        ref("DATABASE_HOST", `${ARN}:host::`),
        ref("DATABASE_PASSWORD", `${ARN}:password::`),
        ref("DATABASE_NAME", `${ARN}:dbname::`),
        ref("HUGGINGFACE_API_KEY", TOKEN_ARN),
        ref("FEATURE_FLAG", "/prod/flag"),
        ref("OLD_SECRET", "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/gone-Q1w2E3"),
        ref("LATER", "${aws_secretsmanager_secret.x.arn}"),
      ],
      aws,
    );
    expect(out.state).toBe("problem");
    const by = Object.fromEntries(
      (out.data?.refs ?? []).map((r) => [r.variable, [r.resolves, r.reason]]),
    );
    expect(by).toEqual({
      DATABASE_HOST: ["yes", 'the secret exists and its JSON key "host" is set'],
      DATABASE_PASSWORD: ["yes", 'the secret exists and its JSON key "password" is set'],
      DATABASE_NAME: ["no", 'the secret has no JSON key "dbname" (its keys: host, password)'],
      HUGGINGFACE_API_KEY: ["yes", "the secret exists and is not empty"],
      FEATURE_FLAG: ["yes", "the parameter exists and is not empty"],
      OLD_SECRET: [
        "no",
        "the secret arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/gone-Q1w2E3 does not exist (ResourceNotFoundException)",
      ],
      LATER: [
        "unknown",
        "the reference is not known until Terraform applies it (it holds an expression)",
      ],
    });
    // One GetSecretValue per secret, however many keys are read from it.
    expect(aws.asked.filter((id) => id === ARN)).toHaveLength(1);
    expect(kept).toEqual([{ variable: "HUGGINGFACE_API_KEY", value: TOKEN }]);
    const shown = JSON.stringify(out);
    for (const value of [TOKEN, "pa55-word-never-shown"]) expect(shown).not.toContain(value);
    expect(out.summary).toContain("2 of 7 secret reference(s) do not resolve");
  });

  it("says AWS could not be asked, without calling a secret missing", async () => {
    const { out } = await probe(
      [ref("DATABASE_PASSWORD", `${ARN}:password::`)],
      clients({ fail: "CredentialsProviderError" }),
    );
    expect(out.state).toBe("failed");
    expect(out.summary).toMatch(/^AWS could not be asked: no AWS credentials where doctor runs/);
    expect(out.data?.refs[0]).toMatchObject({ resolves: "unknown", unasked: true });
  });

  it("names an identity that may not read the secret", async () => {
    const { out } = await probe(
      [ref("DATABASE_PASSWORD", `${ARN}:password::`)],
      clients({ fail: "AccessDeniedException" }),
    );
    expect(out.state).toBe("problem");
    expect(out.data?.refs[0]?.reason).toMatch(
      /doctor's AWS identity may not read .*execution role is a different identity/,
    );
  });

  it("skips when there is nothing to resolve, and says why", async () => {
    const { out } = await probe([], clients({}));
    expect(out.state).toBe("skipped");
    expect(out.summary).toBe("No secret reference (valueFrom) in the targets read.");
  });
});
