/**
 * The model package format, versions 1 and 2: the typed form of a validated `modelgate.json`.
 * A spec is data only: nothing in it is ever evaluated as code. See docs/model-package.md.
 */

/** The format versions this modelgate reads (2 adds model kinds and numeric-vector inputs). */
export type SpecFormatVersion = 1 | 2;

/**
 * What the model answers, and so which outputs it may have (version 2; version 1 is binary):
 * - binary: class scores [N, C], the positive class's probability maps to the outputs;
 * - multiclass: class scores [N, C] for the declared `classes` (label, probabilities, top-k);
 * - regression: values [N] or [N, K] (`targets` name the K columns);
 * - tensor: no JSON API (no inputs, features or outputs): served with tensors over the Open
 *   Inference Protocol only, straight to and from the ONNX graph.
 */
export type ModelKind = "binary" | "multiclass" | "regression" | "tensor";

/** The JSON types an input field may have (one per field; null is not accepted). */
export type InputType = "number" | "integer" | "string" | "boolean" | "array";

/** The elements of an `array` input field (version 2): numbers computed upstream. */
export interface VectorItems {
  readonly type: "number" | "integer";
  readonly minimum?: number;
  readonly maximum?: number;
}

/** One input field, a draft-07 JSON Schema subset. */
export interface InputProperty {
  readonly type: InputType;
  readonly description?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly enum?: readonly (string | number | boolean)[];
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  /** `array` fields: the element type and the fixed length (minItems = maxItems). */
  readonly items?: VectorItems;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly examples?: readonly unknown[];
}

/** The JSON Schema of ONE input object. Unknown fields are always refused. */
export interface InputSchema {
  readonly type: "object";
  readonly description?: string;
  readonly properties: Readonly<Record<string, InputProperty>>;
  readonly required: readonly string[];
  readonly additionalProperties: false;
  /**
   * Whole example inputs (JSON Schema's `examples`), each valid against this schema. The first is
   * what `modelgate smoke` predicts with after a deploy; /info shows them to integrators.
   */
  readonly examples?: readonly Readonly<Record<string, unknown>>[];
}

export interface OnnxRuntimeSpec {
  readonly type: "onnx";
  /** Path of the ONNX file inside the package folder (no "..", not absolute). */
  readonly file: string;
  /**
   * Name of the graph input that receives the [N, F] float32 feature tensor. Absent only for
   * a "tensor" model (no feature spec: its inputs are the graph's own).
   */
  readonly input?: string;
  /**
   * Name of the graph output the outputs are computed from: [N, C] class probabilities
   * (binary, multiclass) or [N] / [N, K] values (regression). Absent only for a "tensor" model.
   */
  readonly output?: string;
  /** binary only: the column of `output` that is the positive class probability. */
  readonly positive_class_index?: number;
}

/**
 * A model served by an upstream HTTP endpoint (the Hugging Face Inference API, a KServe/Triton
 * server, your own service): modelgate validates the inputs, POSTs them and keeps its own
 * response shape. `features` do not apply; `outputs`, when given, map a numeric probability
 * answered per input, and an object answered per input is passed through.
 */
export interface RemoteRuntimeSpec {
  readonly type: "remote";
  /** http(s) URL the inputs are POSTed to as {"inputs": [...]}. */
  readonly url: string;
  /** "huggingface": send HUGGINGFACE_API_KEY as a Bearer token; "none": no credentials. */
  readonly auth: "none" | "huggingface";
  /** Bound on one upstream call. */
  readonly timeout_ms: number;
}

export type RuntimeSpec = OnnxRuntimeSpec | RemoteRuntimeSpec;

interface FeatureBase {
  /** Column name, for documentation and training reports. */
  readonly name: string;
  /** The input field it is computed from. */
  readonly field: string;
}

export type NumericTransform = "none" | "log1p" | "clip";

export interface NumericFeature extends FeatureBase {
  readonly kind: "numeric";
  readonly transform: NumericTransform;
  /** Bounds for "clip" (at least one is set). */
  readonly min?: number;
  readonly max?: number;
  /** Input value used when the field is absent; it goes through the transform. */
  readonly default: number;
}

export interface BooleanFeature extends FeatureBase {
  readonly kind: "boolean";
  /** Input value used when the field is absent. true → 1, false → 0. */
  readonly default: boolean;
}

export interface CategoryFeature extends FeatureBase {
  readonly kind: "category";
  readonly map: Readonly<Record<string, number>>;
  /** Column value when the field is absent or its value is not in `map`. */
  readonly default: number;
  readonly case_insensitive: boolean;
}

export interface KeywordRule {
  /** Words or phrases; any one matching as whole words (case-insensitive) fires the rule. */
  readonly any: readonly string[];
  readonly value: number;
}

export interface KeywordsFeature extends FeatureBase {
  readonly kind: "keywords";
  /** Tried in order; the first rule with a match gives the column value. */
  readonly rules: readonly KeywordRule[];
  /** Column value when the field is absent or no rule matches. */
  readonly default: number;
}

/** Version 2: an `array` input field copied into `length` consecutive columns, as it is. */
export interface VectorFeature extends FeatureBase {
  readonly kind: "vector";
  /** The field's fixed length (its minItems = maxItems): the number of columns. */
  readonly length: number;
  /** Every column's value when the field is absent. */
  readonly default: number;
}

export type FeatureSpec =
  NumericFeature | BooleanFeature | CategoryFeature | KeywordsFeature | VectorFeature;

/**
 * What a numeric output is computed from: "probability" (binary: the positive class's;
 * multiclass: the predicted class's), "value" or a target name (regression), or the name of an
 * earlier numeric output.
 */
export type OutputSource = string;

export interface ScaleOutput {
  readonly name: string;
  readonly kind: "scale";
  readonly source: OutputSource;
  readonly multiply: number;
  readonly add: number;
  readonly round?: number;
}

export interface ValueOutput {
  readonly name: string;
  readonly kind: "value";
  readonly source: OutputSource;
  readonly round?: number;
}

export interface ThresholdBand {
  readonly min: number;
  readonly label: string;
}

export interface ThresholdsOutput {
  readonly name: string;
  readonly kind: "thresholds";
  readonly source: OutputSource;
  /** Sorted by descending `min`; the first band with value ≥ min gives the label. */
  readonly bands: readonly ThresholdBand[];
  readonly otherwise: string;
}

export interface OutputRule {
  readonly field: string;
  readonly label: string;
  readonly equals?: string | number | boolean;
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
}

export interface RulesOutput {
  readonly name: string;
  readonly kind: "rules";
  /** Every rule whose conditions all hold adds its label, in rule order. */
  readonly rules: readonly OutputRule[];
}

/** binary: max(p, 1 − p); multiclass: the predicted class's probability. */
export interface ConfidenceOutput {
  readonly name: string;
  readonly kind: "confidence";
  readonly round?: number;
}

/** multiclass: the predicted class's label (the class with the highest score). */
export interface LabelOutput {
  readonly name: string;
  readonly kind: "label";
}

/** multiclass: every class's probability, as an object keyed by label, in `classes` order. */
export interface ProbabilitiesOutput {
  readonly name: string;
  readonly kind: "probabilities";
  readonly round?: number;
}

/** multiclass: the `k` most probable classes, [{label, probability}], most probable first. */
export interface TopKOutput {
  readonly name: string;
  readonly kind: "top_k";
  readonly k: number;
  readonly round?: number;
}

export type OutputSpec =
  | ScaleOutput
  | ValueOutput
  | ThresholdsOutput
  | RulesOutput
  | ConfidenceOutput
  | LabelOutput
  | ProbabilitiesOutput
  | TopKOutput;

export interface ModelSpec {
  readonly modelgate: SpecFormatVersion;
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly description?: string;
  /**
   * What the model answers. Always set by parseSpec ("binary" for version 1); absent in specs
   * stored before version 2, which are binary: read it with `modelKind(spec)`.
   */
  readonly kind?: ModelKind;
  /** multiclass: the class labels, in the order of the output tensor's columns. */
  readonly classes?: readonly string[];
  /** regression with an [N, K] output: the names of the K columns, usable as output sources. */
  readonly targets?: readonly string[];
  readonly max_batch_size: number;
  readonly runtime: RuntimeSpec;
  /** A "tensor" model has none: its schema is empty, as are its features and outputs. */
  readonly inputs: InputSchema;
  readonly features: readonly FeatureSpec[];
  readonly outputs: readonly OutputSpec[];
}
