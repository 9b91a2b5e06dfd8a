/**
 * Where golden inputs are sent: a model package loaded in this process with the server's own
 * code (spec → input validator → onnxruntime session), or a running modelgate over HTTP.
 */
import { compileInputValidator } from "../spec/index.js";
import type { ModelSpec } from "../spec/index.js";
import { loadOnnxModel } from "../runtimes/onnx/index.js";
import type { GoldenRow, GoldenSchema } from "./golden.js";
import { GoldenError, PROBABILITY } from "./golden.js";

export type RowAnswer =
  | { ok: true; values: Record<string, unknown> }
  /** The model refused the input (what a 422 would say). */
  | { ok: false; refused: string };

export interface Predictor {
  /** "in-process: <package dir>" or the service URL. */
  describe: string;
  schema: GoldenSchema;
  maxBatch: number;
  /** Whether `probability` (the number outputs start from) can be compared. */
  hasProbability: boolean;
  /** One answer per row, in order; at most maxBatch rows a call. */
  run(rows: readonly GoldenRow[]): Promise<RowAnswer[]>;
  close(): Promise<void>;
}

export function schemaOf(spec: Pick<ModelSpec, "inputs" | "outputs">): GoldenSchema {
  return {
    inputs: Object.fromEntries(Object.entries(spec.inputs.properties).map(([k, p]) => [k, p.type])),
    outputs: Object.fromEntries(spec.outputs.map((o) => [o.name, o.kind])),
  };
}

/** Loads `dir` (a package already on disk) into an onnxruntime session, as the server does. */
export async function inProcessPredictor(
  dir: string,
  spec: ModelSpec,
  describe: string,
): Promise<Predictor> {
  if (spec.runtime.type !== "onnx") {
    throw new GoldenError(
      `model ${spec.id} runs on a remote upstream (runtime "${spec.runtime.type}"), not in this process: verify it through a server with --url`,
    );
  }
  const model = await loadOnnxModel(dir, spec);
  const validate = compileInputValidator(spec);
  const probabilityIsOutput = spec.outputs.some((o) => o.name === PROBABILITY);
  return {
    describe,
    schema: schemaOf(spec),
    maxBatch: spec.max_batch_size,
    hasProbability: true,
    async run(rows) {
      const answers: RowAnswer[] = [];
      const valid: { at: number; input: Record<string, unknown> }[] = [];
      rows.forEach((row, i) => {
        const problems = validate(row.input, "input");
        if (problems.length > 0) {
          answers[i] = {
            ok: false,
            refused: problems.map((p) => `${p.field} ${p.problem}`).join("; "),
          };
        } else valid.push({ at: i, input: row.input });
      });
      if (valid.length > 0) {
        const inputs = valid.map((v) => v.input);
        const outputs = await model.predict(inputs);
        const probabilities = await model.probabilities(inputs);
        valid.forEach((v, j) => {
          const values = { ...outputs[j] };
          if (!probabilityIsOutput) values[PROBABILITY] = probabilities[j];
          answers[v.at] = { ok: true, values };
        });
      }
      return answers;
    },
    close: () => model.close(),
  };
}
