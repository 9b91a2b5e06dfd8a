/**
 * The TLS variables as configuration: read once at start with every other variable, a bad
 * certificate file or both variables at once listed among the configuration's problems (the
 * service refuses to start, naming the variable and the path), and the start-up warning.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig, loadConfigOrThrow } from "../../config/index.js";
import { sourceContextFromConfig } from "../context.js";
import { selfSignedCertificate } from "./test-support/tls.js";
import { mlflowTlsWarnings } from "./tls.js";

const dir = mkdtempSync(join(tmpdir(), "mg-mlflow-tls-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const load = (env: Record<string, string>) =>
  loadConfig({ MLFLOW_TRACKING_URI: "https://mlflow.internal:5000", ...env }, { cwd: dir });

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("MLFLOW_TRACKING_SERVER_CERT_PATH", () => {
  const cert = selfSignedCertificate();

  it.skipIf(!cert)("a PEM certificate: valid, passed to the sources as given", () => {
    const loaded = load({ MLFLOW_TRACKING_SERVER_CERT_PATH: cert?.certPath ?? "" });
    expect(loaded.problems).toEqual([]);
    expect(sourceContextFromConfig(loaded.config).mlflow).toMatchObject({
      serverCertPath: cert?.certPath,
      insecureTls: false,
    });
    cert?.cleanup();
  });

  it("a relative path is read from the working directory", () => {
    const loaded = load({ MLFLOW_TRACKING_SERVER_CERT_PATH: "ca.pem" });
    expect(loaded.problems).toEqual([
      `MLFLOW_TRACKING_SERVER_CERT_PATH points to ${join(dir, "ca.pem")}, which does not exist (ENOENT): set MLFLOW_TRACKING_SERVER_CERT_PATH to the PEM file of the CA that signed the MLflow tracking server's certificate (and readable by the service).`,
    ]);
  });

  it("a file without a certificate, or with a broken one: a problem naming the path", () => {
    const text = file("notes.txt", "not a certificate\n");
    expect(load({ MLFLOW_TRACKING_SERVER_CERT_PATH: text }).problems).toEqual([
      `MLFLOW_TRACKING_SERVER_CERT_PATH points to ${text}, which holds no PEM certificate (no -----BEGIN CERTIFICATE----- block): set MLFLOW_TRACKING_SERVER_CERT_PATH to the PEM file of the CA that signed the MLflow tracking server's certificate.`,
    ]);
    const broken = file(
      "broken.pem",
      "-----BEGIN CERTIFICATE-----\nTUlJQm5vdCByZWFsbHk=\n-----END CERTIFICATE-----\n",
    );
    const [problem] = load({ MLFLOW_TRACKING_SERVER_CERT_PATH: broken }).problems;
    expect(problem).toContain(`points to ${broken}, which holds an invalid PEM certificate:`);
  });

  it("a folder: a problem naming it", () => {
    expect(load({ MLFLOW_TRACKING_SERVER_CERT_PATH: dir }).problems[0]).toContain(
      `points to ${dir}, which is a folder, not a file`,
    );
  });

  it("the service refuses to start: config_invalid listing it", () => {
    const env = { MLFLOW_TRACKING_SERVER_CERT_PATH: "missing.pem" };
    expect(() => loadConfigOrThrow(env, { cwd: dir })).toThrow(
      /The configuration is invalid:\n {2}- MLFLOW_TRACKING_SERVER_CERT_PATH points to .*missing\.pem, which does not exist/,
    );
  });
});

describe("MLFLOW_TRACKING_INSECURE_TLS", () => {
  it("defaults to false; read as MLflow's client reads a boolean", () => {
    expect(load({}).config.mlflowTrackingInsecureTls).toBe(false);
    expect(load({ MLFLOW_TRACKING_INSECURE_TLS: "true" }).config.mlflowTrackingInsecureTls).toBe(
      true,
    );
    expect(load({ MLFLOW_TRACKING_INSECURE_TLS: "1" }).config.mlflowTrackingInsecureTls).toBe(true);
    expect(load({ MLFLOW_TRACKING_INSECURE_TLS: "maybe" }).problems).toEqual([
      'MLFLOW_TRACKING_INSECURE_TLS must be true or false, got "maybe".',
    ]);
  });

  it("together with MLFLOW_TRACKING_SERVER_CERT_PATH: refused, as MLflow's client refuses it", () => {
    const pem = file("any.pem", "x");
    const { problems } = load({
      MLFLOW_TRACKING_INSECURE_TLS: "true",
      MLFLOW_TRACKING_SERVER_CERT_PATH: pem,
    });
    expect(problems).toEqual([
      "MLFLOW_TRACKING_INSECURE_TLS=true and MLFLOW_TRACKING_SERVER_CERT_PATH are both set, which MLflow's own client refuses too: keep only one (MLFLOW_TRACKING_SERVER_CERT_PATH to verify the tracking server with its CA; MLFLOW_TRACKING_INSECURE_TLS skips verification, for a test server only).",
    ]);
  });

  it("on: one warning naming the variable and the one origin it applies to", () => {
    const on = sourceContextFromConfig(load({ MLFLOW_TRACKING_INSECURE_TLS: "true" }).config);
    expect(mlflowTlsWarnings(on.mlflow)).toEqual([
      "MLFLOW_TRACKING_INSECURE_TLS=true: the TLS certificate of the MLflow tracking server at https://mlflow.internal:5000 is NOT verified (that origin only); anyone on the path could impersonate it. Trust its CA with MLFLOW_TRACKING_SERVER_CERT_PATH instead.",
    ]);
    expect(mlflowTlsWarnings(sourceContextFromConfig(load({}).config).mlflow)).toEqual([]);
  });
});
