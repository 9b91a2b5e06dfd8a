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

/** Words: maximal runs of letters and digits, of every script. */
const WORD = /[\p{L}\p{N}]+/gu;

interface WordTrie {
  next: Map<string, WordTrie>;
  /** The first rule (lowest index) a phrase ending here belongs to; Infinity: none. */
  rule: number;
}

/**
 * The rules of a keywords feature as one matcher: which rule (its index) is the first, in order,
 * with any phrase found in the text as whole words — "vp" matches "VP of Sales" but not "MVP";
 * the spaces inside a phrase match any run of whitespace or punctuation ("vice-president"),
 * letters and digits of every script are word characters, case is ignored. -1: none.
 *
 * The text is split into words once and walked through a trie of the phrases' words, so the
 * work is linear in the text whatever the spec holds: at most SPEC_LIMITS.phraseWords steps a
 * word (./limits.ts; longer phrases are refused when the spec is read).
 * (One regular expression of every phrase backtracked over every position: 20,000 phrases
 * against a 100 KB string held the event loop 85 s.)
 */
export function keywordMatcher(rules: readonly (readonly string[])[]): (text: string) => number {
  const root: WordTrie = { next: new Map(), rule: Infinity };
  rules.forEach((phrases, index) => {
    for (const phrase of phrases) {
      const words = phrase.toLowerCase().match(WORD);
      if (!words) continue;
      let node = root;
      for (const word of words) {
        let child = node.next.get(word);
        if (!child) {
          child = { next: new Map(), rule: Infinity };
          node.next.set(word, child);
        }
        node = child;
      }
      node.rule = Math.min(node.rule, index);
    }
  });
  return (text) => {
    const words = text.toLowerCase().match(WORD);
    if (!words) return -1;
    let best = Infinity;
    for (let start = 0; start < words.length && best > 0; start++) {
      let node: WordTrie | undefined = root;
      for (let i = start; i < words.length; i++) {
        node = node.next.get(words[i] as string);
        if (!node) break;
        if (node.rule < best) best = node.rule;
      }
    }
    return best === Infinity ? -1 : best;
  };
}

function keywordsEncoder(f: KeywordsFeature): ColumnEncoder {
  const { field } = f;
  const match = keywordMatcher(f.rules.map((r) => r.any));
  const values = f.rules.map((r) => r.value);
  const fallback = f.default;
  return (row) => {
    const v = row[field];
    if (typeof v !== "string") return fallback;
    const rule = match(v);
    return rule < 0 ? fallback : (values[rule] ?? fallback);
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
