/**
 * MLflow model artifacts for tests, as `mlflow.onnx.log_model` leaves them: MLmodel (onnx and
 * python_function flavors, a signature, optional metadata), model.onnx built by the tests' ONNX
 * writer, and the environment files MLflow adds (never read by modelgate). Plus a model logged
 * with other flavors only (a pickle), and an ONNX file split into external data as onnx's
 * `save_model(..., save_as_external_data=True)` writes it.
 */
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import { afterAll, beforeAll, beforeEach } from "vitest";
import type { FakeMlflow } from "../../../../test/support/fake-mlflow.js";
import {
  column,
  mlmodelYaml,
  startFakeMlflow,
  tensor,
} from "../../../../test/support/fake-mlflow.js";
import { churnModel, irisModel } from "../../../runtimes/onnx/test-support/test-models.js";
import { IRIS_CLASSES, IRIS_FIELDS } from "../../../spec/test-support/kind-specs.js";
import type { TestContext } from "../../test-support/context.js";
import { testContext } from "../../test-support/context.js";

export const CHURN_COLUMNS = ["tenure_months", "monthly_spend", "support_calls"] as const;
export const CHURN_TARGET_NAMES = ["days_to_churn", "lifetime_value"] as const;

const ENVIRONMENT = {
  "conda.yaml":
    "name: mlflow-env\ndependencies:\n- python=3.11.9\n- pip:\n  - mlflow==2.16.2\n  - onnx==1.16.0\n",
  "python_env.yaml":
    "python: 3.11.9\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n",
  "requirements.txt": "mlflow==2.16.2\nonnx==1.16.0\nonnxruntime==1.19.2\n",
};

/** The iris classifier with a column-based signature and its class labels in metadata. */
export function irisFiles(model: Uint8Array = irisModel()): Record<string, Buffer | string> {
  return {
    MLmodel: mlmodelYaml({
      inputs: IRIS_FIELDS.map((f) => column(f)),
      outputs: [tensor("probabilities", "float32", [-1, 3])],
      metadata: { classes: [...IRIS_CLASSES] },
    }),
    "model.onnx": Buffer.from(model),
    ...ENVIRONMENT,
  };
}

/** The churn regressor: three columns, two targets named in metadata. */
export function churnFiles(model: Uint8Array = churnModel()): Record<string, Buffer | string> {
  return {
    MLmodel: mlmodelYaml({
      inputs: CHURN_COLUMNS.map((c) => column(c, c === "support_calls" ? "long" : "double")),
      outputs: [tensor("values", "float32", [-1, 2])],
      metadata: { targets: [...CHURN_TARGET_NAMES] },
    }),
    "model.onnx": Buffer.from(model),
    ...ENVIRONMENT,
  };
}

/** A scikit-learn model logged with mlflow.sklearn: pyfunc and sklearn flavors, a pickle. */
export function pickleFiles(): Record<string, Buffer | string> {
  return {
    MLmodel: mlmodelYaml({
      flavors: {
        python_function: {
          env: { conda: "conda.yaml", virtualenv: "python_env.yaml" },
          loader_module: "mlflow.sklearn",
          model_path: "model.pkl",
          predict_fn: "predict",
          python_version: "3.11.9",
        },
        sklearn: { code: null, pickled_model: "model.pkl", serialization_format: "cloudpickle" },
      },
      inputs: IRIS_FIELDS.map((f) => column(f)),
    }),
    "model.pkl": Buffer.from("\x80\x04\x95 not really a pickle, never to be read"),
    ...ENVIRONMENT,
  };
}

const PROTO_FILE = fileURLToPath(
  new URL("../../../runtimes/onnx/test-support/onnx-graph.proto", import.meta.url),
);

/**
 * `model` with every initializer's data moved to one external file, as onnx writes it: the
 * tensor keeps its name, dims and type, and names `location`, `offset` and `length`.
 */
export function withExternalData(
  model: Uint8Array,
  location: string,
): { onnx: Buffer; data: Buffer } {
  const root = protobuf.loadSync(PROTO_FILE);
  const entry = new protobuf.Type("StringStringEntryProto")
    .add(new protobuf.Field("key", 1, "string"))
    .add(new protobuf.Field("value", 2, "string"));
  const tensorType = root.lookupType("onnx.TensorProto");
  tensorType.parent?.add(entry);
  // Named as the loaded schema's fields are (camelCase), so fromObject reads them.
  tensorType.add(new protobuf.Field("externalData", 13, "StringStringEntryProto", "repeated"));
  tensorType.add(new protobuf.Field("dataLocation", 14, "int32"));
  const ModelProto = root.lookupType("onnx.ModelProto");
  const decoded = ModelProto.toObject(ModelProto.decode(model), { defaults: false }) as {
    graph: {
      initializer?: { rawData?: Uint8Array; externalData?: unknown; dataLocation?: number }[];
    };
  };
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const init of decoded.graph.initializer ?? []) {
    const raw = Buffer.from(init.rawData ?? new Uint8Array());
    init.externalData = [
      { key: "location", value: location },
      { key: "offset", value: String(offset) },
      { key: "length", value: String(raw.length) },
    ];
    init.dataLocation = 1;
    delete init.rawData;
    chunks.push(raw);
    offset += raw.length;
  }
  const onnx = Buffer.from(ModelProto.encode(ModelProto.fromObject(decoded)).finish());
  return { onnx, data: Buffer.concat(chunks) };
}

/**
 * One fake MLflow tracking server for a test file, and a fresh source context (its own data dir,
 * MLFLOW_TRACKING_URI set) for each test; faults, auth and the server's state between tests are
 * reset by the test itself except faults and being down.
 */
export function useFakeMlflow(): { mlflow: FakeMlflow; ctx: TestContext } {
  const state = {} as { mlflow: FakeMlflow; ctx: TestContext };
  beforeAll(async () => {
    state.mlflow = await startFakeMlflow();
  });
  afterAll(() => state.mlflow.close());
  beforeEach(async () => {
    state.mlflow.clearFaults();
    state.mlflow.auth = false;
    await state.mlflow.up().catch(() => undefined);
    state.ctx = testContext("http://127.0.0.1:9", { mlflow: { trackingUri: state.mlflow.url } });
    return () => state.ctx.cleanup();
  });
  return state;
}
