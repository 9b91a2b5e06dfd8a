import { modelKind } from "./parse.js";
import type { ModelSpec, OutputRule, OutputSpec } from "./types.js";

type Input = Readonly<Record<string, unknown>>;

/** Maps one input and its positive-class probability to the response fields (binary models). */
export type OutputMapper = (input: Input, probability: number) => Record<string, unknown>;

/**
 * Maps one input and its row of the model's output tensor — `data[offset ..]`, C class scores
 * (binary, multiclass) or K values (regression) — to the response fields, in spec order.
 */
export type RowMapper = (
  input: Input,
  data: ArrayLike<number>,
  offset: number,
) => Record<string, unknown>;

/** Rounds to `digits` decimals; halves round up (70.5 → 71). */
export function roundTo(value: number, digits: number | undefined): number {
  if (digits === undefined) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

type RuleTest = (input: Input) => boolean;

function ruleTest(rule: OutputRule): RuleTest {
  const { field, equals, gt, gte, lt, lte } = rule;
  return (input) => {
    const v = input[field];
    if (v === undefined || v === null) return false;
    if (equals !== undefined && v !== equals) return false;
    if (gt === undefined && gte === undefined && lt === undefined && lte === undefined) return true;
    if (typeof v !== "number") return false;
    return (
      (gt === undefined || v > gt) &&
      (gte === undefined || v >= gte) &&
      (lt === undefined || v < lt) &&
      (lte === undefined || v <= lte)
    );
  };
}

/**
 * One row being mapped. `best` is the predicted class (multiclass: the highest score, the first
 * of equal ones); numeric outputs leave their value in `values[i]` for later outputs to read.
 */
interface RowContext {
  data: ArrayLike<number>;
  offset: number;
  best: number;
  values: Float64Array;
}

type Step = (input: Input, row: RowContext) => unknown;
/** A numeric source: a column of the row, the predicted class's score, or an earlier output. */
type Source = (row: RowContext) => number;

interface Head {
  /** The number the model answers under each base source name. */
  source(name: string): Source | undefined;
  classes: readonly string[];
  binary: boolean;
  positive: number;
}

const at = (row: RowContext, column: number) => row.data[row.offset + column] ?? Number.NaN;

function headOf(spec: Pick<ModelSpec, "kind" | "classes" | "targets">, positive: number): Head {
  const kind = modelKind(spec);
  const classes = spec.classes ?? [];
  const targets = spec.targets ?? ["value"];
  return {
    classes,
    binary: kind === "binary",
    positive,
    source(name) {
      if (kind === "binary" && name === "probability") return (row) => at(row, positive);
      if (kind === "multiclass" && name === "probability") return (row) => at(row, row.best);
      const column = kind === "regression" ? targets.indexOf(name) : -1;
      return column >= 0 ? (row) => at(row, column) : undefined;
    },
  };
}

/** The `k` most probable classes of the row, most probable first (ties: the earlier class). */
function topK(row: RowContext, classes: readonly string[], k: number, digits: number | undefined) {
  const order = classes.map((_, i) => i);
  order.sort((a, b) => at(row, b) - at(row, a) || a - b);
  return order.slice(0, k).map((i) => ({
    label: classes[i] ?? "",
    probability: roundTo(at(row, i), digits),
  }));
}

function compileStep(
  output: OutputSpec,
  index: number,
  source: (name: string) => Source,
  head: Head,
): Step {
  switch (output.kind) {
    case "scale":
    case "value": {
      const read = source(output.source);
      const multiply = output.kind === "scale" ? output.multiply : 1;
      const add = output.kind === "scale" ? output.add : 0;
      const digits = output.round;
      return (_input, row) => {
        const y = roundTo(read(row) * multiply + add, digits);
        row.values[index] = y;
        return y;
      };
    }
    case "confidence": {
      const digits = output.round;
      const { binary, positive } = head;
      return (_input, row) => {
        const p = binary ? at(row, positive) : at(row, row.best);
        const y = roundTo(binary ? Math.max(p, 1 - p) : p, digits);
        row.values[index] = y;
        return y;
      };
    }
    case "thresholds": {
      const read = source(output.source);
      const { bands, otherwise } = output;
      return (_input, row) => {
        const x = read(row);
        for (const band of bands) if (x >= band.min) return band.label;
        return otherwise;
      };
    }
    case "rules": {
      const tests = output.rules.map((r) => ({ test: ruleTest(r), label: r.label }));
      return (input) => {
        const labels: string[] = [];
        for (const { test, label } of tests) if (test(input)) labels.push(label);
        return labels;
      };
    }
    case "label": {
      const { classes } = head;
      return (_input, row) => classes[row.best] ?? null;
    }
    case "probabilities": {
      const { classes } = head;
      const digits = output.round;
      return (_input, row) => {
        const result: Record<string, number> = {};
        for (let i = 0; i < classes.length; i++) {
          result[classes[i] ?? ""] = roundTo(at(row, i), digits);
        }
        return result;
      };
    }
    case "top_k": {
      const { classes } = head;
      const { k, round } = output;
      return (_input, row) => topK(row, classes, k, round);
    }
  }
}

/**
 * Compiles the spec's outputs once into the function mapping one row of the model's output
 * tensor to the prediction. `positive` overrides the binary positive column (a remote model
 * answers the probability itself, column 0).
 */
export function compileRowMapper(
  spec: Pick<ModelSpec, "outputs" | "kind" | "classes" | "targets" | "runtime">,
  positive?: number,
): RowMapper {
  const runtimePositive =
    spec.runtime.type === "onnx" ? (spec.runtime.positive_class_index ?? 0) : 0;
  const head = headOf(spec, positive ?? runtimePositive);
  const names = spec.outputs.map((o) => o.name);
  // parseSpec guarantees a source is a base source or an earlier numeric output.
  const source = (name: string): Source => {
    const base = head.source(name);
    if (base) return base;
    const i = names.indexOf(name);
    return (row) => row.values[i] ?? Number.NaN;
  };
  const steps = spec.outputs.map((o, i) => compileStep(o, i, source, head));
  const count = steps.length;
  const classCount = head.classes.length;
  const multiclass = classCount > 0;

  return function mapRow(input, data, offset) {
    let best = 0;
    if (multiclass) {
      let top = data[offset] ?? Number.NaN;
      for (let c = 1; c < classCount; c++) {
        const p = data[offset + c] ?? Number.NaN;
        if (p > top) {
          top = p;
          best = c;
        }
      }
    }
    const row: RowContext = { data, offset, best, values: new Float64Array(count) };
    const result: Record<string, unknown> = {};
    for (let i = 0; i < count; i++) {
      const step = steps[i];
      const name = names[i];
      if (step && name !== undefined) result[name] = step(input, row);
    }
    return result;
  };
}

/** The binary mapper from (input, probability): for runtimes that answer the probability itself. */
export function compileOutputMapper(
  spec: Pick<ModelSpec, "outputs" | "kind" | "classes" | "targets" | "runtime">,
): OutputMapper {
  const mapRow = compileRowMapper(spec, 0);
  return function mapOutputs(input, probability) {
    return mapRow(input, [probability], 0);
  };
}
