import { SPEC_LIMITS } from "./limits.js";
import { isObject, joinPath } from "./reader.js";
import type { JsonObject, SpecReader } from "./reader.js";
import type { DeclaredFields } from "./parse-inputs.js";
import type {
  FeatureSpec,
  InputType,
  KeywordRule,
  NumericTransform,
  SpecFormatVersion,
} from "./types.js";

const KINDS = ["numeric", "boolean", "category", "keywords", "vector"] as const;
const TRANSFORMS: readonly NumericTransform[] = ["none", "log1p", "clip"];
const COMMON_KEYS = ["name", "kind", "field", "default"];
const KEYS_BY_KIND: Record<(typeof KINDS)[number], readonly string[]> = {
  numeric: [...COMMON_KEYS, "transform", "min", "max"],
  boolean: COMMON_KEYS,
  category: [...COMMON_KEYS, "map", "case_insensitive"],
  keywords: [...COMMON_KEYS, "rules"],
  vector: [...COMMON_KEYS, "length"],
};
/** Which input types each feature kind can read. */
const FIELD_TYPES: Record<(typeof KINDS)[number], readonly InputType[]> = {
  numeric: ["number", "integer"],
  boolean: ["boolean"],
  category: ["string"],
  keywords: ["string"],
  vector: ["array"],
};

function readMap(r: SpecReader, obj: JsonObject, path: string, fold: boolean) {
  const mapPath = joinPath(path, "map");
  const map = obj.map;
  const values = isObject(map) ? Object.values(map) : [];
  if (!isObject(map) || values.length === 0 || values.some((v) => !Number.isFinite(v))) {
    r.add(mapPath, "expected a non-empty object of numbers");
    return undefined;
  }
  if (fold) {
    // With case_insensitive, "Finance" and "finance" would silently shadow each other.
    const seen = new Set<string>();
    for (const key of Object.keys(map)) {
      const folded = key.trim().toLowerCase();
      if (seen.has(folded)) r.add(joinPath(mapPath, key), "duplicates another key ignoring case");
      seen.add(folded);
    }
  }
  return map as Record<string, number>;
}

function readRules(r: SpecReader, obj: JsonObject, path: string): KeywordRule[] | undefined {
  const list = r.array(obj, "rules", path);
  if (!list) return undefined;
  const rules: KeywordRule[] = [];
  list.forEach((raw, i) => {
    const rulePath = `${joinPath(path, "rules")}[${i}]`;
    const rule = r.object(raw, rulePath);
    if (!rule) return;
    r.onlyKeys(rule, rulePath, ["any", "value"]);
    const value = r.number(rule, "value", rulePath);
    const any = r.array(rule, "any", rulePath);
    const words = any?.filter((w): w is string => typeof w === "string" && /\w/u.test(w));
    if (any && words?.length !== any.length) {
      r.add(joinPath(rulePath, "any"), "expected an array of words or phrases");
    } else if (words && value !== undefined) {
      // Matching walks at most this many words from each word of the text (features.ts).
      const long = words.findIndex(
        (w) => (w.match(/[\p{L}\p{N}]+/gu)?.length ?? 0) > SPEC_LIMITS.phraseWords,
      );
      if (long >= 0) {
        r.add(
          `${joinPath(rulePath, "any")}[${long}]`,
          `a phrase of more than ${SPEC_LIMITS.phraseWords} words; keyword phrases are at most ${SPEC_LIMITS.phraseWords} words long`,
        );
      } else rules.push({ any: words, value });
    }
  });
  return rules;
}

function readDefault(r: SpecReader, obj: JsonObject, path: string, kind: string) {
  if (obj.default === undefined) return kind === "boolean" ? false : 0;
  return kind === "boolean" ? r.boolean(obj, "default", path) : r.number(obj, "default", path);
}

/**
 * A vector's length is its field's fixed length; `length` may repeat it (the parsed spec does),
 * and must then agree.
 */
function readVectorLength(
  r: SpecReader,
  obj: JsonObject,
  path: string,
  fieldLength: number | undefined,
): number | undefined {
  const given = r.number(obj, "length", path, { optional: true, integer: true, min: 1 });
  if (given !== undefined && fieldLength !== undefined && given !== fieldLength) {
    r.add(
      joinPath(path, "length"),
      `is ${given} but its field holds ${fieldLength} numbers (minItems/maxItems)`,
    );
    return undefined;
  }
  return fieldLength ?? given;
}

function readFeature(
  r: SpecReader,
  raw: unknown,
  path: string,
  declared: DeclaredFields | undefined,
  version: SpecFormatVersion,
) {
  const obj = r.object(raw, path);
  if (!obj) return undefined;
  const kind = r.choice(obj, "kind", path, KINDS);
  const name = r.string(obj, "name", path);
  const field = r.string(obj, "field", path);
  if (!kind) return undefined;
  if (kind === "vector" && version === 1) {
    r.add(joinPath(path, "kind"), `"vector" is a version 2 kind: set "modelgate": 2 to use it`);
    return undefined;
  }
  r.onlyKeys(obj, path, KEYS_BY_KIND[kind]);
  const fallback = readDefault(r, obj, path, kind);

  if (field !== undefined && declared) {
    const type = declared.get(field)?.type;
    const allowed = FIELD_TYPES[kind];
    if (!declared.has(field)) {
      r.add(joinPath(path, "field"), `"${field}" is not declared in inputs.properties`);
    } else if (type && !allowed.includes(type)) {
      const want = allowed.join(" or ");
      r.add(
        joinPath(path, "field"),
        `a ${kind} feature needs a ${want} field; "${field}" is ${type}`,
      );
    }
  }

  let feature: FeatureSpec | undefined;
  const base = { name: name ?? "", field: field ?? "" };
  if (kind === "numeric") {
    const transform =
      obj.transform === undefined ? "none" : r.choice(obj, "transform", path, TRANSFORMS);
    const min = r.number(obj, "min", path, { optional: true });
    const max = r.number(obj, "max", path, { optional: true });
    // With an unknown transform, whether min/max belong is unknowable: report the transform only.
    if (transform && transform !== "clip" && (obj.min !== undefined || obj.max !== undefined)) {
      r.add(
        joinPath(path, obj.min !== undefined ? "min" : "max"),
        `only applies to "transform": "clip"`,
      );
    }
    if (transform === "clip" && obj.min === undefined && obj.max === undefined) {
      r.add(joinPath(path, "transform"), `"clip" needs "min", "max" or both`);
    }
    if (min !== undefined && max !== undefined && min > max) {
      r.add(joinPath(path, "max"), `must be ≥ min (${min}), got ${max}`);
    }
    if (transform && typeof fallback === "number") {
      feature = { ...base, kind, transform, default: fallback };
      if (min !== undefined) feature = { ...feature, min };
      if (max !== undefined) feature = { ...feature, max };
    }
  } else if (kind === "boolean") {
    if (typeof fallback === "boolean") feature = { ...base, kind, default: fallback };
  } else if (kind === "category") {
    const fold = r.boolean(obj, "case_insensitive", path, true) ?? false;
    const map = readMap(r, obj, path, fold);
    if (map && typeof fallback === "number") {
      feature = { ...base, kind, map, default: fallback, case_insensitive: fold };
    }
  } else if (kind === "keywords") {
    const rules = readRules(r, obj, path);
    if (rules && typeof fallback === "number")
      feature = { ...base, kind, rules, default: fallback };
  } else {
    const length = readVectorLength(r, obj, path, field ? declared?.get(field)?.length : undefined);
    if (length !== undefined && typeof fallback === "number") {
      feature = { ...base, kind, length, default: fallback };
    }
  }
  return name !== undefined && field !== undefined ? feature : undefined;
}

/** Reads `features`: the ordered columns of the model's [N, F] input tensor. */
export function readFeatures(
  r: SpecReader,
  spec: JsonObject,
  declared: DeclaredFields | undefined,
  version: SpecFormatVersion = 2,
): FeatureSpec[] {
  const list = r.array(spec, "features", "");
  if (!list) return [];
  const features: FeatureSpec[] = [];
  const names = new Set<string>();
  list.forEach((raw, i) => {
    const path = `features[${i}]`;
    const feature = readFeature(r, raw, path, declared, version);
    if (!feature) return;
    if (names.has(feature.name)) {
      r.add(`${path}.name`, `"${feature.name}" is used by another feature`);
    }
    names.add(feature.name);
    features.push(feature);
  });
  const width = features.reduce((n, f) => n + (f.kind === "vector" ? f.length : 1), 0);
  if (width > SPEC_LIMITS.vectorLength) {
    // The tensor a request builds is rows × width: bounded here, once for every request.
    r.add(
      "features",
      `make ${width} columns; a model may take at most ${SPEC_LIMITS.vectorLength} per row`,
    );
  }
  return features;
}
