/**
 * Response shapes a client of modelgate relies on, checked field by field. Extra fields are
 * always accepted (the seeds' clients read extra fields, and newer versions add some); a missing
 * or mistyped field is named with what was expected.
 */

type Json = Record<string, unknown>;

export type FieldType = "string" | "number" | "boolean" | "object" | "array" | "string|null";

export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

function matches(value: unknown, type: FieldType): boolean {
  switch (type) {
    case "object":
      return isObject(value);
    case "array":
      return Array.isArray(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "string|null":
      return value === null || typeof value === "string";
    default:
      return typeof value === type;
  }
}

/** Problems of `body` against `{field: type}`; `where` names the body ("the body", "metadata"). */
export function fieldProblems(
  body: unknown,
  fields: Readonly<Record<string, FieldType>>,
  where = "the body",
): string[] {
  if (!isObject(body)) return [`${where} is not a JSON object (got ${typeOf(body)})`];
  const problems: string[] = [];
  for (const [name, type] of Object.entries(fields)) {
    const value = body[name];
    if (value === undefined) problems.push(`${where} has no "${name}" (${type} expected)`);
    else if (!matches(value, type)) {
      problems.push(`${where}."${name}" should be ${type}, got ${typeOf(value)}`);
    }
  }
  return problems;
}

/** modelgate's error envelope: {detail, code, request_id}. */
export function envelopeProblems(body: unknown): string[] {
  return fieldProblems(body, { detail: "string", code: "string", request_id: "string" });
}

export interface OutputDecl {
  name: string;
  kind: string;
}

const KIND_TYPE: Record<string, FieldType> = {
  scale: "number",
  value: "number",
  confidence: "number",
  thresholds: "string",
  rules: "array",
};

/** One prediction against the outputs the spec declares (GET …/info `outputs`). */
export function predictionProblems(prediction: unknown, outputs: readonly OutputDecl[]): string[] {
  if (!isObject(prediction)) return [`predictions is not an object (got ${typeOf(prediction)})`];
  const problems: string[] = [];
  for (const output of outputs) {
    const expected = KIND_TYPE[output.kind];
    const value = prediction[output.name];
    if (value === undefined) {
      problems.push(`predictions has no "${output.name}" (a ${output.kind} output in the spec)`);
    } else if (expected && !matches(value, expected)) {
      problems.push(
        `predictions."${output.name}" should be ${expected} (a ${output.kind} output), got ${typeOf(value)}`,
      );
    } else if (
      output.kind === "rules" &&
      !(value as unknown[]).every((x) => typeof x === "string")
    ) {
      problems.push(`predictions."${output.name}" should be a list of labels (strings)`);
    }
  }
  return problems;
}

/** The declared outputs from an /info body, tolerating an older server without them. */
export function outputsOf(info: unknown): OutputDecl[] {
  if (!isObject(info) || !Array.isArray(info.outputs)) return [];
  return info.outputs.filter(
    (o): o is OutputDecl => isObject(o) && typeof o.name === "string" && typeof o.kind === "string",
  );
}
