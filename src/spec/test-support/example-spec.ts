/**
 * A small, valid modelgate.json (as parsed JSON) for tests. Each call returns a fresh object,
 * so a test can break one field and check that exactly that field is named.
 */
export function exampleSpecJson(): Record<string, unknown> & {
  inputs: Record<string, unknown> & {
    properties: Record<string, Record<string, unknown>>;
    required: string[];
  };
  features: Record<string, unknown>[];
  outputs: Record<string, unknown>[];
  runtime: Record<string, unknown>;
} {
  return {
    modelgate: 1,
    id: "21",
    name: "Sales Lead Scoring",
    version: "1.0.0",
    description: "test model",
    max_batch_size: 64,
    runtime: {
      type: "onnx",
      file: "model.onnx",
      input: "features",
      output: "probabilities",
      positive_class_index: 1,
    },
    inputs: {
      type: "object",
      properties: {
        company_size: { type: "integer", minimum: 1 },
        industry: { type: "string", enum: ["Technology", "Finance", "Other"] },
        engagement_score: { type: "number", minimum: 0, maximum: 100 },
        demo_requested: { type: "boolean" },
        title: { type: "string", maxLength: 20 },
      },
      required: ["company_size", "industry", "engagement_score"],
      additionalProperties: false,
    },
    features: [
      { name: "company_size_log", kind: "numeric", field: "company_size", transform: "log1p" },
      {
        name: "engagement",
        kind: "numeric",
        field: "engagement_score",
        transform: "clip",
        min: 10,
        max: 90,
      },
      { name: "demo_requested", kind: "boolean", field: "demo_requested", default: false },
      {
        name: "industry",
        kind: "category",
        field: "industry",
        map: { Technology: 1, Finance: 0.8 },
        default: 0.25,
        case_insensitive: true,
      },
      {
        name: "title_seniority",
        kind: "keywords",
        field: "title",
        rules: [
          { any: ["vice president", "vp"], value: 3 },
          { any: ["chief", "ceo", "president"], value: 4 },
          { any: ["manager"], value: 1 },
        ],
        default: 0,
      },
    ],
    outputs: [
      { name: "lead_score", kind: "scale", source: "probability", multiply: 100, round: 0 },
      { name: "conversion_probability", kind: "value", source: "probability", round: 2 },
      {
        name: "recommendation",
        kind: "thresholds",
        source: "lead_score",
        bands: [
          { min: 70, label: "Hot" },
          { min: 40, label: "Warm" },
        ],
        otherwise: "Cold",
      },
      {
        name: "factors",
        kind: "rules",
        rules: [
          { field: "demo_requested", equals: true, label: "Demo requested" },
          { field: "engagement_score", gt: 70, label: "High engagement" },
        ],
      },
      { name: "confidence", kind: "confidence", round: 2 },
    ],
  };
}
