/**
 * An input to send to a model's predict, from its input schema (GET /api/v1/models/{id}/info):
 * the schema's own `examples[0]` when it declares one, else one built from the required fields —
 * each field's first example or enum value, else the smallest value its type and bounds allow.
 * The point is a request the service must accept, so whatever comes back is about the service.
 */

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

interface FieldSchema {
  type?: unknown;
  enum?: unknown;
  examples?: unknown;
  minimum?: unknown;
  maximum?: unknown;
  exclusiveMinimum?: unknown;
  exclusiveMaximum?: unknown;
  minLength?: unknown;
  maxLength?: unknown;
  pattern?: unknown;
}

export type ExampleResult =
  { ok: true; input: Record<string, Json>; from: string } | { ok: false; reason: string };

const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v) ? v : undefined;

function fitsType(value: unknown, type: unknown): value is Json {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    default:
      return false;
  }
}

function numberFor(field: FieldSchema, integer: boolean): number | undefined {
  const min = num(field.minimum);
  const exMin = num(field.exclusiveMinimum);
  const max = num(field.maximum);
  const exMax = num(field.exclusiveMaximum);
  let value = min ?? (exMin !== undefined ? exMin + (integer ? 1 : 0.5) : 1);
  if (integer) value = Math.ceil(value);
  if (max !== undefined && value > max) value = integer ? Math.floor(max) : max;
  if (exMax !== undefined && value >= exMax) return undefined;
  return value;
}

function stringFor(field: FieldSchema): string | undefined {
  if (typeof field.pattern === "string") return undefined; // cannot be built safely from a pattern
  const min = num(field.minLength) ?? 0;
  const max = num(field.maxLength);
  let text = "example";
  if (text.length < min) text = text.padEnd(min, "x");
  if (max !== undefined) text = text.slice(0, max);
  return text.length >= min ? text : undefined;
}

/** A value for one field, or undefined when none can be made without guessing. */
export function exampleValue(field: FieldSchema): Json | undefined {
  if (Array.isArray(field.examples)) {
    const first = field.examples.find((v) => fitsType(v, field.type));
    if (first !== undefined) return first;
  }
  if (Array.isArray(field.enum)) {
    const first = field.enum.find((v) => fitsType(v, field.type));
    if (first !== undefined) return first;
  }
  switch (field.type) {
    case "boolean":
      return true;
    case "integer":
      return numberFor(field, true);
    case "number":
      return numberFor(field, false);
    case "string":
      return stringFor(field);
    default:
      return undefined;
  }
}

export function exampleInput(schema: unknown): ExampleResult {
  if (!schema || typeof schema !== "object") {
    return { ok: false, reason: "the model has no input schema yet (its package was never read)" };
  }
  const s = schema as { properties?: unknown; required?: unknown; examples?: unknown };
  if (Array.isArray(s.examples) && s.examples[0] && typeof s.examples[0] === "object") {
    return {
      ok: true,
      input: s.examples[0] as Record<string, Json>,
      from: "the input schema's first example",
    };
  }
  const properties = (
    s.properties && typeof s.properties === "object" ? s.properties : {}
  ) as Record<string, FieldSchema>;
  const required = Array.isArray(s.required)
    ? s.required.filter((r): r is string => typeof r === "string")
    : [];
  const input: Record<string, Json> = {};
  for (const name of required) {
    const field = properties[name];
    const value = field ? exampleValue(field) : undefined;
    if (value === undefined) {
      return {
        ok: false,
        reason: `no value can be made for the required field "${name}" from its schema: give one with --input`,
      };
    }
    input[name] = value;
  }
  return { ok: true, input, from: "the required fields of the input schema" };
}
