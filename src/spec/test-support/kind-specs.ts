/**
 * Version 2 modelgate.json examples (as parsed JSON) for tests: a multi-class classifier on
 * named fields, a regressor on a numeric vector with two named targets, and a tensor-only model.
 * Each call returns a fresh object, so a test can break one field and check it is named.
 */

type Json = Record<string, unknown>;

export const IRIS_CLASSES = ["setosa", "versicolor", "virginica"] as const;
export const IRIS_FIELDS = ["sepal_length", "sepal_width", "petal_length", "petal_width"] as const;

/** 3 classes from 4 measurements; the graph input is named as in KServe's iris example. */
export function multiclassSpecJson(): Json & {
  runtime: Json;
  outputs: Json[];
  features: Json[];
  inputs: Json & { properties: Record<string, Json> };
} {
  return {
    modelgate: 2,
    id: "iris",
    name: "Iris species",
    version: "2.1.0",
    kind: "multiclass",
    classes: [...IRIS_CLASSES],
    max_batch_size: 32,
    runtime: { type: "onnx", file: "model.onnx", input: "input-0", output: "probabilities" },
    inputs: {
      type: "object",
      properties: Object.fromEntries(
        IRIS_FIELDS.map((f) => [f, { type: "number", minimum: 0, maximum: 100 }]),
      ),
      required: [...IRIS_FIELDS],
    },
    features: IRIS_FIELDS.map((f) => ({ name: f, kind: "numeric", field: f })),
    outputs: [
      { name: "species", kind: "label" },
      { name: "probabilities", kind: "probabilities" },
      { name: "top_2", kind: "top_k", k: 2 },
      { name: "confidence", kind: "confidence" },
      {
        name: "certainty",
        kind: "thresholds",
        source: "probability",
        bands: [{ min: 0.8, label: "sure" }],
        otherwise: "unsure",
      },
    ],
  };
}

export const CHURN_TARGETS = ["days_to_churn", "lifetime_value"] as const;
export const CHURN_WIDTH = 3;

/** Two values a row from a vector of 3 numbers computed upstream. */
export function regressionSpecJson(): Json & {
  runtime: Json;
  outputs: Json[];
  features: Json[];
  inputs: Json & { properties: Record<string, Json> };
} {
  return {
    modelgate: 2,
    id: "churn",
    name: "Churn regressor",
    version: "3.0.0",
    kind: "regression",
    targets: [...CHURN_TARGETS],
    max_batch_size: 16,
    runtime: { type: "onnx", file: "model.onnx", input: "features", output: "values" },
    inputs: {
      type: "object",
      properties: {
        features: {
          type: "array",
          items: { type: "number", minimum: -1000, maximum: 1000 },
          minItems: CHURN_WIDTH,
          maxItems: CHURN_WIDTH,
          description: "Usage features computed by the feature store.",
        },
      },
      required: ["features"],
    },
    features: [{ name: "usage", kind: "vector", field: "features" }],
    outputs: [
      { name: "days_to_churn", kind: "value", source: "days_to_churn" },
      {
        name: "lifetime_value_k",
        kind: "scale",
        source: "lifetime_value",
        multiply: 0.001,
        round: 3,
      },
      {
        name: "risk",
        kind: "thresholds",
        source: "days_to_churn",
        bands: [
          { min: 90, label: "low" },
          { min: 30, label: "medium" },
        ],
        otherwise: "high",
      },
    ],
  };
}

/** A model served with tensors only (Open Inference Protocol): no feature spec at all. */
export function tensorSpecJson(id = "mymodel"): Json & { runtime: Json } {
  return {
    modelgate: 2,
    id,
    name: "Tensor model",
    version: "1",
    kind: "tensor",
    max_batch_size: 1,
    runtime: { type: "onnx", file: "model.onnx" },
  };
}
