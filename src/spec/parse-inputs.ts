import { compileInputValidator } from "./input-validator.js";
import { compilePattern, SPEC_LIMITS } from "./limits.js";
import { describeValue, isObject, joinPath } from "./reader.js";
import type { JsonObject, SpecReader } from "./reader.js";
import type { InputProperty, InputSchema, InputType, SpecFormatVersion } from "./types.js";

const INPUT_TYPES: readonly InputType[] = ["number", "integer", "string", "boolean", "array"];
const SCHEMA_KEYS = [
  "type",
  "description",
  "properties",
  "required",
  "additionalProperties",
  "examples",
];
const PROPERTY_KEYS = [
  "type",
  "description",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "enum",
  "minLength",
  "maxLength",
  "pattern",
  "items",
  "minItems",
  "maxItems",
  "examples",
];
const ARRAY_KEYS = ["items", "minItems", "maxItems"] as const;
const ITEM_KEYS = ["type", "minimum", "maximum"];
const NUMERIC_KEYS = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"] as const;
const STRING_KEYS = ["minLength", "maxLength", "pattern"] as const;
// Input field names become paths in 422s and keys of plain objects: keep them identifiers.
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

function matchesType(value: unknown, type: InputType): boolean {
  if (type === "integer") return Number.isInteger(value);
  if (type === "number") return typeof value === "number" && Number.isFinite(value);
  return typeof value === type;
}

/**
 * An `array` field (version 2): a fixed-length vector of numbers computed upstream, read by a
 * `vector` feature. minItems and maxItems are both required and equal: the model's width.
 */
function readArrayProperty(
  r: SpecReader,
  obj: JsonObject,
  path: string,
  out: Record<string, unknown>,
): InputProperty | undefined {
  const itemsPath = joinPath(path, "items");
  const items = obj.items === undefined ? undefined : r.object(obj.items, itemsPath);
  if (obj.items === undefined) r.add(itemsPath, 'is required: {"type": "number"} or "integer"');
  let itemType: "number" | "integer" | undefined;
  const item: Record<string, unknown> = {};
  if (items) {
    r.onlyKeys(items, itemsPath, ITEM_KEYS);
    itemType = r.choice(items, "type", itemsPath, ["number", "integer"] as const);
    for (const key of ["minimum", "maximum"]) {
      if (items[key] !== undefined) item[key] = r.number(items, key, itemsPath);
    }
    const lo = item.minimum;
    const hi = item.maximum;
    if (typeof lo === "number" && typeof hi === "number" && lo > hi) {
      r.add(joinPath(itemsPath, "maximum"), `must be ≥ minimum (${lo}), got ${hi}`);
    }
  }
  const lengthRule = { integer: true, min: 1, max: SPEC_LIMITS.vectorLength };
  const min = r.number(obj, "minItems", path, lengthRule);
  const max = r.number(obj, "maxItems", path, lengthRule);
  if (min !== undefined && max !== undefined && min !== max) {
    r.add(
      joinPath(path, "maxItems"),
      `must equal minItems (${min}), got ${max}: a vector has a fixed length, the model's width`,
    );
  }
  if (!itemType || min === undefined || max === undefined || min !== max) return undefined;
  return {
    ...out,
    items: { type: itemType, ...item },
    minItems: min,
    maxItems: max,
  } as InputProperty;
}

function readProperty(
  r: SpecReader,
  value: unknown,
  path: string,
  version: SpecFormatVersion,
): InputProperty | undefined {
  const obj = r.object(value, path);
  if (!obj) return undefined;
  r.onlyKeys(obj, path, PROPERTY_KEYS);
  const type = r.choice(obj, "type", path, INPUT_TYPES);
  if (!type) return undefined;
  if (type === "array" && version === 1) {
    r.add(joinPath(path, "type"), `"array" is a version 2 type: set "modelgate": 2 to use it`);
    return undefined;
  }
  for (const key of ARRAY_KEYS) {
    if (type !== "array" && obj[key] !== undefined) {
      r.add(joinPath(path, key), "only applies to array fields");
    }
  }
  const numeric = type === "number" || type === "integer";
  const out: Record<string, unknown> = { type };
  const description = r.string(obj, "description", path, true);
  if (description !== undefined) out.description = description;
  if (type === "array") {
    for (const key of [...NUMERIC_KEYS, ...STRING_KEYS, "enum"]) {
      if (obj[key] !== undefined) {
        r.add(joinPath(path, key), `does not apply to array fields (bound the items instead)`);
      }
    }
    const examples = obj.examples === undefined ? undefined : r.array(obj, "examples", path);
    if (examples) out.examples = examples;
    return readArrayProperty(r, obj, path, out);
  }

  for (const key of NUMERIC_KEYS) {
    if (obj[key] === undefined) continue;
    if (!numeric) r.add(joinPath(path, key), `only applies to number or integer fields`);
    else out[key] = r.number(obj, key, path);
  }
  for (const key of STRING_KEYS) {
    if (obj[key] === undefined) continue;
    if (type !== "string") r.add(joinPath(path, key), "only applies to string fields");
    else if (key === "pattern") out.pattern = readPattern(r, obj, path);
    else out[key] = r.number(obj, key, path, { integer: true, min: 0 });
  }
  const min = out.minimum;
  const max = out.maximum;
  if (typeof min === "number" && typeof max === "number" && min > max) {
    r.add(joinPath(path, "maximum"), `must be ≥ minimum (${min}), got ${max}`);
  }
  if (obj.enum !== undefined) {
    const values = r.array(obj, "enum", path);
    values?.forEach((v, i) => {
      if (!matchesType(v, type)) {
        r.add(`${joinPath(path, "enum")}[${i}]`, `expected ${type}, got ${describeValue(v)}`);
      }
    });
    if (values) out.enum = values;
  }
  if (obj.examples !== undefined) {
    const examples = r.array(obj, "examples", path);
    if (examples) out.examples = examples;
  }
  return out as unknown as InputProperty;
}

function readPattern(r: SpecReader, obj: JsonObject, path: string): string | undefined {
  const pattern = r.string(obj, "pattern", path);
  if (pattern === undefined) return undefined;
  // Checked the way the input validator will run it (RE2), so the spec fails here, not later.
  const compiled = compilePattern(pattern);
  if (typeof compiled === "string") {
    r.add(joinPath(path, "pattern"), compiled);
    return undefined;
  }
  return pattern;
}

/** A declared input field as features and rules see it: its type, and an array's length. */
export interface DeclaredField {
  type: InputType;
  length?: number;
}

/**
 * Every field named in inputs.properties → its declaration, or undefined when the field's own
 * declaration is broken (already reported; features using it are then not blamed as well).
 */
export type DeclaredFields = ReadonlyMap<string, DeclaredField | undefined>;

export interface ReadInputs {
  schema?: InputSchema;
  /** Undefined when inputs.properties itself is unreadable: consistency checks are skipped. */
  declared?: DeclaredFields;
}

/** Reads `inputs`, keeping only the JSON Schema keywords modelgate supports. */
export function readInputSchema(
  r: SpecReader,
  value: unknown,
  path: string,
  version: SpecFormatVersion = 2,
): ReadInputs {
  const obj = r.object(value, path);
  if (!obj) return {};
  r.onlyKeys(obj, path, SCHEMA_KEYS);
  if (obj.type !== "object") {
    r.add(joinPath(path, "type"), `must be "object", got ${describeValue(obj.type)}`);
  }
  if (obj.additionalProperties !== undefined && obj.additionalProperties !== false) {
    // Unknown input fields are refused so that a misspelt field is named, not silently ignored.
    r.add(joinPath(path, "additionalProperties"), "must be false (unknown fields are refused)");
  }
  const description = r.string(obj, "description", path, true);
  const propsPath = joinPath(path, "properties");
  const propsObj = obj.properties === undefined ? undefined : r.object(obj.properties, propsPath);
  if (obj.properties === undefined) r.add(propsPath, "is required");
  const properties: Record<string, InputProperty> = {};
  const declared = new Map<string, DeclaredField | undefined>();
  const entries = Object.entries(propsObj ?? {});
  if (entries.length > SPEC_LIMITS.inputFields) {
    // Each field is compiled into the validator: past this, loading alone would stall serving.
    r.add(
      propsPath,
      `declares ${entries.length} fields; a spec may declare at most ${SPEC_LIMITS.inputFields}`,
    );
    return {};
  }
  const patterns = entries.filter(([, raw]) => isObject(raw) && raw.pattern !== undefined).length;
  if (patterns > SPEC_LIMITS.patterns) {
    r.add(
      propsPath,
      `declares ${patterns} fields with a pattern; a spec may declare at most ${SPEC_LIMITS.patterns}`,
    );
    return {};
  }
  for (const [name, raw] of entries) {
    if (!FIELD_NAME.test(name) || name === "__proto__") {
      r.add(joinPath(propsPath, name), "field names must be identifiers (letters, digits, _)");
      continue;
    }
    const prop = readProperty(r, raw, joinPath(propsPath, name), version);
    if (prop) properties[name] = prop;
    declared.set(
      name,
      prop &&
        (prop.maxItems === undefined
          ? { type: prop.type }
          : { type: prop.type, length: prop.maxItems }),
    );
  }
  if (propsObj && Object.keys(propsObj).length === 0) r.add(propsPath, "must not be empty");

  const required: string[] = [];
  const reqPath = joinPath(path, "required");
  if (obj.required !== undefined && !Array.isArray(obj.required)) {
    r.add(reqPath, `expected an array of field names, got ${describeValue(obj.required)}`);
  } else if (Array.isArray(obj.required)) {
    obj.required.forEach((name: unknown, i) => {
      if (typeof name !== "string" || !(propsObj && Object.hasOwn(propsObj, name))) {
        r.add(`${reqPath}[${i}]`, `${describeValue(name)} is not a field in ${propsPath}`);
      } else if (required.includes(name)) {
        r.add(`${reqPath}[${i}]`, `"${name}" is listed twice`);
      } else required.push(name);
    });
  }
  const schema: InputSchema = {
    type: "object",
    ...(description !== undefined ? { description } : {}),
    properties,
    required,
    additionalProperties: false,
  };
  const examples = readExamples(r, obj, path, schema);
  if (examples) return { schema: { ...schema, examples }, ...(propsObj ? { declared } : {}) };
  return propsObj ? { schema, declared } : { schema };
}

/**
 * `examples`: whole input objects, each checked by the same validator requests meet, so an
 * example the model would refuse (a 422 in a post-deploy smoke test) fails the spec instead.
 */
function readExamples(
  r: SpecReader,
  obj: JsonObject,
  path: string,
  schema: InputSchema,
): Readonly<Record<string, unknown>>[] | undefined {
  if (obj.examples === undefined) return undefined;
  const list = r.array(obj, "examples", path);
  if (!list) return undefined;
  const at = joinPath(path, "examples");
  if (list.length > SPEC_LIMITS.inputExamples) {
    r.add(
      at,
      `lists ${list.length} examples; a spec may list at most ${SPEC_LIMITS.inputExamples}`,
    );
    return undefined;
  }
  const validate = compileInputValidator({ inputs: schema });
  const before = r.problems.length;
  list.forEach((example, i) => {
    for (const p of validate(example, `${at}[${i}]`)) r.add(p.field, p.problem);
  });
  return r.problems.length === before ? (list as Record<string, unknown>[]) : undefined;
}
