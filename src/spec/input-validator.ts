import { Ajv } from "ajv";
import type { ErrorObject } from "ajv";
import type { FieldProblem } from "../errors.js";
import { describeValue, joinPath } from "./reader.js";
import type { InputSchema, ModelSpec } from "./types.js";

/** Validates ONE input object; `path` is how the caller names it ("inputs" or "inputs[2]"). */
export type InputValidator = (input: unknown, path: string) => FieldProblem[];

const NO_PROBLEMS: FieldProblem[] = [];
Object.freeze(NO_PROBLEMS);

function fieldPath(path: string, instancePath: string): string {
  if (instancePath === "") return path;
  return instancePath
    .slice(1)
    .split("/")
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce(joinPath, path);
}

function listValues(values: readonly unknown[]): string {
  const shown = values.slice(0, 12).map((v) => JSON.stringify(v));
  return values.length > 12 ? `${shown.join(", ")}, ...` : shown.join(", ");
}

// Ajv prints ">=" and "<="; integrators read the same symbols as the docs.
const COMPARISON_SYMBOLS: Record<string, string> = { ">=": "≥", "<=": "≤", ">": ">", "<": "<" };

/** Turns one Ajv error into the sentence an integrator reads in the 422. */
function toProblem(e: ErrorObject, path: string, known: string): FieldProblem {
  const params = e.params as Record<string, unknown>;
  const field = fieldPath(path, e.instancePath);
  const got = describeValue(e.data);
  switch (e.keyword) {
    case "required":
      return { field: joinPath(field, String(params.missingProperty)), problem: "is required" };
    case "additionalProperties":
      return {
        field: joinPath(field, String(params.additionalProperty)),
        problem: `is not a known field (known: ${known})`,
      };
    case "type": {
      const want = params.type === "object" ? "an object" : String(params.type);
      return { field, problem: `expected ${want}, got ${got}` };
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum": {
      const symbol = COMPARISON_SYMBOLS[String(params.comparison)] ?? String(params.comparison);
      return { field, problem: `must be ${symbol} ${String(params.limit)}, got ${String(e.data)}` };
    }
    case "enum": {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues : [];
      return { field, problem: `must be one of: ${listValues(allowed)}; got ${got}` };
    }
    case "minLength":
      return { field, problem: `must be at least ${String(params.limit)} characters, got ${got}` };
    case "maxLength":
      return { field, problem: `must be at most ${String(params.limit)} characters, got ${got}` };
    case "pattern":
      return { field, problem: `must match the pattern ${String(params.pattern)}, got ${got}` };
    default:
      return { field, problem: `fails the "${e.keyword}" rule, got ${got}` };
  }
}

/**
 * Compiles the spec's input schema once (Ajv, allErrors, strict) into a fast validator that names
 * every bad field with what was expected. An empty array means the input is valid; it is shared,
 * so the valid path allocates nothing.
 */
export function compileInputValidator(spec: Pick<ModelSpec, "inputs">): InputValidator {
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    strictTypes: true,
    strictRequired: true,
    verbose: true, // puts the offending value on each error, for "got string \"high\""
    messages: false, // the messages are ours (toProblem); skip building Ajv's
    coerceTypes: false,
    useDefaults: false,
  });
  const schema: InputSchema = spec.inputs;
  const validate = ajv.compile(schema);
  const known = Object.keys(schema.properties).join(", ");

  return function validateInput(input: unknown, path: string): FieldProblem[] {
    if (validate(input)) return NO_PROBLEMS;
    const errors = validate.errors ?? [];
    // A value of the wrong type also fails its enum: the type is the one thing to say about it.
    const wrongType = new Set(
      errors.filter((e) => e.keyword === "type").map((e) => e.instancePath),
    );
    return errors
      .filter((e) => e.keyword === "type" || !wrongType.has(e.instancePath))
      .map((e) => toProblem(e, path, known));
  };
}
