/**
 * The mlflow-model probe against the fake tracking server, authentication on and off: what a
 * person reads for a readable model, a missing or rejected credential, a missing alias, a server
 * that is down, and a source that is not MLflow's. No credential ever appears in what it returns,
 * even before masking.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeMlflow } from "../../../test/support/fake-mlflow.js";
import { startFakeMlflow } from "../../../test/support/fake-mlflow.js";
import { irisFiles } from "../../sources/mlflow/test-support/models.js";
import { selfSignedCertificate, startTlsFront } from "../../sources/mlflow/test-support/tls.js";
import type { MlflowSettings } from "../../sources/types.js";
import { Masker } from "../mask.js";
import { runProbe } from "../run-probe.js";
import type { ProbeOutcome } from "../types.js";
import type { MlflowModelResult } from "./mlflow.js";
import { mlflowModelProbe } from "./mlflow.js";

let mlflow: FakeMlflow;
const NAME = "churn";

beforeAll(async () => {
  mlflow = await startFakeMlflow();
  mlflow.register(NAME, irisFiles());
  mlflow.register(NAME, irisFiles());
  mlflow.setAlias(NAME, "production", 2);
});
afterAll(() => mlflow.close());
beforeEach(async () => {
  mlflow.auth = false;
  await mlflow.up().catch(() => undefined);
});

/** Runs the probe with a masker that knows no secret: the probe itself must leave them out. */
async function probe(
  source: string | null,
  settings: Partial<MlflowSettings> | null = {},
): Promise<ProbeOutcome<MlflowModelResult>> {
  const all = settings === null ? undefined : { trackingUri: mlflow.url, ...settings };
  const spec = mlflowModelProbe(all, () => ({ id: "27", source }), 3_000);
  const outcome = await runProbe(spec, new Masker());
  const text = JSON.stringify(outcome);
  for (const secret of [
    mlflow.tokens.read,
    mlflow.tokens.noPermission,
    mlflow.basic.password,
    "wrong-token-0123456789",
  ]) {
    expect(text).not.toContain(secret);
  }
  return outcome;
}

describe("a tracking server without authentication", () => {
  it("an alias: ok, with the version it names and the command to ask the same", async () => {
    const out = await probe(`models:/${NAME}@production`);
    expect(out).toMatchObject({ id: "mlflow-model", step: "credentials", state: "ok" });
    expect(out.summary).toBe(
      `Registered model ${NAME} is readable without credentials (doctor's environment has none) at ${mlflow.url}: alias production names version 2.`,
    );
    expect(out.data).toMatchObject({
      source: `models:/${NAME}@production`,
      name: NAME,
      alias: "production",
      version: "2",
      ok: true,
      credential: null,
    });
    expect(out.commands).toEqual([
      `curl -sS \\\n  "$MLFLOW_TRACKING_URI/api/2.0/mlflow/registered-models/alias?name=${NAME}&alias=production"`,
    ]);
  });

  it("latest and a version number: resolved, each with its own request", async () => {
    const latest = await probe(`mlflow://${NAME}/latest`);
    expect(latest.data).toMatchObject({ ok: true, version: "2", alias: null });
    expect(latest.commands[0]).toContain(
      `-X POST "$MLFLOW_TRACKING_URI/api/2.0/mlflow/registered-models/get-latest-versions"`,
    );
    const one = await probe(`models:/${NAME}/1`);
    expect(one.data).toMatchObject({ ok: true, version: "1" });
    expect(one.commands[0]).toContain(`model-versions/get?name=${NAME}&version=1"`);
  });

  it("an alias that does not exist: a problem naming it", async () => {
    const out = await probe(`models:/${NAME}@staging`);
    expect(out.state).toBe("problem");
    expect(out.data).toMatchObject({ ok: false, code: "source_not_found", alias: "staging" });
    expect(out.summary).toMatch(/^Not found in the MLflow registry: /);
    expect(out.summary).toContain(`has no ${NAME}@staging for model 27`);
    expect(out.summary).toContain("Registered model alias staging not found");
  });

  it("the server down: could not finish, with the address and the reason", async () => {
    await mlflow.down();
    const out = await probe(`models:/${NAME}@production`);
    expect(out.state).toBe("failed");
    expect(out.summary).toMatch(/^The MLflow tracking server could not be asked from here: /);
    expect(out.summary).toContain(mlflow.url);
    // Refused, or a kept-alive connection of an earlier test found closed.
    expect(out.summary).toMatch(/connection (refused|closed by the server)/);
  });
});

describe("a tracking server with authentication", () => {
  beforeEach(() => {
    mlflow.auth = true;
  });

  it("the token: ok, the command naming MLFLOW_TRACKING_TOKEN, never its value", async () => {
    const out = await probe(`models:/${NAME}@production`, { token: mlflow.tokens.read });
    expect(out.state).toBe("ok");
    expect(out.summary).toContain(
      `readable with MLFLOW_TRACKING_TOKEN from doctor's environment at ${mlflow.url}: alias production names version 2`,
    );
    expect(out.commands[0]).toContain('-H "Authorization: Bearer $MLFLOW_TRACKING_TOKEN"');
    // The server did get the token.
    expect(mlflow.requests.at(-1)?.authorization).toBe(`Bearer ${mlflow.tokens.read}`);
  });

  it("username and password: ok, the command naming both variables", async () => {
    const out = await probe(`models:/${NAME}/2`, mlflow.basic);
    expect(out.state).toBe("ok");
    expect(out.data?.credential).toBe("MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD");
    expect(out.commands[0]).toContain('-u "$MLFLOW_TRACKING_USERNAME:$MLFLOW_TRACKING_PASSWORD"');
  });

  it("no credential: a problem naming MLFLOW_TRACKING_TOKEN", async () => {
    const out = await probe(`models:/${NAME}@production`);
    expect(out.state).toBe("problem");
    expect(out.data?.code).toBe("source_credentials_missing");
    expect(out.summary).toMatch(
      /^The MLflow tracking server requires credentials, and doctor's environment has none: MLFLOW_TRACKING_TOKEN is not set;/,
    );
  });

  it("a rejected token (401) and a token without permission (403): problems naming the variable", async () => {
    const rejected = await probe(`models:/${NAME}@production`, {
      token: "wrong-token-0123456789",
    });
    expect(rejected).toMatchObject({ state: "problem", data: { code: "source_unauthorized" } });
    expect(rejected.summary).toContain(
      `The MLflow tracking server refuses the credential: The MLflow tracking server at ${mlflow.url} rejected MLFLOW_TRACKING_TOKEN (HTTP 401)`,
    );
    const denied = await probe(`models:/${NAME}@production`, { token: mlflow.tokens.noPermission });
    expect(denied).toMatchObject({ state: "problem", data: { code: "source_unauthorized" } });
    expect(denied.summary).toContain(`MLFLOW_TRACKING_TOKEN may not read registered model ${NAME}`);
    expect(denied.summary).toContain("(HTTP 403)");
  });
});

describe("not asked", () => {
  it("a source that is not MLflow's, an unknown source, no MLFLOW_TRACKING_URI: skipped, saying why", async () => {
    const before = mlflow.requests.length;
    expect(await probe("hf://acme/private")).toMatchObject({
      state: "skipped",
      summary:
        "Not checked: the model's source is hf://acme/private, not an MLflow registry model: no MLflow tracking server is involved.",
    });
    expect((await probe(null)).summary).toMatch(/the model's source is not known/);
    expect((await probe(`models:/${NAME}@production`, null)).summary).toMatch(
      /doctor's environment has no MLFLOW_TRACKING_URI/,
    );
    expect(mlflow.requests.length).toBe(before);
  });
});

const cert = selfSignedCertificate();
describe.skipIf(!cert)("an https tracking server with a self-signed certificate", () => {
  it("untrusted: a problem naming the TLS variables; MLFLOW_TRACKING_INSECURE_TLS: ok, with the warning", async () => {
    if (!cert) return;
    const front = await startTlsFront(mlflow.url, cert);
    try {
      const untrusted = await probe(`models:/${NAME}@production`, { trackingUri: front.url });
      expect(untrusted.state).toBe("problem");
      expect(untrusted.summary).toMatch(/^The tracking server's TLS certificate is not trusted: /);
      expect(untrusted.summary).toContain("MLFLOW_TRACKING_SERVER_CERT_PATH");
      const insecure = await probe(`models:/${NAME}@production`, {
        trackingUri: front.url,
        insecureTls: true,
      });
      expect(insecure.state).toBe("ok");
      expect(insecure.summary).toContain(
        "Its certificate was NOT verified (MLFLOW_TRACKING_INSECURE_TLS=true).",
      );
      expect(insecure.details).toContain(
        `warning: MLFLOW_TRACKING_INSECURE_TLS=true: the TLS certificate of the MLflow tracking server at ${front.url} is NOT verified (that origin only); anyone on the path could impersonate it. Trust its CA with MLFLOW_TRACKING_SERVER_CERT_PATH instead.`,
      );
      expect(insecure.commands[0]).toContain(" -k");
      const trusted = await probe(`models:/${NAME}@production`, {
        trackingUri: front.url,
        serverCertPath: cert.certPath,
      });
      expect(trusted.state).toBe("ok");
      expect(trusted.commands[0]).toContain('--cacert "$MLFLOW_TRACKING_SERVER_CERT_PATH"');
    } finally {
      await front.close();
      cert.cleanup();
    }
  });
});
