/**
 * A small, deterministic random forest for binary classification, in the manner of
 * scikit-learn's RandomForestClassifier: bootstrap samples (as integer weights), a fresh random
 * subset of features at every split, Gini impurity, exact thresholds halfway between adjacent
 * values, and a probability that is the mean over trees of each leaf's positive-class share.
 *
 * Why not ml-random-forest: its CART tries every split value by re-partitioning the node
 * (quadratic: 2,000 rows × 10 trees took 8.2 s here, so 100 trees on our data would take many
 * minutes), and its predictProbability drops the first tree's vote (a reduce without an initial
 * value), so it has no usable probabilities.
 */
import { mulberry32 } from "./generate-data.js";

export interface ForestOptions {
  trees: number;
  /** Features tried at each split (scikit-learn's max_features; sqrt(F) is its default). */
  maxFeatures: number;
  minSamplesLeaf: number;
  maxDepth: number;
  seed: number;
}

/** One tree, flattened: node 0 is the root; a leaf has feature -1. x[feature] < threshold → left. */
export interface Tree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  /** Leaves only: the weighted share of positive samples that reached the leaf. */
  value: number[];
}

export interface Forest {
  nFeatures: number;
  trees: Tree[];
}

interface Data {
  X: Float32Array;
  y: Uint8Array;
  F: number;
  /** Per feature: the sorted distinct values, and each row's index into them. */
  levels: Float64Array[];
  rank: Uint32Array[];
}

function prepare(X: Float32Array, y: Uint8Array, F: number): Data {
  const n = y.length;
  const levels: Float64Array[] = [];
  const rank: Uint32Array[] = [];
  for (let f = 0; f < F; f++) {
    const column = new Float64Array(n);
    for (let i = 0; i < n; i++) column[i] = X[i * F + f] ?? 0;
    const distinct = Float64Array.from(new Set(column)).sort();
    const index = new Map<number, number>();
    distinct.forEach((v, k) => index.set(v, k));
    levels.push(distinct);
    rank.push(Uint32Array.from(column, (v) => index.get(v) ?? 0));
  }
  return { X, y, F, levels, rank };
}

interface Split {
  feature: number;
  threshold: number;
  score: number;
}

/** Best Gini split of rows idx[start, end) on feature f, or undefined if f is constant there. */
function bestSplitOn(
  d: Data,
  w: Uint16Array,
  idx: Int32Array,
  start: number,
  end: number,
  f: number,
  minLeaf: number,
  keys: Float64Array,
): Split | undefined {
  const n = end - start;
  const rank = d.rank[f];
  const levels = d.levels[f];
  if (!rank || !levels) return undefined;
  // Sort by (rank, position) packed in one double: a native numeric sort, no comparator calls.
  for (let j = 0; j < n; j++) keys[j] = (rank[idx[start + j] ?? 0] ?? 0) * n + j;
  const sorted = keys.subarray(0, n).sort();
  let total = 0;
  let totalPos = 0;
  for (let j = start; j < end; j++) {
    const i = idx[j] ?? 0;
    total += w[i] ?? 0;
    totalPos += (w[i] ?? 0) * (d.y[i] ?? 0);
  }
  let best: Split | undefined;
  let leftW = 0;
  let leftPos = 0;
  for (let j = 0; j < n - 1; j++) {
    const key = sorted[j] ?? 0;
    const i = idx[start + (key % n)] ?? 0;
    leftW += w[i] ?? 0;
    leftPos += (w[i] ?? 0) * (d.y[i] ?? 0);
    const r = Math.floor(key / n);
    const nextR = Math.floor((sorted[j + 1] ?? 0) / n);
    if (r === nextR || j + 1 < minLeaf || n - j - 1 < minLeaf) continue;
    const rightW = total - leftW;
    const rightPos = totalPos - leftPos;
    const leftNeg = leftW - leftPos;
    const rightNeg = rightW - rightPos;
    // Maximising Σ (count_c² / size) over both sides is minimising the weighted Gini impurity.
    const score =
      (leftPos * leftPos + leftNeg * leftNeg) / leftW +
      (rightPos * rightPos + rightNeg * rightNeg) / rightW;
    if (!best || score > best.score) {
      best = { feature: f, threshold: ((levels[r] ?? 0) + (levels[nextR] ?? 0)) / 2, score };
    }
  }
  return best;
}

function growTree(d: Data, options: ForestOptions, rng: () => number): Tree {
  const n = d.y.length;
  const w = new Uint16Array(n);
  for (let k = 0; k < n; k++) {
    const i = Math.floor(rng() * n);
    w[i] = (w[i] ?? 0) + 1;
  }
  const inBag: number[] = [];
  for (let i = 0; i < n; i++) if ((w[i] ?? 0) > 0) inBag.push(i);
  const idx = Int32Array.from(inBag);
  const scratch = new Int32Array(idx.length);
  const keys = new Float64Array(idx.length);
  const order = Array.from({ length: d.F }, (_, f) => f);
  const tree: Tree = { feature: [], threshold: [], left: [], right: [], value: [] };

  const grow = (start: number, end: number, depth: number): number => {
    const node = tree.feature.length;
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    let total = 0;
    let positive = 0;
    for (let j = start; j < end; j++) {
      const i = idx[j] ?? 0;
      total += w[i] ?? 0;
      positive += (w[i] ?? 0) * (d.y[i] ?? 0);
    }
    tree.value.push(positive / total);
    const pure = positive === 0 || positive === total;
    if (pure || depth >= options.maxDepth || end - start < 2 * options.minSamplesLeaf) return node;

    // A fresh random feature order per node; like scikit-learn, keep looking past maxFeatures
    // only while no valid split has been found.
    for (let k = order.length - 1; k > 0; k--) {
      const m = Math.floor(rng() * (k + 1));
      [order[k], order[m]] = [order[m] ?? 0, order[k] ?? 0];
    }
    let best: Split | undefined;
    let tried = 0;
    for (const f of order) {
      if (tried >= options.maxFeatures && best) break;
      const split = bestSplitOn(d, w, idx, start, end, f, options.minSamplesLeaf, keys);
      tried++;
      if (split && (!best || split.score > best.score)) best = split;
    }
    const parentScore = (positive * positive + (total - positive) ** 2) / total;
    if (!best || best.score <= parentScore + 1e-12) return node;

    // Stable partition of idx[start, end) into left (x < threshold) then right.
    let l = start;
    let r = 0;
    for (let j = start; j < end; j++) {
      const i = idx[j] ?? 0;
      if ((d.X[i * d.F + best.feature] ?? 0) < best.threshold) idx[l++] = i;
      else scratch[r++] = i;
    }
    idx.set(scratch.subarray(0, r), l);
    tree.feature[node] = best.feature;
    tree.threshold[node] = best.threshold;
    tree.left[node] = grow(start, l, depth + 1);
    tree.right[node] = grow(l, end, depth + 1);
    return node;
  };
  grow(0, idx.length, 0);
  return tree;
}

/** Trains on row-major X [N, F] (float32, as the serving pipeline produces) and labels y ∈ {0, 1}. */
export function trainForest(
  X: Float32Array,
  y: Uint8Array,
  F: number,
  options: ForestOptions,
): Forest {
  const d = prepare(X, y, F);
  const rng = mulberry32(options.seed);
  const trees = Array.from({ length: options.trees }, () => growTree(d, options, rng));
  return { nFeatures: F, trees };
}

function leafValue(tree: Tree, X: Float32Array, offset: number): number {
  let node = 0;
  for (;;) {
    const f = tree.feature[node] ?? -1;
    if (f < 0) return tree.value[node] ?? 0;
    node =
      ((X[offset + f] ?? 0) < (tree.threshold[node] ?? 0) ? tree.left[node] : tree.right[node]) ??
      0;
  }
}

/** Positive-class probability of each row: the mean of the trees' leaf values. */
export function predictForest(forest: Forest, X: Float32Array): Float64Array {
  const F = forest.nFeatures;
  const out = new Float64Array(X.length / F);
  for (let r = 0; r < out.length; r++) {
    let sum = 0;
    for (const tree of forest.trees) sum += leafValue(tree, X, r * F);
    out[r] = sum / forest.trees.length;
  }
  return out;
}
