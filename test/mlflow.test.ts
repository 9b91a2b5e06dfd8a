/**
 * Models in an MLflow registry, end to end: a fake tracking server on 127.0.0.1 (REST API and
 * proxied artifacts, authentication on and off), ONNX models built by the tests, registered with
 * `modelgate models register ID --source models:/NAME@ALIAS` against a running service, and
 * served through the seeds' API and the Open Inference Protocol with onnxruntime's own outputs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { socketAdminOps } from "../src/cli/admin-client.js";
import { adminSocketPath } from "../src/server/admin/socket.js";
import { buildOnnxModel } from "../src/runtimes/onnx/test-support/onnx-builder.js";
import {
  CHURN_BIAS,
  CHURN_WEIGHTS,
  churnModel,
  irisModel,
} from "../src/runtimes/onnx/test-support/test-models.js";
import { IRIS_CLASSES, IRIS_FIELDS } from "../src/spec/test-support/kind-specs.js";
import {
  CHURN_COLUMNS,
  CHURN_TARGET_NAMES,
  churnFiles,
  irisFiles,
  pickleFiles,
} from "../src/sources/mlflow/test-support/models.js";
import { runCli } from "./support/cli.js";
import type { FakeMlflow } from "./support/fake-mlflow.js";
import { startFakeMlflow } from "./support/fake-mlflow.js";
import { call, closeTo, float32Tensor, runtimeRun } from "./support/oip.js";
import type { TestService } from "./support/service.js";
import { startTestService } from "./support/service.js";

// Registrations run the real CLI (a tsx process each): slow on a busy machine, never timed.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 180_000 });

let mlflow: FakeMlflow;
const open: TestService[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  mlflow = await startFakeMlflow();
});
afterAll(async () => {
  await mlflow.close();
});
afterEach(async () => {
  mlflow.clearFaults();
  mlflow.auth = false;
  await mlflow.up().catch(() => undefined);
  await Promise.all(open.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "mg-mlflow-"));
  dirs.push(dir);
  return dir;
}

async function start(dir: string, env: Record<string, string> = {}, strict = false) {
  const svc = await startTestService(
    { MLFLOW_TRACKING_URI: mlflow.url, MODELGATE_REGISTER_EXAMPLE: "false", ...env },
    { dataDir: dir, strict },
  );
  open.push(svc);
  return svc;
}

/** `modelgate models register ID --source SOURCE [...]` against the running service. */
async function register(
  svc: TestService,
  id: string,
  source: string,
  args: string[] = [],
  env = {},
) {
  return runCli(["models", "register", id, "--source", source, ...args], {
    MODELGATE_DATA_DIR: svc.dataDir,
    MLFLOW_TRACKING_URI: mlflow.url,
    MODELGATE_REGISTER_EXAMPLE: "false",
    ...env,
  });
}

async function keyFor(svc: TestService): Promise<string> {
  const admin = socketAdminOps(adminSocketPath(svc.dataDir));
  return (await admin.createKey({ name: "mlflow", user_id: "mlflow-user" })).key;
}

interface Check {
  name: string;
  ok: boolean;
  reason: string;
}
const readyCheck = async (svc: TestService, id: string) => {
  const ready = await call(`${svc.url}/ready`);
  return {
    status: ready.status,
    check: (ready.body.checks as Check[]).find((c) => c.name === `model:${id}`),
  };
};

let seq = 0;
const fresh = (base: string) => `${base}-${++seq}`;

const IRIS_ROWS = [
  [6.8, 2.8, 4.8, 1.4],
  [5.1, 3.5, 1.4, 0.2],
];
const CHURN_ROWS = [
  [24, 79.5, 3],
  [2, 20.25, 11],
];

describe("an MLflow multi-class model and a regressor, through both APIs", () => {
  let svc: TestService;
  let key: string;
  let iris: string;
  let churn: string;

  beforeAll(async () => {
    iris = fresh("iris");
    churn = fresh("churn");
    mlflow.register(iris, irisFiles());
    mlflow.setAlias(iris, "production", 1);
    mlflow.register(churn, churnFiles());
    svc = await start(dataDir());
    open.splice(open.indexOf(svc), 1); // kept for the whole describe, closed in its afterAll
    key = await keyFor(svc);
    const one = await register(svc, "27", `models:/${iris}@production`);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain(`from models:/${iris}@production at v1`);
    const two = await register(svc, "30", `mlflow://${churn}/1`);
    expect(two.code).toBe(0);
  });
  afterAll(async () => {
    await svc.close();
  });

  it("multi-class: the seeds' predict answers the runtime's probabilities (1e-6)", async () => {
    const expected = await runtimeRun(irisModel(), { "input-0": float32Tensor(IRIS_ROWS) });
    const inputs = IRIS_ROWS.map((row) =>
      Object.fromEntries(IRIS_FIELDS.map((f, i) => [f, row[i]])),
    );
    const res = await call(`${svc.url}/api/v1/models/27/predict`, { body: { inputs }, key });
    expect(res.status).toBe(200);
    const predictions = res.body.predictions as {
      label: string;
      probabilities: Record<string, number>;
      confidence: number;
    }[];
    const probs = expected.probabilities?.data ?? [];
    predictions.forEach((p, row) => {
      const want = probs.slice(row * 3, row * 3 + 3);
      expect(
        closeTo(
          IRIS_CLASSES.map((c) => p.probabilities[c] ?? NaN),
          want,
        ),
      ).toBe(true);
      expect(p.label).toBe(IRIS_CLASSES[want.indexOf(Math.max(...want))]);
      expect(closeTo([p.confidence], [Math.max(...want)])).toBe(true);
    });
  });

  it("multi-class: /v2/models/27/infer answers the runtime's tensors (1e-6), and its metadata is the graph's", async () => {
    const expected = await runtimeRun(irisModel(), { "input-0": float32Tensor(IRIS_ROWS) });
    const res = await call(`${svc.url}/v2/models/27/infer`, {
      key,
      body: {
        inputs: [{ name: "input-0", shape: [2, 4], datatype: "FP32", data: IRIS_ROWS.flat() }],
        outputs: [{ name: "probabilities" }],
      },
    });
    expect(res.status).toBe(200);
    const [out] = res.body.outputs as { name: string; shape: number[]; data: number[] }[];
    expect(out).toMatchObject({ name: "probabilities", shape: [2, 3] });
    expect(closeTo(out?.data ?? [], expected.probabilities?.data ?? [])).toBe(true);
    const meta = await call(`${svc.url}/v2/models/27`, { key });
    expect(meta.body).toMatchObject({
      name: "27",
      versions: ["1"],
      inputs: [{ name: "input-0", datatype: "FP32", shape: [-1, 4] }],
    });
  });

  it("regression: both APIs answer the runtime's values (1e-6)", async () => {
    const expected =
      (await runtimeRun(churnModel(), { features: float32Tensor(CHURN_ROWS) })).values?.data ?? [];
    const inputs = CHURN_ROWS.map((row) =>
      Object.fromEntries(CHURN_COLUMNS.map((c, i) => [c, row[i]])),
    );
    const res = await call(`${svc.url}/api/v1/models/30/predict`, { body: { inputs }, key });
    expect(res.status).toBe(200);
    const values = (res.body.predictions as Record<string, number>[]).flatMap((p) =>
      CHURN_TARGET_NAMES.map((t) => p[t] ?? NaN),
    );
    expect(closeTo(values, expected)).toBe(true);
    const v2 = await call(`${svc.url}/v2/models/30/infer`, {
      key,
      body: {
        inputs: [{ name: "features", shape: [2, 3], datatype: "FP32", data: CHURN_ROWS.flat() }],
      },
    });
    expect(v2.status).toBe(200);
    const [out] = v2.body.outputs as { name: string; data: number[] }[];
    expect(out?.name).toBe("values");
    expect(closeTo(out?.data ?? [], expected)).toBe(true);
  });

  it("/info and health say where the model comes from and which version is served", async () => {
    const info = await call(`${svc.url}/api/v1/models/27/info`, { key });
    expect(info.body).toMatchObject({ storage: "mlflow" });
    const health = await call(`${svc.url}/api/v1/models/27/health`, { key });
    expect(health.body).toMatchObject({
      revision: "v1",
      storage_type: "mlflow",
      served_from_cache: false,
    });
  });
});

/** A churn regressor whose values are v1's plus `shift`: another version of the same model. */
function shiftedChurn(shift: number): Uint8Array {
  return buildOnnxModel({
    inputs: [{ name: "features", type: "float32", shape: ["N", 3] }],
    outputs: [{ name: "values", type: "float32", shape: ["N", 2] }],
    initializers: [
      { name: "W", type: "float32", dims: [3, 2], values: CHURN_WEIGHTS.flat() },
      { name: "B", type: "float32", dims: [2], values: CHURN_BIAS.map((b) => b + shift) },
    ],
    nodes: [
      { op: "MatMul", inputs: ["features", "W"], outputs: ["xw"] },
      { op: "Add", inputs: ["xw", "B"], outputs: ["values"] },
    ],
  });
}

describe("an alias that moves", () => {
  it("is served at its new version once cache_duration has run out", async () => {
    const name = fresh("churn");
    mlflow.register(name, churnFiles());
    mlflow.setAlias(name, "production", 1);
    const svc = await start(dataDir());
    const key = await keyFor(svc);
    const reg = await register(svc, "30", `models:/${name}@production`, ["--cache-duration", "1s"]);
    expect(reg.code).toBe(0);
    const row = Object.fromEntries(CHURN_COLUMNS.map((c, i) => [c, CHURN_ROWS[0]?.[i]]));
    const predict = async () => {
      const res = await call(`${svc.url}/api/v1/models/30/predict`, { body: { inputs: row }, key });
      expect(res.status).toBe(200);
      return (res.body.predictions as Record<string, number>).days_to_churn ?? NaN;
    };
    const v1 = await predict();

    mlflow.register(name, churnFiles(shiftedChurn(1000)));
    mlflow.setAlias(name, "production", 2);
    // Within cache_duration the loaded version keeps answering; after it, the next request
    // starts a background reload that asks MLflow again, and v2 answers once it has loaded.
    await new Promise((r) => setTimeout(r, 1_100));
    let answer = await predict();
    for (let i = 0; i < 100 && answer !== v1 + 1000; i++) {
      expect(answer).toBe(v1); // never anything else while the new version loads
      await new Promise((r) => setTimeout(r, 100));
      answer = await predict();
    }
    expect(answer).toBeCloseTo(v1 + 1000, 3);
    const health = await call(`${svc.url}/api/v1/models/30/health`, { key });
    expect(health.body).toMatchObject({ revision: "v2" });
  });
});

describe("MLflow down", () => {
  it("a cached version is still served (200), and /ready says it comes from the disk cache", async () => {
    const name = fresh("iris");
    mlflow.register(name, irisFiles());
    mlflow.setAlias(name, "production", 1);
    const dir = dataDir();
    const first = await start(dir);
    const admin = socketAdminOps(adminSocketPath(dir));
    await admin.registerModel({ id: "27", source: `models:/${name}@production`, spec: null });
    const key = await keyFor(first);
    const inputs = Object.fromEntries(IRIS_FIELDS.map((f, i) => [f, IRIS_ROWS[0]?.[i]]));
    const before = await call(`${first.url}/api/v1/models/27/predict`, { body: { inputs }, key });
    expect(before.status).toBe(200);
    await first.close();
    open.splice(open.indexOf(first), 1);

    await mlflow.down();
    // Restarted with the tracking server gone, strictly: still served.
    const again = await start(dir, {}, true);
    const res = await call(`${again.url}/api/v1/models/27/predict`, { body: { inputs }, key });
    expect(res.status).toBe(200);
    expect(res.body.predictions).toEqual(before.body.predictions);
    const { status, check } = await readyCheck(again, "27");
    expect(status).toBe(200);
    expect(check?.ok).toBe(true);
    expect(check?.reason).toContain("served from the disk cache at v1; refresh impossible");
    expect(check?.reason).toContain(`The MLflow tracking server at ${mlflow.url} is unavailable`);
  });
});

describe("models that cannot be served: 503 naming why, never 500", () => {
  it("a pyfunc-only model names its flavor (and `models register` refuses it, exit 2)", async () => {
    const name = fresh("pickled");
    mlflow.register(name, pickleFiles());
    const svc = await start(dataDir());
    const reg = await register(svc, "31", `models:/${name}/1`);
    expect(reg.code).toBe(2);
    expect(reg.stderr).toContain(
      "logged with the flavors python_function, sklearn and no onnx flavor",
    );
    // Registered anyway (e.g. by another replica's older modelgate): every request says why.
    const admin = socketAdminOps(adminSocketPath(svc.dataDir));
    await admin.registerModel({ id: "31", source: `models:/${name}/1`, spec: null });
    const key = await keyFor(svc);
    const res = await call(`${svc.url}/api/v1/models/31/predict`, { body: { inputs: {} }, key });
    expect(res.status).toBe(503);
    expect(res.body.code).toBe("source_unsupported");
    expect(String(res.body.detail)).toContain("python_function, sklearn and no onnx flavor");
    expect(String(res.body.detail)).toContain("mlflow.onnx.log_model");
    const v2 = await call(`${svc.url}/v2/models/31/infer`, {
      key,
      body: { inputs: [{ name: "x", shape: [1], datatype: "FP32", data: [1] }] },
    });
    expect(v2.status).toBe(503);
    expect(String(v2.body.error)).toContain("no onnx flavor");
  });

  it("no token for a server that requires one: 503 naming MLFLOW_TRACKING_TOKEN, on /ready too", async () => {
    const name = fresh("iris");
    mlflow.register(name, irisFiles());
    mlflow.auth = true;
    const svc = await start(dataDir());
    const reg = await register(svc, "27", `models:/${name}/1`);
    expect(reg.code).toBe(0); // saved, with the warning: it may be configured where modelgate serves
    expect(reg.stderr + reg.stdout).toContain("MLFLOW_TRACKING_TOKEN is not set");
    const key = await keyFor(svc);
    const inputs = Object.fromEntries(IRIS_FIELDS.map((f) => [f, 1]));
    const res = await call(`${svc.url}/api/v1/models/27/predict`, { body: { inputs }, key });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: "source_credentials_missing" });
    expect(String(res.body.detail)).toMatch(
      new RegExp(
        `^MLFLOW_TRACKING_TOKEN is not set; model 27 is stored in the MLflow registry at ${mlflow.url}, which requires credentials`,
      ),
    );
    const { check } = await readyCheck(svc, "27");
    expect(check).toMatchObject({ ok: false });
    expect(check?.reason).toContain("MLFLOW_TRACKING_TOKEN is not set");
  });

  it("a rejected token: 503 source_unauthorized naming MLFLOW_TRACKING_TOKEN, never the token", async () => {
    const name = fresh("iris");
    mlflow.register(name, irisFiles());
    mlflow.auth = true;
    const bad = "mlflow-revoked-0123456789abcdef";
    const svc = await start(dataDir(), { MLFLOW_TRACKING_TOKEN: bad });
    const admin = socketAdminOps(adminSocketPath(svc.dataDir));
    await admin.registerModel({ id: "27", source: `models:/${name}/1`, spec: null });
    const key = await keyFor(svc);
    const inputs = Object.fromEntries(IRIS_FIELDS.map((f) => [f, 1]));
    const res = await call(`${svc.url}/api/v1/models/27/predict`, { body: { inputs }, key });
    expect(res.status).toBe(503);
    expect(res.body.code).toBe("source_unauthorized");
    expect(String(res.body.detail)).toContain("rejected MLFLOW_TRACKING_TOKEN (HTTP 401)");
    expect(res.text).not.toContain(bad);
    // With the right token, the same registration serves.
    const good = await start(dataDir(), { MLFLOW_TRACKING_TOKEN: mlflow.tokens.read });
    const goodAdmin = socketAdminOps(adminSocketPath(good.dataDir));
    await goodAdmin.registerModel({ id: "27", source: `models:/${name}/1`, spec: null });
    const ok = await call(`${good.url}/api/v1/models/27/predict`, {
      body: { inputs },
      key: await keyFor(good),
    });
    expect(ok.status).toBe(200);
  });
});
