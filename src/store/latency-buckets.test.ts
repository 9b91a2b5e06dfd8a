import { describe, expect, it } from "vitest";
import {
  BUCKET_GROWTH,
  LAST_BUCKET,
  bucketBounds,
  bucketOf,
  quantileOf,
} from "./latency-buckets.js";

describe("latency buckets", () => {
  it("puts every latency in the bucket whose bounds hold it", () => {
    for (const ms of [0.05, 0.3, 1, 2.5, 10, 99.9, 1_234, 60_000]) {
      const [lower, upper] = bucketBounds(bucketOf(ms));
      expect(ms).toBeGreaterThanOrEqual(lower * (1 - 1e-12));
      expect(ms).toBeLessThan(upper * (1 + 1e-12));
      expect(upper / lower).toBeCloseTo(BUCKET_GROWTH, 9);
    }
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(-1)).toBe(0);
    expect(bucketOf(Number.NaN)).toBe(0);
    expect(bucketOf(1e12)).toBe(LAST_BUCKET);
  });

  it("reads quantiles within half a bucket of the exact ones", () => {
    const latencies = Array.from({ length: 1_000 }, (_, i) => 0.5 + ((i * 7919) % 1000) / 10);
    const counts = new Map<number, number>();
    for (const ms of latencies) counts.set(bucketOf(ms), (counts.get(bucketOf(ms)) ?? 0) + 1);
    const sorted = [...latencies].sort((a, b) => a - b);
    for (const q of [0.5, 0.95, 0.99]) {
      const exact = sorted[Math.round(q * (sorted.length - 1))] ?? 0;
      expect(Math.abs(quantileOf(counts, q) - exact) / exact).toBeLessThan((BUCKET_GROWTH - 1) / 2);
    }
    expect(quantileOf(new Map(), 0.5)).toBe(0);
  });
});
