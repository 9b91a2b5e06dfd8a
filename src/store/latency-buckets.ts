/**
 * Latency histograms for usage summaries. Hourly rollups keep, per key, model and hour, how many
 * requests fell in each latency bucket; p50/p95 are read from the merged buckets, so a summary
 * never sorts raw records (a million of them took seconds) and still answers after the raw
 * records expired.
 *
 * Buckets grow geometrically (each 2^(1/4) ≈ 19 % wider than the last, from 0.05 ms), the
 * scheme of HdrHistogram/DDSketch: the error is relative, so 1 ms and 10 s are both read to
 * within half a bucket (≤ ~9.5 %, usually far less after interpolation). Bucket 0 holds
 * everything under 0.05 ms; the last one everything over ~23 minutes.
 */

/** The upper bound of bucket 0, in milliseconds. */
export const BUCKET_FLOOR_MS = 0.05;
/** Each bucket's upper bound over its lower bound. */
export const BUCKET_GROWTH = 2 ** 0.25;
export const LAST_BUCKET = 100;

const LOG_GROWTH = Math.log(BUCKET_GROWTH);

/** The bucket a latency falls in: 0 … LAST_BUCKET. */
export function bucketOf(latencyMs: number): number {
  if (!(latencyMs >= BUCKET_FLOOR_MS)) return 0; // also NaN
  const b = 1 + Math.floor(Math.log(latencyMs / BUCKET_FLOOR_MS) / LOG_GROWTH);
  return Math.min(b, LAST_BUCKET);
}

/** [lower, upper) of a bucket in milliseconds; the last bucket's upper is its lower. */
export function bucketBounds(bucket: number): [number, number] {
  if (bucket <= 0) return [0, BUCKET_FLOOR_MS];
  const lower = BUCKET_FLOOR_MS * BUCKET_GROWTH ** (bucket - 1);
  return bucket >= LAST_BUCKET ? [lower, lower] : [lower, lower * BUCKET_GROWTH];
}

/**
 * The `fraction` quantile of a histogram (bucket → count), with percentile_cont's ranks
 * (rank = fraction × (n − 1)), interpolated linearly inside the bucket holding that rank.
 */
export function quantileOf(counts: ReadonlyMap<number, number>, fraction: number): number {
  let total = 0;
  for (const n of counts.values()) total += n;
  if (total === 0) return 0;
  const rank = fraction * (total - 1);
  let before = 0;
  for (const bucket of [...counts.keys()].sort((a, b) => a - b)) {
    const n = counts.get(bucket) ?? 0;
    if (n > 0 && rank < before + n) {
      const [lower, upper] = bucketBounds(bucket);
      return lower + (upper - lower) * ((rank - before + 0.5) / n);
    }
    before += n;
  }
  return bucketBounds(LAST_BUCKET)[0];
}
