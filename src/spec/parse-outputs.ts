import { describeValue, joinPath } from "./reader.js";
import type { JsonObject, SpecReader } from "./reader.js";
import type { DeclaredFields } from "./parse-inputs.js";
import { baseSources } from "./parse-runtime.js";
import type { KindInfo } from "./parse-runtime.js";
import type { ModelKind, OutputRule, OutputSpec, ThresholdBand } from "./types.js";

const KINDS = [
  "scale",
  "value",
  "thresholds",
  "rules",
  "confidence",
  "label",
  "probabilities",
  "top_k",
] as const;
type OutputKind = (typeof KINDS)[number];
const KEYS_BY_KIND: Record<OutputKind, readonly string[]> = {
  scale: ["name", "kind", "source", "multiply", "add", "round"],
  value: ["name", "kind", "source", "round"],
  thresholds: ["name", "kind", "source", "bands", "otherwise"],
  rules: ["name", "kind", "rules"],
  confidence: ["name", "kind", "round"],
  label: ["name", "kind"],
  probabilities: ["name", "kind", "round"],
  top_k: ["name", "kind", "k", "round"],
};
/** The model kinds each output kind applies to (the others: every kind with outputs). */
const ONLY_FOR: Partial<Record<OutputKind, readonly ModelKind[]>> = {
  confidence: ["binary", "multiclass"],
  label: ["multiclass"],
  probabilities: ["multiclass"],
  top_k: ["multiclass"],
};
const NUMERIC_KINDS: ReadonlySet<string> = new Set(["scale", "value", "confidence"]);
const COMPARISONS = ["gt", "gte", "lt", "lte"] as const;

function quoteList(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(" or ");
}

/**
 * A source is what the model answers (its probability, its value or a target) or an earlier
 * numeric output (outputs run in order).
 */
function checkSource(
  r: SpecReader,
  obj: JsonObject,
  path: string,
  earlier: readonly OutputSpec[],
  base: readonly string[],
) {
  const source = r.string(obj, "source", path);
  if (source === undefined || base.includes(source)) return source;
  const found = earlier.find((o) => o.name === source);
  if (!found) {
    const known = [...base, ...earlier.filter((o) => NUMERIC_KINDS.has(o.kind)).map((o) => o.name)];
    r.add(
      joinPath(path, "source"),
      `"${source}" is not ${quoteList(base)} or an earlier numeric output (known: ${known.join(", ")})`,
    );
  } else if (!NUMERIC_KINDS.has(found.kind)) {
    r.add(joinPath(path, "source"), `"${source}" is a ${found.kind} output, not a number`);
  }
  return source;
}

function readBands(r: SpecReader, obj: JsonObject, path: string): ThresholdBand[] | undefined {
  const list = r.array(obj, "bands", path);
  if (!list) return undefined;
  const bands: ThresholdBand[] = [];
  list.forEach((raw, i) => {
    const bandPath = `${joinPath(path, "bands")}[${i}]`;
    const band = r.object(raw, bandPath);
    if (!band) return;
    r.onlyKeys(band, bandPath, ["min", "label"]);
    const min = r.number(band, "min", bandPath);
    const label = r.string(band, "label", bandPath);
    const previous = bands[bands.length - 1];
    if (min !== undefined && previous && min >= previous.min) {
      // The first band whose min is reached wins, so an unsorted list would hide bands.
      r.add(
        joinPath(bandPath, "min"),
        `bands must be sorted by descending min; ${min} ≥ ${previous.min}`,
      );
    }
    if (min !== undefined && label !== undefined) bands.push({ min, label });
  });
  return bands;
}

function readRule(r: SpecReader, raw: unknown, path: string, declared: DeclaredFields | undefined) {
  const obj = r.object(raw, path);
  if (!obj) return undefined;
  r.onlyKeys(obj, path, ["field", "label", "equals", ...COMPARISONS]);
  const field = r.string(obj, "field", path);
  const label = r.string(obj, "label", path);
  const type = field === undefined ? undefined : declared?.get(field)?.type;
  if (field !== undefined && declared && !declared.has(field)) {
    r.add(joinPath(path, "field"), `"${field}" is not declared in inputs.properties`);
  }
  const rule: { -readonly [K in keyof OutputRule]: OutputRule[K] } = {
    field: field ?? "",
    label: label ?? "",
  };
  let conditions = 0;
  if (obj.equals !== undefined) {
    conditions++;
    const equals = obj.equals;
    const scalar =
      typeof equals === "string" || typeof equals === "number" || typeof equals === "boolean";
    const sameType = type === undefined || typeof equals === (type === "integer" ? "number" : type);
    if (!scalar || !sameType) {
      r.add(
        joinPath(path, "equals"),
        `expected a ${type ?? "string, number or boolean"}, got ${describeValue(equals)}`,
      );
    } else rule.equals = equals;
  }
  for (const op of COMPARISONS) {
    if (obj[op] === undefined) continue;
    conditions++;
    if (type && type !== "number" && type !== "integer") {
      r.add(joinPath(path, op), `compares numbers but "${field}" is ${type}`);
    }
    rule[op] = r.number(obj, op, path);
  }
  if (conditions === 0) r.add(path, `needs a condition: one of equals, ${COMPARISONS.join(", ")}`);
  return field !== undefined && label !== undefined ? rule : undefined;
}

function readOutput(
  r: SpecReader,
  raw: unknown,
  path: string,
  earlier: readonly OutputSpec[],
  declared: DeclaredFields | undefined,
  info: KindInfo | undefined,
) {
  const obj = r.object(raw, path);
  if (!obj) return undefined;
  const kind = r.choice(obj, "kind", path, KINDS);
  const name = r.string(obj, "name", path);
  if (!kind) return undefined;
  r.onlyKeys(obj, path, KEYS_BY_KIND[kind]);
  const allowed = ONLY_FOR[kind];
  if (info && allowed && !allowed.includes(info.kind)) {
    const version = info.kind === "binary" && kind !== "confidence" ? " (a version 2 spec)" : "";
    r.add(
      joinPath(path, "kind"),
      `"${kind}" only applies to "kind": ${quoteList(allowed)}${version}; this model is "${info.kind}"`,
    );
  }
  const round = r.number(obj, "round", path, { optional: true, integer: true, min: 0, max: 12 });
  const rounding = round === undefined ? {} : { round };
  const n = name ?? "";
  let out: OutputSpec | undefined;
  if (kind === "scale" || kind === "value" || kind === "thresholds") {
    const base = info ? baseSources(info) : ["probability"];
    const source = checkSource(r, obj, path, earlier, base) ?? "";
    if (kind === "scale") {
      const multiply = r.number(obj, "multiply", path, { optional: true }) ?? 1;
      const add = r.number(obj, "add", path, { optional: true }) ?? 0;
      out = { name: n, kind, source, multiply, add, ...rounding };
    } else if (kind === "value") {
      out = { name: n, kind, source, ...rounding };
    } else {
      const bands = readBands(r, obj, path);
      const otherwise = r.string(obj, "otherwise", path);
      if (bands && otherwise !== undefined) out = { name: n, kind, source, bands, otherwise };
    }
  } else if (kind === "rules") {
    const list = r.array(obj, "rules", path) ?? [];
    const rules = list.map((rule, i) =>
      readRule(r, rule, `${joinPath(path, "rules")}[${i}]`, declared),
    );
    out = { name: n, kind, rules: rules.filter((x): x is OutputRule => x !== undefined) };
  } else if (kind === "label") {
    out = { name: n, kind };
  } else if (kind === "top_k") {
    const classes = info?.classes?.length;
    const k = r.number(obj, "k", path, {
      integer: true,
      min: 1,
      ...(classes ? { max: classes } : {}),
    });
    if (k !== undefined) out = { name: n, kind, k, ...rounding };
  } else {
    out = { name: n, kind, ...rounding };
  }
  return name === undefined ? undefined : out;
}

/** Reads `outputs`: the response fields, computed in order from what the model answers. */
export function readOutputs(
  r: SpecReader,
  spec: JsonObject,
  declared: DeclaredFields | undefined,
  info: KindInfo | undefined,
): OutputSpec[] {
  const list = r.array(spec, "outputs", "");
  if (!list) return [];
  const outputs: OutputSpec[] = [];
  list.forEach((raw, i) => {
    const path = `outputs[${i}]`;
    const output = readOutput(r, raw, path, outputs, declared, info);
    if (!output) return;
    if (outputs.some((o) => o.name === output.name)) {
      r.add(`${path}.name`, `"${output.name}" is used by another output`);
    }
    outputs.push(output);
  });
  return outputs;
}
