/** Held-out metrics for a binary classifier: p = positive-class probabilities, y ∈ {0, 1}. */

export function accuracy(p: ArrayLike<number>, y: ArrayLike<number>): number {
  let right = 0;
  for (let i = 0; i < y.length; i++) if (((p[i] ?? 0) >= 0.5 ? 1 : 0) === y[i]) right++;
  return right / y.length;
}

/** Area under the ROC curve (Mann–Whitney U), tied scores sharing their average rank. */
export function auc(p: ArrayLike<number>, y: ArrayLike<number>): number {
  const order = Array.from({ length: y.length }, (_, i) => i).sort(
    (a, b) => (p[a] ?? 0) - (p[b] ?? 0),
  );
  let rankSum = 0;
  let positives = 0;
  for (let start = 0; start < order.length;) {
    let end = start;
    const score = p[order[start] ?? 0];
    while (end < order.length && p[order[end] ?? 0] === score) end++;
    const averageRank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) {
      if (y[order[k] ?? 0] === 1) {
        rankSum += averageRank;
        positives++;
      }
    }
    start = end;
  }
  const negatives = y.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function logLoss(p: ArrayLike<number>, y: ArrayLike<number>): number {
  const eps = 1e-15;
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    const q = Math.min(1 - eps, Math.max(eps, p[i] ?? 0));
    sum += y[i] === 1 ? -Math.log(q) : -Math.log(1 - q);
  }
  return sum / y.length;
}
