/**
 * Inference latency of model 21 through modelgate's ONNX runtime (spec pipeline + onnxruntime
 * + output mapping), for one row and for a full 64-row batch, with 1 and 2 intra-op threads.
 * Run: npx tsx models/lead-scoring/bench.ts   (prints µs/row; nothing is asserted)
 */
import { loadOnnxModel } from "../../src/runtimes/onnx/index.js";
import { PACKAGE_DIR } from "./build.js";
import { generateLeads } from "./generate-data.js";

const leads = generateLeads(64, 99).map((l) => l.lead);

async function measure(threads: number, batch: number, seconds = 2): Promise<number> {
  const model = await loadOnnxModel(PACKAGE_DIR, undefined, { intraOpNumThreads: threads });
  const rows = leads.slice(0, batch);
  try {
    for (let i = 0; i < 200; i++) await model.predict(rows); // warm-up
    let calls = 0;
    const start = performance.now();
    while (performance.now() - start < seconds * 1000) {
      await model.predict(rows);
      calls++;
    }
    return ((performance.now() - start) * 1000) / (calls * batch);
  } finally {
    await model.close();
  }
}

const results: Record<string, string> = {};
for (const threads of [1, 2]) {
  for (const batch of [1, 64]) {
    results[`threads=${threads} batch=${batch}`] =
      `${(await measure(threads, batch)).toFixed(1)} µs/row`;
  }
}
console.table(results);
