/**
 * The TLS variables as a user of the running service sees them: a model registered from an
 * https tracking server with a self-signed certificate answers 503 source_unreachable naming the
 * TLS failure (never a 500) without either variable, and is served with either; with
 * MLFLOW_TRACKING_INSECURE_TLS the service logs one warning at start naming it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { socketAdminOps } from "../../cli/admin-client.js";
import { adminSocketPath } from "../../server/admin/socket.js";
import { IRIS_FIELDS } from "../../spec/test-support/kind-specs.js";
import type { FakeMlflow } from "../../../test/support/fake-mlflow.js";
import { startFakeMlflow } from "../../../test/support/fake-mlflow.js";
import { call } from "../../../test/support/oip.js";
import type { TestService } from "../../../test/support/service.js";
import { startTestService } from "../../../test/support/service.js";
import { irisFiles } from "./test-support/models.js";
import type { TestCertificate, TlsFront } from "./test-support/tls.js";
import { selfSignedCertificate, startTlsFront } from "./test-support/tls.js";

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const cert = selfSignedCertificate();
const title = cert
  ? "a models:/ model on an https tracking server with a self-signed certificate"
  : "MLflow TLS through the service (skipped: no openssl binary to make a test certificate)";

describe.skipIf(!cert)(title, () => {
  const c = cert as TestCertificate;
  let mlflow: FakeMlflow;
  let front: TlsFront;
  const open: TestService[] = [];
  let seq = 0;

  beforeAll(async () => {
    mlflow = await startFakeMlflow();
    front = await startTlsFront(mlflow.url, c);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await front.close();
    await mlflow.close();
    c.cleanup();
  });

  /** A service with `env`, model 27 registered from a fresh alias, a key, and its log lines. */
  async function serve(env: Record<string, string>) {
    const lines: string[] = [];
    const svc = await startTestService(
      { MLFLOW_TRACKING_URI: front.url, MODELGATE_REGISTER_EXAMPLE: "false", ...env },
      { logTo: { write: (line) => void lines.push(line) } },
    );
    open.push(svc);
    const name = `iris-serve-${++seq}`;
    mlflow.register(name, irisFiles());
    mlflow.setAlias(name, "production", 1);
    const admin = socketAdminOps(adminSocketPath(svc.dataDir));
    await admin.registerModel({ id: "27", source: `models:/${name}@production`, spec: null });
    const { key } = await admin.createKey({ name: "tls", user_id: "tls-user" });
    const inputs = [Object.fromEntries(IRIS_FIELDS.map((f, i) => [f, [6.8, 2.8, 4.8, 1.4][i]]))];
    const predict = () => call(`${svc.url}/api/v1/models/27/predict`, { key, body: { inputs } });
    const warnings = () =>
      lines
        .map((l) => JSON.parse(l) as { level: number; msg: string })
        .filter((l) => l.level === 40)
        .map((l) => l.msg);
    return { predict, warnings };
  }

  it("without MLflow's TLS variables: 503 source_unreachable naming the TLS failure and the variables", async () => {
    const { predict, warnings } = await serve({});
    const res = await predict();
    expect(res.status).toBe(503);
    expect(res.body.code).toBe("source_unreachable");
    expect(String(res.body.detail)).toMatch(/SELF_SIGNED/);
    expect(String(res.body.detail)).toContain("MLFLOW_TRACKING_SERVER_CERT_PATH");
    expect(warnings().filter((w) => w.includes("MLFLOW_TRACKING_INSECURE_TLS"))).toEqual([]);
  });

  it("MLFLOW_TRACKING_INSECURE_TLS=true: served, with one warning at start naming it", async () => {
    const { predict, warnings } = await serve({ MLFLOW_TRACKING_INSECURE_TLS: "true" });
    const res = await predict();
    expect(res.status, res.text).toBe(200);
    expect(res.body.predictions).toHaveLength(1);
    expect(warnings().filter((w) => w.includes("MLFLOW_TRACKING_INSECURE_TLS"))).toEqual([
      `MLFLOW_TRACKING_INSECURE_TLS=true: the TLS certificate of the MLflow tracking server at ${front.url} is NOT verified (that origin only); anyone on the path could impersonate it. Trust its CA with MLFLOW_TRACKING_SERVER_CERT_PATH instead.`,
    ]);
  });

  it("MLFLOW_TRACKING_SERVER_CERT_PATH naming the certificate: served, no warning", async () => {
    const { predict, warnings } = await serve({ MLFLOW_TRACKING_SERVER_CERT_PATH: c.certPath });
    const res = await predict();
    expect(res.status, res.text).toBe(200);
    expect(warnings().filter((w) => w.includes("MLFLOW_TRACKING"))).toEqual([]);
  });
});
