import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { churnModel, irisModel } from "../src/runtimes/onnx/test-support/test-models.js";
import { IRIS_CLASSES, IRIS_FIELDS } from "../src/spec/test-support/kind-specs.js";
import type { OipService } from "./support/oip.js";
import {
  call,
  closeTo,
  EVERY_DATATYPE,
  float32Tensor,
  runtimeRun,
  startOipService,
} from "./support/oip.js";
import { SEED_INPUT } from "./support/service.js";

let oip: OipService;
let base: string;
let key: string;

beforeAll(async () => {
  oip = await startOipService();
  base = oip.svc.url;
  key = oip.key;
});
afterAll(async () => {
  await oip.close();
});

interface OutputTensor {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown[];
  parameters?: Record<string, unknown>;
}

function outputsOf(body: Record<string, unknown>): Record<string, OutputTensor> {
  const list = body.outputs as OutputTensor[];
  return Object.fromEntries(list.map((o) => [o.name, o]));
}

const infer = (model: string, body: unknown, path = `/v2/models/${model}/infer`) =>
  call(`${base}${path}`, { body, key });

// The protocol's own example (inference_rest.md, "Inference Request Examples"), verbatim.
const SPEC_EXAMPLE = {
  id: "42",
  inputs: [
    { name: "input0", shape: [2, 2], datatype: "UINT32", data: [1, 2, 3, 4] },
    { name: "input1", shape: [3], datatype: "BOOL", data: [true] },
  ],
  outputs: [{ name: "output0" }],
};

// KServe's sklearn iris v2 example request (docs: "Deploy sklearn model with the v2 protocol").
const KSERVE_IRIS = {
  inputs: [
    {
      name: "input-0",
      shape: [2, 4],
      datatype: "FP32",
      data: [
        [6.8, 2.8, 4.8, 1.4],
        [6.0, 3.4, 4.5, 1.6],
      ],
    },
  ],
};

describe("server endpoints", () => {
  it("GET /v2: name, version, extensions", async () => {
    const res = await call(`${base}/v2`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      name: "modelgate",
      version: expect.any(String),
      extensions: ["binary_tensor_data"],
    });
  });

  it("every route is documented in /openapi.json under the oip tag", async () => {
    const res = await call(`${base}/openapi.json`);
    const paths = res.body.paths as Record<string, Record<string, { tags?: string[] }>>;
    for (const path of [
      "/v2/",
      "/v2/health/live",
      "/v2/health/ready",
      "/v2/models/{model_id}",
      "/v2/models/{model_id}/versions/{model_version}",
      "/v2/models/{model_id}/ready",
      "/v2/models/{model_id}/versions/{model_version}/ready",
      "/v2/models/{model_id}/infer",
      "/v2/models/{model_id}/versions/{model_version}/infer",
    ]) {
      const ops = Object.values(paths[path] ?? {});
      expect(ops.length, path).toBeGreaterThan(0);
      expect(ops[0]?.tags, path).toEqual(["oip"]);
    }
  });

  it("live and ready, without a key, like /live and /ready", async () => {
    expect(await call(`${base}/v2/health/live`)).toMatchObject({
      status: 200,
      body: { live: true },
    });
    expect(await call(`${base}/v2/health/ready`)).toMatchObject({
      status: 200,
      body: { ready: true },
    });
  });
});

describe("the protocol's inference request example", () => {
  it("as written, its input1 (shape [3], one element) is refused with the protocol's error body", async () => {
    const res = await infer("mymodel", SPEC_EXAMPLE);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error:
        'inputs[1] ("input1"): shape [3] holds 3 elements but data has 1; data must hold exactly the product of the shape.',
    });
  });

  it("with input1's three elements, answers output0 [3, 2] FP32 as the example's response", async () => {
    const request = structuredClone(SPEC_EXAMPLE);
    const input1 = request.inputs[1];
    if (input1) input1.data = [true, false, true];
    const res = await infer("mymodel", request);
    expect(res.status).toBe(200);
    // Row i of output0 is [input1[i], input1[i] + Σ input0] (Σ = 10): the model's definition.
    expect(res.body).toEqual({
      model_name: "mymodel",
      model_version: "1",
      id: "42",
      outputs: [{ name: "output0", datatype: "FP32", shape: [3, 2], data: [1, 11, 0, 10, 1, 11] }],
    });
  });

  it("without requested outputs, every output comes back, in the graph's order", async () => {
    const res = await infer("mymodel", {
      inputs: [
        {
          name: "input0",
          shape: [2, 2],
          datatype: "UINT32",
          data: [
            [4_000_000_000, 0],
            [7, 1],
          ],
        },
        { name: "input1", shape: [3], datatype: "BOOL", data: [false, false, true] },
      ],
    });
    expect(res.status).toBe(200);
    const out = outputsOf(res.body);
    expect(Object.keys(out)).toEqual(["output0", "output1"]);
    expect(out.output1).toEqual({
      name: "output1",
      datatype: "UINT32",
      shape: [2, 2],
      data: [4_000_000_000, 0, 7, 1],
    });
    expect(res.body.id).toMatch(/^req_/);
    expect(res.headers.get("x-request-id")).toBe(res.body.id);
  });

  it("/versions/{v} serves the registered version; another is 404 naming the one served", async () => {
    const request = {
      ...SPEC_EXAMPLE,
      inputs: [SPEC_EXAMPLE.inputs[0], { ...SPEC_EXAMPLE.inputs[1], data: [true, true, true] }],
    };
    expect((await infer("mymodel", request, "/v2/models/mymodel/versions/1/infer")).status).toBe(
      200,
    );
    const other = await infer("mymodel", request, "/v2/models/mymodel/versions/7/infer");
    expect(other.status).toBe(404);
    expect(other.body).toEqual({
      error: expect.stringContaining("Model mymodel serves version 1, not 7"),
    });
  });
});

describe("a multi-class model through both APIs", () => {
  const flowers = [
    [6.8, 2.8, 4.8, 1.4],
    [6.0, 3.4, 4.5, 1.6],
    [5.1, 3.5, 1.4, 0.2],
    [7.7, 3.0, 6.1, 2.3],
  ];
  const asInput = (f: readonly number[]) =>
    Object.fromEntries(IRIS_FIELDS.map((name, i) => [name, f[i]]));

  it("metadata: the graph's inputs and outputs, -1 for the batch dimension", async () => {
    const res = await call(`${base}/v2/models/iris`, { key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      name: "iris",
      versions: ["2.1.0"],
      platform: "onnxruntime_onnx",
      inputs: [{ name: "input-0", datatype: "FP32", shape: [-1, 4] }],
      outputs: [
        { name: "label", datatype: "INT64", shape: [-1] },
        { name: "probabilities", datatype: "FP32", shape: [-1, 3] },
      ],
    });
    expect((await call(`${base}/v2/models/iris/versions/2.1.0`, { key })).status).toBe(200);
    expect(await call(`${base}/v2/models/iris/ready`, { key })).toMatchObject({
      status: 200,
      body: { name: "iris", ready: true },
    });
  });

  it("KServe's iris example: tensors straight to the graph, equal to onnxruntime's to 1e-6", async () => {
    const res = await infer("iris", KSERVE_IRIS);
    expect(res.status).toBe(200);
    const ref = await runtimeRun(irisModel(), { "input-0": float32Tensor(flowers.slice(0, 2)) });
    const out = outputsOf(res.body);
    expect(out.label).toMatchObject({ datatype: "INT64", shape: [2], data: ref.label?.data });
    expect(out.probabilities).toMatchObject({ datatype: "FP32", shape: [2, 3] });
    expect(closeTo(out.probabilities?.data as number[], ref.probabilities?.data ?? [])).toBe(true);
  });

  it("the seeds' API and the protocol's named fields give the runtime's label, probabilities, top-k and confidence", async () => {
    const ref = await runtimeRun(irisModel(), { "input-0": float32Tensor(flowers) });
    const probs = ref.probabilities?.data ?? [];
    const predict = await call(`${base}/api/v1/models/iris/predict`, {
      key,
      body: { inputs: flowers.map(asInput) },
    });
    expect(predict.status).toBe(200);
    const predictions = predict.body.predictions as Record<string, unknown>[];
    predictions.forEach((p, i) => {
      const row = probs.slice(i * 3, i * 3 + 3);
      const best = row.indexOf(Math.max(...row));
      expect(p.species).toBe(IRIS_CLASSES[best]);
      expect(closeTo(Object.values(p.probabilities as object) as number[], row)).toBe(true);
      expect(p.confidence).toBeCloseTo(Math.max(...row), 6);
      const top = p.top_2 as { label: string; probability: number }[];
      expect(top.map((t) => t.label)).toEqual(
        [0, 1, 2]
          .sort((a, b) => (row[b] ?? 0) - (row[a] ?? 0))
          .slice(0, 2)
          .map((c) => IRIS_CLASSES[c]),
      );
    });
    expect(new Set(predictions.map((p) => p.species)).size).toBe(3);

    const res = await infer("iris", {
      inputs: IRIS_FIELDS.map((name, c) => ({
        name,
        shape: [flowers.length],
        datatype: "FP64",
        data: flowers.map((f) => f[c]),
      })),
    });
    expect(res.status).toBe(200);
    const out = outputsOf(res.body);
    expect(Object.keys(out)).toEqual([
      "species",
      "probabilities",
      "top_2",
      "confidence",
      "certainty",
    ]);
    expect(out.species).toEqual({
      name: "species",
      datatype: "BYTES",
      shape: [4],
      data: predictions.map((p) => p.species),
    });
    expect(out.confidence).toMatchObject({ datatype: "FP64", shape: [4] });
    expect(
      closeTo(
        out.confidence?.data as number[],
        predictions.map((p) => p.confidence as number),
      ),
    ).toBe(true);
    // Objects and lists travel as JSON text, one element a row.
    expect(out.probabilities?.parameters).toEqual({ content_type: "json" });
    expect((out.probabilities?.data as string[]).map((t) => JSON.parse(t) as unknown)).toEqual(
      predictions.map((p) => p.probabilities),
    );
  });

  it('content_type "pd" asks for the named fields explicitly, and is echoed', async () => {
    const res = await infer("iris", {
      parameters: { content_type: "pd" },
      inputs: IRIS_FIELDS.map((name, c) => ({
        name,
        shape: [1, 1],
        datatype: "FP32",
        data: [flowers[2]?.[c]],
      })),
      outputs: [{ name: "species" }],
    });
    expect(res.status).toBe(200);
    expect(res.body.parameters).toEqual({ content_type: "pd" });
    expect(res.body.outputs).toEqual([
      { name: "species", datatype: "BYTES", shape: [1], data: ["setosa"] },
    ]);
  });
});

describe("a regressor through both APIs", () => {
  const usage = [
    [1, 2, 3],
    [-4.5, 10, 0.25],
    [8, -1, 30],
  ];

  it("raw tensors: values [N, 2] equal to onnxruntime's to 1e-6", async () => {
    const res = await infer("churn", {
      inputs: [{ name: "features", shape: [3, 3], datatype: "FP32", data: usage.flat() }],
    });
    expect(res.status).toBe(200);
    const ref = await runtimeRun(churnModel(), { features: float32Tensor(usage) });
    const out = outputsOf(res.body);
    expect(out.values).toMatchObject({ datatype: "FP32", shape: [3, 2] });
    expect(closeTo(out.values?.data as number[], ref.values?.data ?? [])).toBe(true);
  });

  it("the seeds' API (a vector input) and the protocol's field tensor give the same targets", async () => {
    const ref =
      (await runtimeRun(churnModel(), { features: float32Tensor(usage) })).values?.data ?? [];
    const predict = await call(`${base}/api/v1/models/churn/predict`, {
      key,
      body: { inputs: usage.map((features) => ({ features })) },
    });
    expect(predict.status).toBe(200);
    const predictions = predict.body.predictions as Record<string, number | string>[];
    predictions.forEach((p, i) => {
      expect(p.days_to_churn).toBeCloseTo(ref[i * 2] ?? NaN, 6);
      expect(p.lifetime_value_k).toBe(Math.round((ref[i * 2 + 1] ?? NaN) * 0.001 * 1000) / 1000);
    });
    // One input object answers one prediction object, as for model 21.
    const single = await call(`${base}/api/v1/models/churn/predict`, {
      key,
      body: { inputs: { features: usage[0] } },
    });
    expect(single.body.predictions).toEqual(predictions[0]);

    const res = await infer("churn", {
      inputs: [{ name: "features", shape: [3, 3], datatype: "FP64", data: usage }],
      parameters: { content_type: "pd" },
    });
    expect(res.status).toBe(200);
    const out = outputsOf(res.body);
    expect(out.days_to_churn?.data).toEqual(predictions.map((p) => p.days_to_churn));
    expect(out.lifetime_value_k?.data).toEqual(predictions.map((p) => p.lifetime_value_k));
    expect(out.risk).toMatchObject({ datatype: "BYTES", data: predictions.map((p) => p.risk) });
  });
});

describe("model 21 over the protocol", () => {
  const seedTensors = () =>
    Object.entries(SEED_INPUT).map(([name, value]) => ({
      name,
      shape: [1],
      datatype:
        typeof value === "string"
          ? "BYTES"
          : typeof value === "boolean"
            ? "BOOL"
            : Number.isInteger(value)
              ? "INT64"
              : "FP64",
      data: [value],
    }));

  it("the seeds' request as named tensors answers what POST /api/v1/models/21/predict answers", async () => {
    const predict = await call(`${base}/api/v1/models/21/predict`, {
      key,
      body: { inputs: SEED_INPUT },
    });
    const res = await infer("21", { inputs: seedTensors() });
    expect(res.status).toBe(200);
    const expected = predict.body.predictions as Record<string, unknown>;
    const out = outputsOf(res.body);
    expect(out.lead_score?.data).toEqual([expected.lead_score]);
    expect(out.recommendation?.data).toEqual([expected.recommendation]);
    expect(out.factors?.data).toEqual([JSON.stringify(expected.factors)]);
    expect(out.confidence?.data).toEqual([expected.confidence]);
  });

  it("the same request written compactly, pretty-printed, escaped or nested answers alike", async () => {
    const body = { id: "same", inputs: seedTensors() };
    const compact = JSON.stringify(body);
    const ways = [
      compact,
      // Read twice compactly: the second time through the tensors kept from the first.
      compact,
      JSON.stringify(body, null, 2),
      // An escaped name and nested data: the general path (JSON.parse) reads these.
      compact.replace('"name":"industry"', '"name":"indus\\u0074ry"'),
      compact.replace(
        '"shape":[1],"datatype":"INT64","data":[1000]',
        '"shape":[1,1],"datatype":"INT64","data":[[1000]]',
      ),
    ];
    const answers = [];
    for (const text of ways) {
      const res = await infer("21", text);
      expect(res.status, text).toBe(200);
      answers.push(res.text);
    }
    expect(new Set(answers).size).toBe(1);
    // A broken tensor is the general path's 400, whichever way it is written.
    const broken = compact.replace('"data":[1000]', '"data":[1000,2]');
    for (const text of [broken, JSON.stringify(JSON.parse(broken), null, 2)]) {
      const res = await infer("21", text);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/company_size.*holds 1 elements but data has/);
    }
  });

  it("its graph's own tensor runs too (features FP32 [N, 10] → label and probabilities)", async () => {
    const meta = await call(`${base}/v2/models/21`, { key });
    expect(meta.body.inputs).toEqual([{ name: "features", datatype: "FP32", shape: [-1, 10] }]);
    const res = await infer("21", {
      inputs: [{ name: "features", shape: [1, 10], datatype: "FP32", data: Array(10).fill(0.5) }],
      outputs: [{ name: "probabilities" }],
    });
    expect(res.status).toBe(200);
    const p = outputsOf(res.body).probabilities?.data as number[];
    expect(p).toHaveLength(2);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it("an invalid field value is a 400 naming the field and the row", async () => {
    const tensors = seedTensors().map((t) =>
      t.name === "engagement_score" ? { ...t, data: [140] } : t,
    );
    const res = await infer("21", { inputs: tensors });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: "Invalid inputs: engagement_score (row 0): must be ≤ 100, got 140.",
    });
  });

  it("a required field no tensor names is 400 'is required'; an optional one left out is absent, as in predict", async () => {
    const without = (name: string) => seedTensors().filter((t) => t.name !== name);
    const missing = await infer("21", { inputs: without("industry") });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: "Invalid inputs: industry (row 0): is required." });
    const { title: _title, ...rest } = SEED_INPUT as Record<string, unknown>;
    const predict = await call(`${base}/api/v1/models/21/predict`, {
      key,
      body: { inputs: rest },
    });
    const res = await infer("21", { inputs: without("title") });
    expect(res.status).toBe(200);
    const expected = predict.body.predictions as Record<string, unknown>;
    expect(outputsOf(res.body).lead_score?.data).toEqual([expected.lead_score]);
    expect(outputsOf(res.body).factors?.data).toEqual([JSON.stringify(expected.factors)]);
  });

  it("two rows in each field's tensor are two predictions, each its own row's", async () => {
    const hot = await infer("21", { inputs: seedTensors() });
    const cold = seedTensors().map((t) =>
      t.name === "engagement_score"
        ? { ...t, data: [0] }
        : t.name === "demo_requested"
          ? { ...t, data: [false] }
          : t,
    );
    const one = await infer("21", { inputs: cold });
    const both = await infer("21", {
      inputs: seedTensors().map((t, i) => ({
        ...t,
        shape: [2],
        data: [...t.data, ...(cold[i]?.data ?? [])],
      })),
    });
    expect(both.status).toBe(200);
    const score = (r: typeof both) => outputsOf(r.body).lead_score?.data as number[];
    expect(score(both)).toEqual([...score(hot), ...score(one)]);
    expect(score(hot)[0]).not.toBe(score(one)[0]);
  });

  it("usage is recorded like a prediction, with the rows inferred", async () => {
    const mark = await oip.admin.createKey({ name: "usage-oip", user_id: "u-oip" });
    const batch = {
      inputs: [{ name: "features", shape: [3, 3], datatype: "FP32", data: Array(9).fill(1) }],
    };
    expect(
      (await call(`${base}/v2/models/churn/infer`, { key: mark.key, body: batch })).status,
    ).toBe(200);
    const report = await call(`${base}/api/v1/usage?key_id=${mark.id}`, { key: oip.svc.adminKey });
    expect(report.body.usage).toEqual([
      expect.objectContaining({
        key_id: mark.id,
        model_id: "churn",
        requests: 1,
        errors: 0,
        rows: 3,
      }),
    ]);
  });
});

describe("every datatype the runtime takes, both ways", () => {
  const cases = EVERY_DATATYPE;

  it("each tensor comes back as it went in, with its datatype", async () => {
    const res = await infer("types", {
      inputs: cases.map(([type, datatype, data]) => ({
        name: `x_${type}`,
        shape: [2],
        datatype,
        data,
      })),
    });
    expect(res.status).toBe(200);
    const out = outputsOf(res.body);
    for (const [type, datatype, data] of cases) {
      expect(out[`y_${type}`]).toEqual({ name: `y_${type}`, datatype, shape: [2], data });
    }
  });

  it("metadata names every datatype", async () => {
    const res = await call(`${base}/v2/models/types`, { key });
    expect((res.body.inputs as { datatype: string }[]).map((i) => i.datatype)).toEqual(
      cases.map(([, datatype]) => datatype),
    );
  });
});

describe("a tensor model on the seeds' API", () => {
  it("is a 422 in the envelope, naming the protocol's endpoint", async () => {
    const res = await call(`${base}/api/v1/models/mymodel/predict`, { key, body: { inputs: {} } });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      code: "invalid_request",
      detail: expect.stringContaining("POST /v2/models/mymodel/infer"),
    });
  });
});
