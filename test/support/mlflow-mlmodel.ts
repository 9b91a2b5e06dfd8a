/**
 * MLmodel files as MLflow writes them, for the fake tracking server's tests: column- and
 * tensor-based signatures, flavors, metadata and the saved input example's record.
 */
import { randomBytes } from "node:crypto";
import { stringify } from "yaml";

/** One column of an MLflow column-based signature. */
export function column(name: string, type = "double"): Record<string, unknown> {
  return { type, name, required: true };
}

/** A tensor of an MLflow tensor-based signature. */
export function tensor(
  name: string | null,
  dtype: string,
  shape: number[],
): Record<string, unknown> {
  return { type: "tensor", "tensor-spec": { dtype, shape }, ...(name ? { name } : {}) };
}

/** An MLmodel file as `mlflow.onnx.log_model` writes it (or with other flavors only). */
export function mlmodelYaml(options: {
  flavors?: Record<string, unknown>;
  inputs?: Record<string, unknown>[];
  outputs?: Record<string, unknown>[];
  metadata?: Record<string, unknown>;
  runId?: string;
  /** The saved input example's file, as MLflow records it (pandas "split" orient). */
  inputExample?: string;
}): string {
  const flavors = options.flavors ?? {
    onnx: {
      code: null,
      data: "model.onnx",
      onnx_version: "1.16.0",
      providers: ["CPUExecutionProvider"],
    },
    python_function: {
      data: "model.onnx",
      env: { conda: "conda.yaml", virtualenv: "python_env.yaml" },
      loader_module: "mlflow.onnx",
      python_version: "3.11.9",
    },
  };
  return stringify({
    artifact_path: "model",
    flavors,
    mlflow_version: "2.16.2",
    model_uuid: randomBytes(16).toString("hex"),
    run_id: options.runId ?? randomBytes(16).toString("hex"),
    ...(options.inputs
      ? {
          signature: {
            inputs: JSON.stringify(options.inputs),
            outputs: options.outputs ? JSON.stringify(options.outputs) : null,
            params: null,
          },
        }
      : {}),
    ...(options.metadata ? { metadata: options.metadata } : {}),
    ...(options.inputExample
      ? {
          saved_input_example_info: {
            artifact_path: options.inputExample,
            pandas_orient: "split",
            type: "dataframe",
          },
        }
      : {}),
    utc_time_created: "2026-01-01 00:00:00.000000",
  });
}
