// The Open Inference Protocol mode of `npm run bench` (bench/run.mjs calls it on its running
// modelgate): POST /v2/models/21/infer against POST /api/v1/models/21/predict, paired rounds in
// alternating order, the ratio taken per round (target: infer ≥ 0.90 × predict). "fields" sends
// the seeds' request as one tensor a field (the same validation, features and mapping as
// predict); "tensor" sends model 21's own graph input, features FP32 [1, 10], straight to ONNX;
// "binary" sends that tensor as tritonclient.http does by default (binary data in and out).
import { readFileSync } from "node:fs";
import autocannon from "autocannon";

const SEED = JSON.parse(
  readFileSync(new URL("../models/lead-scoring/seeds-example.json", import.meta.url), "utf8"),
);

function datatype(value) {
  if (typeof value === "string") return "BYTES";
  if (typeof value === "boolean") return "BOOL";
  return Number.isInteger(value) ? "INT64" : "FP64";
}

export const OIP_FIELDS_BODY = JSON.stringify({
  inputs: Object.entries(SEED).map(([name, value]) => ({
    name,
    shape: [1],
    datatype: datatype(value),
    data: [value],
  })),
});

export const OIP_TENSOR_BODY = JSON.stringify({
  inputs: [
    {
      name: "features",
      shape: [1, 10],
      datatype: "FP32",
      data: [6.908, 1, 75, 2.398, 1.792, 1.386, 1, 0, 0.5, 3],
    },
  ],
});

const PREDICT_BODY = JSON.stringify({ inputs: SEED });

// The same tensor as tritonclient.http sends it by default: binary data after the JSON
// (Inference-Header-Content-Length), no Content-Type, every output asked for in binary.
const FEATURES = [6.908, 1, 75, 2.398, 1.792, 1.386, 1, 0, 0.5, 3];
const BINARY_JSON = JSON.stringify({
  inputs: [
    {
      name: "features",
      shape: [1, 10],
      datatype: "FP32",
      parameters: { binary_data_size: FEATURES.length * 4 },
    },
  ],
  parameters: { binary_data_output: true },
});
export const OIP_BINARY_BODY = Buffer.concat([
  Buffer.from(BINARY_JSON),
  Buffer.from(Float32Array.from(FEATURES).buffer),
]);
export const OIP_BINARY_HEADERS = {
  "inference-header-content-length": String(Buffer.byteLength(BINARY_JSON)),
};
const JSON_HEADERS = { "content-type": "application/json" };

/**
 * The requests the single-route scripts send (bench/profile.mjs, bench/instructions.mjs): the
 * seeds' predict, and model 21's input to infer as one tensor a field, as its graph's tensor,
 * and as that tensor in binary the way tritonclient.http sends it: [path, body, headers].
 */
export const BENCH_ROUTES = {
  predict: ["/api/v1/models/21/predict", PREDICT_BODY, JSON_HEADERS],
  "oip-fields": ["/v2/models/21/infer", OIP_FIELDS_BODY, JSON_HEADERS],
  "oip-tensor": ["/v2/models/21/infer", OIP_TENSOR_BODY, JSON_HEADERS],
  "oip-binary": ["/v2/models/21/infer", OIP_BINARY_BODY, OIP_BINARY_HEADERS],
};

function run(url, body, connections, key, duration, headers = JSON_HEADERS) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        method: "POST",
        connections,
        duration,
        headers: { ...headers, "x-api-key": key },
        body,
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** CPU seconds the process has used (user + system, from /proc; null elsewhere). */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100)
  } catch {
    return null;
  }
}

/**
 * Measures predict, infer (fields) and infer (tensor) in paired rounds on one modelgate.
 * @returns rows per connection count: req/s medians, p99 and the per-round ratios.
 */
export async function benchOip({ url, pid, key, connections, rounds, duration }) {
  const predictUrl = `${url}/api/v1/models/21/predict`;
  const inferUrl = `${url}/v2/models/21/infer`;
  for (const [target, body, headers] of [
    [predictUrl, PREDICT_BODY, JSON_HEADERS],
    [inferUrl, OIP_FIELDS_BODY, JSON_HEADERS],
    [inferUrl, OIP_TENSOR_BODY, JSON_HEADERS],
    [inferUrl, OIP_BINARY_BODY, OIP_BINARY_HEADERS],
  ]) {
    const res = await fetch(target, {
      method: "POST",
      headers: { ...headers, "x-api-key": key },
      body,
    });
    if (res.status !== 200)
      throw new Error(`${target} answered ${res.status}: ${await res.text()}`);
  }
  // CPU per request of the modelgate process: steadier than req/s on a machine others load.
  const measure = async (target, body, c, headers) => {
    await run(target, body, c, key, 1, headers); // warm-up
    const before = cpuSeconds(pid);
    const result = await run(target, body, c, key, duration, headers);
    const after = cpuSeconds(pid);
    const cpuUs =
      before === null || after === null ? NaN : ((after - before) * 1e6) / result.requests.total;
    return { ...result, cpuUs };
  };
  const rows = [];
  for (const c of connections) {
    const results = [];
    for (let round = 0; round < rounds; round++) {
      const order = [
        ["predict", predictUrl, PREDICT_BODY, JSON_HEADERS],
        ["fields", inferUrl, OIP_FIELDS_BODY, JSON_HEADERS],
        ["tensor", inferUrl, OIP_TENSOR_BODY, JSON_HEADERS],
      ];
      if (round % 2 === 1) order.reverse();
      const r = {};
      for (const [name, target, body, headers] of order) {
        r[name] = await measure(target, body, c, headers);
      }
      results.push(r);
    }
    const rps = (name) => median(results.map((r) => r[name].requests.average));
    const p99 = (name) => median(results.map((r) => r[name].latency.p99));
    rows.push({
      c,
      predict: rps("predict"),
      fields: rps("fields"),
      tensor: rps("tensor"),
      predictP99: p99("predict"),
      fieldsP99: p99("fields"),
      tensorP99: p99("tensor"),
      fieldsRatio: median(
        results.map((r) => r.fields.requests.average / r.predict.requests.average),
      ),
      tensorRatio: median(
        results.map((r) => r.tensor.requests.average / r.predict.requests.average),
      ),

      cpu: {
        predict: median(results.map((r) => r.predict.cpuUs)),
        fields: median(results.map((r) => r.fields.cpuUs)),
        tensor: median(results.map((r) => r.tensor.cpuUs)),

        fieldsRatio: median(results.map((r) => r.fields.cpuUs / r.predict.cpuUs)),
      },
      non2xx: results.reduce(
        (n, r) => n + r.fields.non2xx + r.fields.errors + r.tensor.non2xx + r.tensor.errors,
        0,
      ),
    });
  }
  // The binary extension afterwards, in rounds of its own paired with predict: a server that has
  // served binary requests carries their compiled code and heap into the rounds after them, and
  // the judged ratios above are measured as they were before the route existed.
  for (const row of rows) {
    const pairs = [];
    for (let round = 0; round < rounds; round++) {
      const order = [
        ["predict", predictUrl, PREDICT_BODY, JSON_HEADERS],
        ["binary", inferUrl, OIP_BINARY_BODY, OIP_BINARY_HEADERS],
      ];
      if (round % 2 === 1) order.reverse();
      const r = {};
      for (const [name, target, body, headers] of order) {
        r[name] = await measure(target, body, row.c, headers);
      }
      pairs.push(r);
    }
    row.binary = median(pairs.map((r) => r.binary.requests.average));
    row.binaryRatio = median(
      pairs.map((r) => r.binary.requests.average / r.predict.requests.average),
    );
    row.cpu.binary = median(pairs.map((r) => r.binary.cpuUs));
    row.non2xx += pairs.reduce((n, r) => n + r.binary.non2xx + r.binary.errors, 0);
  }
  return rows;
}

export function printOip(rows, rounds, duration) {
  const fmt = (n, d = 0) => n.toFixed(d).padStart(8);
  console.log(
    `\nOpen Inference Protocol — /v2/models/21/infer vs /api/v1/models/21/predict, medians of ${rounds} paired rounds of ${duration}s`,
  );
  console.log(
    "conns | predict req/s  p99 ms | infer(fields) req/s  p99 ms  ratio* | infer(tensor) req/s  p99 ms  ratio* | non-2xx",
  );
  for (const r of rows) {
    console.log(
      `${String(r.c).padStart(5)} | ${fmt(r.predict)}     ${fmt(r.predictP99, 2)} | ${fmt(r.fields)}            ${fmt(r.fieldsP99, 2)}  ${r.fieldsRatio.toFixed(2)}   | ${fmt(r.tensor)}            ${fmt(r.tensorP99, 2)}  ${r.tensorRatio.toFixed(2)}   | ${r.non2xx}`,
    );
  }
  console.log("- * the median of each round's infer/predict ratio (target ≥ 0.90)");
  for (const r of rows) {
    console.log(
      `-   CPU per request at ${r.c} connections: predict ${r.cpu.predict.toFixed(0)} µs, infer(fields) ${r.cpu.fields.toFixed(0)} µs (×${r.cpu.fieldsRatio.toFixed(2)}), infer(tensor) ${r.cpu.tensor.toFixed(0)} µs, infer(binary) ${r.cpu.binary.toFixed(0)} µs`,
    );
  }
  for (const r of rows) {
    console.log(
      `-   infer(binary), the tensor as tritonclient.http sends it (binary in and out) at ${r.c} connections: ${r.binary.toFixed(0)} req/s, ${r.binaryRatio.toFixed(2)} of predict`,
    );
  }
}
