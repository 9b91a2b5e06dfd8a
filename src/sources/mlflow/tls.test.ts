/**
 * MLFLOW_TRACKING_INSECURE_TLS and MLFLOW_TRACKING_SERVER_CERT_PATH against the fake tracking
 * server served over https with a certificate made in the test: a self-signed server is refused
 * with the TLS failure named, served with either variable, and neither reaches past the tracking
 * server's origin (another host's artifacts, a redirect elsewhere, the process's own fetch).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeMlflow } from "../../../test/support/fake-mlflow.js";
import { startFakeMlflow } from "../../../test/support/fake-mlflow.js";
import { fetchPackage } from "../index.js";
import { testContext } from "../test-support/context.js";
import type { MlflowSettings } from "../types.js";
import { irisFiles } from "./test-support/models.js";
import type { TestCertificate, TlsFront } from "./test-support/tls.js";
import { selfSignedCertificate, startRedirector, startTlsFront } from "./test-support/tls.js";

const cert = selfSignedCertificate();
const other = cert ? selfSignedCertificate() : null;
const title = cert
  ? "an MLflow tracking server over https with a self-signed certificate"
  : "MLflow TLS variables (skipped: no openssl binary to make a test certificate)";

describe.skipIf(!cert || !other)(title, () => {
  const c = cert as TestCertificate;
  let mlflow: FakeMlflow;
  let front: TlsFront;
  /** The same fake server at another origin (another port): its artifacts "elsewhere". */
  let elsewhere: TlsFront;
  const stops: (() => Promise<void>)[] = [];
  let seq = 0;

  beforeAll(async () => {
    mlflow = await startFakeMlflow();
    front = await startTlsFront(mlflow.url, c);
    elsewhere = await startTlsFront(mlflow.url, c);
  });
  afterAll(async () => {
    await Promise.all(stops.map((stop) => stop()));
    await front.close();
    await elsewhere.close();
    await mlflow.close();
    cert?.cleanup();
    other?.cleanup();
  });

  /** A registered iris model with alias production, and its source text. */
  function model(): { name: string; source: string } {
    const name = `iris-tls-${++seq}`;
    mlflow.register(name, irisFiles());
    mlflow.setAlias(name, "production", 1);
    return { name, source: `models:/${name}@production` };
  }

  async function fetchWith(source: string, settings: Partial<MlflowSettings>) {
    const ctx = testContext("http://127.0.0.1:9", {
      mlflow: { trackingUri: front.url, ...settings },
    });
    try {
      return await fetchPackage(source, "27", ctx);
    } finally {
      ctx.cleanup();
    }
  }

  const failure = (p: Promise<unknown>) => p.then(() => null).catch((e: unknown) => e);

  it("without either variable: 503 source_unreachable naming the certificate failure and both variables", async () => {
    const err = await failure(fetchWith(model().source, {}));
    expect(err).toMatchObject({ code: "source_unreachable", status: 503 });
    const detail = (err as Error).message;
    expect(detail).toContain(`The MLflow tracking server at ${front.url} is unavailable`);
    expect(detail).toMatch(/DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED/);
    expect(detail).toContain("MLFLOW_TRACKING_SERVER_CERT_PATH");
    expect(detail).toContain("MLFLOW_TRACKING_INSECURE_TLS=true");
  });

  it("MLFLOW_TRACKING_INSECURE_TLS: served, and nothing process-wide changes", async () => {
    const pkg = await fetchWith(model().source, { insecureTls: true });
    expect(pkg).toMatchObject({ revision: "v1", fromCache: false });
    // The process's own fetch still verifies the same server.
    const plain = await failure(fetch(`${front.url}/api/2.0/mlflow/registered-models/alias`));
    expect(String((plain as Error).cause)).toMatch(/self[- ]signed/i);
  });

  it("MLFLOW_TRACKING_SERVER_CERT_PATH: the server's certificate is trusted and the model served", async () => {
    const pkg = await fetchWith(model().source, { serverCertPath: c.certPath });
    expect(pkg).toMatchObject({ revision: "v1", fromCache: false });
  });

  it("MLFLOW_TRACKING_SERVER_CERT_PATH naming another CA: still refused, the failure named", async () => {
    const err = await failure(
      fetchWith(model().source, { serverCertPath: (other as TestCertificate).certPath }),
    );
    expect(err).toMatchObject({ code: "source_unreachable" });
    expect((err as Error).message).toContain("its TLS certificate was not trusted");
  });

  it("MLFLOW_TRACKING_INSECURE_TLS does not reach artifacts at another origin", async () => {
    const { name, source } = model();
    const version = mlflow.versions.find((v) => v.name === name);
    if (!version) throw new Error("not registered");
    version.downloadUri = `${elsewhere.url}/api/2.0/mlflow-artifacts/artifacts/${version.artifactPath}`;
    const err = await failure(fetchWith(source, { insecureTls: true }));
    expect(err).toMatchObject({ code: "source_unreachable" });
    expect((err as Error).message).toMatch(/SELF_SIGNED/);
    // Resolved at the tracking server (insecure there), refused at the other origin.
    expect(mlflow.hits(`registered-models/alias?name=${name}`)).toBeGreaterThan(0);
    expect(mlflow.hits(`mlflow-artifacts/artifacts?path=${version.artifactPath}`)).toBe(0);
  });

  it("MLFLOW_TRACKING_INSECURE_TLS does not follow a redirect to another origin", async () => {
    // The tracking server's answers redirect to the same fake server at another https origin.
    const redirector = await startRedirector(elsewhere.url);
    stops.push(redirector.close);
    const redirecting = await startTlsFront(redirector.url, c);
    stops.push(redirecting.close);
    const { source } = model();
    const ctx = testContext("http://127.0.0.1:9", {
      mlflow: { trackingUri: redirecting.url, insecureTls: true },
    });
    try {
      const err = await failure(fetchPackage(source, "27", ctx));
      expect(err).toMatchObject({ code: "source_unreachable" });
      expect((err as Error).message).toMatch(/SELF_SIGNED/);
    } finally {
      ctx.cleanup();
    }
  });

  it("a certificate file that cannot be read: config_invalid naming the variable and the path, the server never asked", async () => {
    const before = mlflow.requests.length;
    const missing = `${c.dir}/no-such-ca.pem`;
    const err = await failure(fetchWith(model().source, { serverCertPath: missing }));
    expect(err).toMatchObject({ code: "config_invalid", status: 503 });
    expect((err as Error).message).toContain(
      `MLFLOW_TRACKING_SERVER_CERT_PATH points to ${missing}, which does not exist (ENOENT)`,
    );
    const both = await failure(
      fetchWith(model().source, { serverCertPath: c.certPath, insecureTls: true }),
    );
    expect(both).toMatchObject({ code: "config_invalid" });
    expect((both as Error).message).toMatch(/both set, which MLflow's own client refuses too/);
    expect(mlflow.requests.length).toBe(before);
  });
});
