import type { ModelSpec, OutputRule, OutputSpec } from "./types.js";

/** Maps one input and its positive-class probability to the response fields, in spec order. */
export type OutputMapper = (
  input: Readonly<Record<string, unknown>>,
  probability: number,
) => Record<string, unknown>;

/** Rounds to `digits` decimals; halves round up (70.5 → 71). */
export function roundTo(value: number, digits: number | undefined): number {
  if (digits === undefined) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

type RuleTest = (input: Readonly<Record<string, unknown>>) => boolean;

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
 * A step computes one output. Numeric outputs also leave their value in `values[i]`, where
 * later outputs that name them as `source` read it (-1 means the probability itself).
 */
type Step = (input: Readonly<Record<string, unknown>>, p: number, values: Float64Array) => unknown;

function compileStep(
  output: OutputSpec,
  index: number,
  sourceIndex: (name: string) => number,
): Step {
  switch (output.kind) {
    case "scale":
    case "value": {
      const src = sourceIndex(output.source);
      const multiply = output.kind === "scale" ? output.multiply : 1;
      const add = output.kind === "scale" ? output.add : 0;
      const digits = output.round;
      return (_input, p, values) => {
        const x = src < 0 ? p : (values[src] ?? Number.NaN);
        const y = roundTo(x * multiply + add, digits);
        values[index] = y;
        return y;
      };
    }
    case "confidence": {
      const digits = output.round;
      return (_input, p, values) => {
        const y = roundTo(Math.max(p, 1 - p), digits);
        values[index] = y;
        return y;
      };
    }
    case "thresholds": {
      const src = sourceIndex(output.source);
      const { bands, otherwise } = output;
      return (_input, p, values) => {
        const x = src < 0 ? p : (values[src] ?? Number.NaN);
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
  }
}

/** Compiles the spec's outputs once; the result maps (input, probability) to the prediction. */
export function compileOutputMapper(spec: Pick<ModelSpec, "outputs">): OutputMapper {
  const names = spec.outputs.map((o) => o.name);
  // parseSpec guarantees a source is "probability" or an earlier output.
  const sourceIndex = (name: string) => (name === "probability" ? -1 : names.indexOf(name));
  const steps = spec.outputs.map((o, i) => compileStep(o, i, sourceIndex));
  const count = steps.length;

  return function mapOutputs(input, probability) {
    const values = new Float64Array(count);
    const result: Record<string, unknown> = {};
    for (let i = 0; i < count; i++) {
      const step = steps[i];
      const name = names[i];
      if (step && name !== undefined) result[name] = step(input, probability, values);
    }
    return result;
  };
}
