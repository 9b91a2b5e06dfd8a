/**
 * `modelgate doctor` on a running service whose model comes from an MLflow registry (the fake
 * tracking server, authentication on): step 4 asks the registry with doctor's MLFLOW_TRACKING_*
 * settings, the reasoning ends in the registry entry that cannot be read, and neither the MLflow
 * token nor the API key appears anywhere in the report.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { socketAdminOps } from "../cli/admin-client.js";
import { doctorCommand } from "../cli/commands/doctor.js";
import { adminSocketPath } from "../server/admin/socket.js";
import { irisFiles } from "../sources/mlflow/test-support/models.js";
import { IRIS_FIELDS } from "../spec/test-support/kind-specs.js";
import type { FakeMlflow } from "../../test/support/fake-mlflow.js";
import { startFakeMlflow } from "../../test/support/fake-mlflow.js";
import type { TestService } from "../../test/support/service.js";
import { startTestService } from "../../test/support/service.js";

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const STALE = "mlflow-stale-token-5f1c9e0a2b";
/** The model was never loaded (registered while its token was stale): no schema to build from. */
const INPUT = JSON.stringify(
  Object.fromEntries(IRIS_FIELDS.map((f, i) => [f, [6.8, 2.8, 4.8, 1.4][i]])),
);
let mlflow: FakeMlflow;
let svc: TestService;
let key: string;
const cwd = mkdtempSync(join(tmpdir(), "mg-doctor-mlflow-"));

beforeAll(async () => {
  mlflow = await startFakeMlflow();
  mlflow.register("churn", irisFiles());
  mlflow.setAlias("churn", "production", 1);
  mlflow.auth = true;
  // The service runs with a token the tracking server no longer accepts.
  svc = await startTestService({
    MLFLOW_TRACKING_URI: mlflow.url,
    MLFLOW_TRACKING_TOKEN: STALE,
    MODELGATE_REGISTER_EXAMPLE: "false",
  });
  const admin = socketAdminOps(adminSocketPath(svc.dataDir));
  await admin.registerModel({ id: "27", source: "models:/churn@production", spec: null });
  key = (await admin.createKey({ name: "doctor", user_id: "ops" })).key;
});
afterAll(async () => {
  await svc.close();
  await mlflow.close();
  rmSync(cwd, { recursive: true, force: true });
});

async function doctor(env: Record<string, string>) {
  const out = await doctorCommand(
    { url: svc.url, apiKey: key, model: "27", timeout: "5s", input: INPUT },
    {
      cwd,
      env: { MLFLOW_TRACKING_URI: mlflow.url, ...env },
      stdout: { write: () => undefined },
      stderr: { write: () => undefined },
    },
  );
  const shown = `${out.text}\n${JSON.stringify(out.data)}`;
  for (const secret of [STALE, mlflow.tokens.read, key]) expect(shown).not.toContain(secret);
  return { ...out, probe: out.result.probes.find((p) => p.id === "mlflow-model") };
}

describe("doctor on a model from an MLflow registry", () => {
  it("doctor's environment has the same stale token: the registry refuses it, and that is the root cause", async () => {
    const out = await doctor({ MLFLOW_TRACKING_TOKEN: STALE });
    expect(out.probe).toMatchObject({ step: "credentials", state: "problem" });
    expect(out.probe?.summary).toContain("rejected MLFLOW_TRACKING_TOKEN (HTTP 401)");
    expect(out.probe?.commands[0]).toContain('-H "Authorization: Bearer $MLFLOW_TRACKING_TOKEN"');
    expect(out.exitCode).toBe(1);
    expect(out.result.rootCause).toMatchObject({ hypothesis: "mlflow-model" });
    expect(out.result.rootCause?.explanation).toContain("The registry says the same to doctor.");
    expect(out.text).toContain("The model's MLflow registry entry cannot be read.");
  });

  it("doctor's own token is accepted: the version is reported, and the service's token is still the cause", async () => {
    const out = await doctor({ MLFLOW_TRACKING_TOKEN: mlflow.tokens.read });
    expect(out.probe?.state).toBe("ok");
    expect(out.probe?.summary).toBe(
      `Registered model churn is readable with MLFLOW_TRACKING_TOKEN from doctor's environment at ${mlflow.url}: alias production names version 1.`,
    );
    expect(out.result.rootCause).toMatchObject({ hypothesis: "mlflow-model" });
    expect(out.result.rootCause?.explanation).toMatch(
      /^The service says: .*rejected MLFLOW_TRACKING_TOKEN.* The registry accepts MLFLOW_TRACKING_TOKEN from doctor's environment: the service runs with another \(stale or mistyped\) value/,
    );
  });
});
