import type {
  CategoryFeature,
  FeatureSpec,
  KeywordsFeature,
  ModelSpec,
  NumericFeature,
  VectorFeature,
} from "./types.js";

type Row = Readonly<Record<string, unknown>>;

/** Turns one (already validated) input object into one column value. */
type ColumnEncoder = (row: Row) => number;

/** Writes one feature's columns of one row into the tensor, from position `at`. */
type FeatureWriter = (row: Row, out: Float32Array, at: number) => void;

export interface FeaturePipeline {
  /** F, the number of columns. */
  readonly width: number;
  /** One name a column: a vector feature's columns are `name[0]`, `name[1]`, ... */
  readonly names: readonly string[];
  /** Row-major [N, F] float32: feature i of row r at r * F + i. */
  encode(rows: readonly Readonly<Record<string, unknown>>[]): Float32Array;
}

function numericEncoder(f: NumericFeature): ColumnEncoder {
  const { field } = f;
  const lo = f.min ?? -Infinity;
  const hi = f.max ?? Infinity;
  const transform =
    f.transform === "log1p"
      ? Math.log1p
      : f.transform === "clip"
        ? (x: number) => Math.min(hi, Math.max(lo, x))
        : (x: number) => x;
  const fallback = transform(f.default);
  return (row) => {
    const v = row[field];
    if (typeof v !== "number") return fallback;
    const x = transform(v);
    // log1p(-5) is NaN: a model must never see NaN, whatever got past validation.
    return Number.isFinite(x) ? x : fallback;
  };
}

function categoryEncoder(f: CategoryFeature): ColumnEncoder {
  const { field } = f;
  const exact = new Map(Object.entries(f.map));
  const folded = new Map(Object.entries(f.map).map(([k, v]) => [k.trim().toLowerCase(), v]));
  const fallback = f.default;
  if (!f.case_insensitive) {
    return (row) => {
      const v = row[field];
      return typeof v === "string" ? (exact.get(v) ?? fallback) : fallback;
    };
  }
  return (row) => {
    const v = row[field];
    if (typeof v !== "string") return fallback;
    // The exact lookup first: the common case then allocates no lower-cased copy.
    return exact.get(v) ?? folded.get(v.trim().toLowerCase()) ?? fallback;
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * One regular expression per rule, matching any of its phrases as whole words: "vp" matches
 * "VP of Sales" but not "MVP"; the spaces inside a phrase match any run of whitespace or
 * punctuation ("vice-president"). Letters and digits of every script count as word characters.
 */
export function keywordPattern(phrases: readonly string[]): RegExp {
  const alternatives = phrases.map((p) =>
    p
      .trim()
      .split(/[^\p{L}\p{N}]+/u)
      .filter((w) => w !== "")
      .map(escapeRegExp)
      .join("[^\\p{L}\\p{N}]+"),
  );
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives.join("|")})(?![\\p{L}\\p{N}])`, "iu");
}

function keywordsEncoder(f: KeywordsFeature): ColumnEncoder {
  const { field } = f;
  const rules = f.rules.map((r) => ({ pattern: keywordPattern(r.any), value: r.value }));
  const fallback = f.default;
  return (row) => {
    const v = row[field];
    if (typeof v !== "string") return fallback;
    for (const rule of rules) if (rule.pattern.test(v)) return rule.value;
    return fallback;
  };
}

/** A vector field copied as it is; validation made it `length` finite numbers. */
function vectorWriter(f: VectorFeature): FeatureWriter {
  const { field, length } = f;
  const fallback = f.default;
  return (row, out, at) => {
    const v = row[field];
    if (!Array.isArray(v) || v.length !== length) {
      out.fill(fallback, at, at + length);
      return;
    }
    for (let i = 0; i < length; i++) {
      const x: unknown = v[i];
      out[at + i] = typeof x === "number" && Number.isFinite(x) ? x : fallback;
    }
  };
}

function columnEncoder(f: Exclude<FeatureSpec, VectorFeature>): ColumnEncoder {
  switch (f.kind) {
    case "numeric":
      return numericEncoder(f);
    case "boolean": {
      const { field } = f;
      const fallback = f.default ? 1 : 0;
      return (row) => {
        const v = row[field];
        return typeof v === "boolean" ? (v ? 1 : 0) : fallback;
      };
    }
    case "category":
      return categoryEncoder(f);
    case "keywords":
      return keywordsEncoder(f);
  }
}

/**
 * Compiles the spec's feature list once into the function that builds the model's input tensor.
 * Training (models/*) and serving both call this, so their features are identical by construction.
 */
export function compileFeaturePipeline(spec: Pick<ModelSpec, "features">): FeaturePipeline {
  const names: string[] = [];
  const writers: [FeatureWriter, number][] = [];
  for (const f of spec.features) {
    if (f.kind === "vector") {
      for (let i = 0; i < f.length; i++) names.push(`${f.name}[${i}]`);
      writers.push([vectorWriter(f), f.length]);
    } else {
      names.push(f.name);
      const encode = columnEncoder(f);
      writers.push([(row, out, at) => (out[at] = encode(row)), 1]);
    }
  }
  const width = names.length;
  const count = writers.length;
  return {
    width,
    names,
    encode(rows) {
      const out = new Float32Array(rows.length * width);
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r] ?? {};
        let at = r * width;
        for (let c = 0; c < count; c++) {
          const writer = writers[c];
          if (!writer) continue;
          writer[0](row, out, at);
          at += writer[1];
        }
      }
      return out;
    },
  };
}

const compiled = new WeakMap<object, FeaturePipeline>();

/** Convenience over compileFeaturePipeline, compiling once per spec object (cached). */
export function encodeFeatures(
  spec: Pick<ModelSpec, "features">,
  rows: readonly Readonly<Record<string, unknown>>[],
): Float32Array {
  let pipeline = compiled.get(spec);
  if (!pipeline) {
    pipeline = compileFeaturePipeline(spec);
    compiled.set(spec, pipeline);
  }
  return pipeline.encode(rows);
}
