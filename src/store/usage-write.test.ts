import { describe, expect, it } from "vitest";
import { bucketOf } from "./latency-buckets.js";
import type { UsageEvent } from "./usage.js";
import { DAY_MS, HOUR_MS, rollupsOf } from "./usage-write.js";

/** The rollups as a plain grouping by (period, key, model, bucket) computes them. */
function reference(events: readonly UsageEvent[], periodMs: number) {
  const rows = new Map<string, Record<string, number | string>>();
  for (const e of events) {
    const at = e.at.getTime();
    const period = Math.floor(at / periodMs) * periodMs;
    const key = e.keyId.replaceAll("\u0000", "\uFFFD");
    const model = e.modelId.replaceAll("\u0000", "\uFFFD");
    const bucket = bucketOf(e.latencyMs);
    const id = JSON.stringify([period, key, model, bucket]);
    const r = rows.get(id) ?? {
      period,
      key_id: key,
      model_id: model,
      bucket,
      requests: 0,
      errors: 0,
      rows: 0,
      first_at: at,
      last_at: at,
    };
    r.requests = Number(r.requests) + 1;
    if (e.status >= 400) r.errors = Number(r.errors) + 1;
    else r.rows = Number(r.rows) + e.batchSize;
    r.first_at = Math.min(Number(r.first_at), at);
    r.last_at = Math.max(Number(r.last_at), at);
    rows.set(id, r);
  }
  return [...rows.entries()]
    .sort(([a], [b]) => {
      const [pa, ka, ma, ba] = JSON.parse(a) as [number, string, string, number];
      const [pb, kb, mb, bb] = JSON.parse(b) as [number, string, string, number];
      return (
        pa - pb || (ka < kb ? -1 : ka > kb ? 1 : 0) || (ma < mb ? -1 : ma > mb ? 1 : 0) || ba - bb
      );
    })
    .map(([, r]) => r);
}

describe("rollupsOf", () => {
  it("sums interleaved keys, models, periods and latency buckets as a plain grouping does", () => {
    const start = Date.UTC(2026, 11, 3, 22, 50);
    const keys = ["key_a", "key_b", "key_\u0000nul", "key_\uFFFDnul"];
    const events: UsageEvent[] = Array.from({ length: 2_000 }, (_, i) => ({
      // Out of order, across hours and a day boundary, keys and models interleaved and in runs.
      at: new Date(start + ((i * 7_919) % 5_000) * 1_000),
      keyId: keys[Math.floor(i / 3) % keys.length] as string,
      userId: "u",
      modelId: i % 5 === 0 ? "27" : "21",
      status: i % 11 === 0 ? 422 : 200,
      batchSize: 1 + (i % 4),
      latencyMs: (i % 13) * 0.7 + (i % 3) * 40,
      requestId: `req_${i}`,
    }));
    for (const period of [HOUR_MS, DAY_MS]) {
      expect(rollupsOf(events, period)).toEqual(reference(events, period));
    }
  });
});
