import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Answer, OipService } from "./support/oip.js";
import { call, startOipService } from "./support/oip.js";

let oip: OipService;
let base: string;

beforeAll(async () => {
  oip = await startOipService();
  base = oip.svc.url;
});
afterAll(async () => {
  await oip.close();
});

const input0 = { name: "input0", shape: [2, 2], datatype: "UINT32", data: [1, 2, 3, 4] };
const input1 = { name: "input1", shape: [3], datatype: "BOOL", data: [true, false, true] };

/** The body is the protocol's error object: exactly one key, `error`, a sentence. */
/** The protocol's error body, typed exactly application/json (KServe's client reads it only so). */
function expectProtocolError(res: Answer, text: string): void {
  expect(res.headers.get("content-type")).toBe("application/json");
  expect(Object.keys(res.body)).toEqual(["error"]);
  expect(res.body.error).toEqual(expect.stringContaining(text));
}

describe("malformed tensors: 400 with the protocol's error body, never a 500", () => {
  const cases: [string, unknown, string][] = [
    [
      "shape and data length disagree",
      { inputs: [{ ...input0, data: [1, 2, 3] }, input1] },
      'inputs[0] ("input0"): shape [2, 2] holds 4 elements but data has 3',
    ],
    [
      "more data than the shape",
      { inputs: [{ ...input0, data: [1, 2, 3, 4, 5] }, input1] },
      "holds 4 elements but data has more",
    ],
    [
      "a datatype the graph input does not take",
      { inputs: [{ ...input0, datatype: "INT32" }, input1] },
      'input "input0" of model mymodel is UINT32; the request sent INT32',
    ],
    [
      "an unknown datatype",
      { inputs: [{ ...input0, datatype: "FP8" }, input1] },
      'inputs[0] ("input0").datatype must be one of BOOL, UINT8',
    ],
    [
      "an element of the wrong type",
      { inputs: [{ ...input0, data: [1, "2", 3, 4] }, input1] },
      'inputs[0] ("input0").data[1] must be an integer from 0 to 4294967295 (datatype UINT32), got "2"',
    ],
    [
      "an integer out of the datatype's range",
      { inputs: [{ ...input0, data: [1, 2, 3, -4] }, input1] },
      "data[3] must be an integer from 0 to 4294967295",
    ],
    [
      "a number for BOOL",
      { inputs: [input0, { ...input1, data: [1, 0, 1] }] },
      'inputs[1] ("input1").data[0] must be true or false (datatype BOOL), got 1',
    ],
    [
      "the wrong rank",
      { inputs: [{ ...input0, shape: [4] }, input1] },
      'input "input0" of model mymodel has shape [2, 2] (2 dimensions); the request sent [4]',
    ],
    [
      "a fixed dimension of another size",
      { inputs: [input0, { ...input1, shape: [1], data: [true] }] },
      'input "input1" of model mymodel has shape [3] (-1: any size); the request sent [1]',
    ],
    [
      "a negative dimension",
      { inputs: [{ ...input0, shape: [-1, 4] }, input1] },
      "shape[0] must be a whole number ≥ 0 (a request's shape is exact, never -1), got -1",
    ],
    [
      "data nested deeper than the shape",
      { inputs: [{ ...input0, data: [[[1, 2]], [3, 4]] }, input1] },
      "data is nested deeper than its shape's 2 dimensions",
    ],
    [
      "data not an array",
      { inputs: [{ ...input0, data: "1,2,3,4" }, input1] },
      'inputs[0] ("input0").data must be an array of UINT32 elements, got "1,2,3,4"',
    ],
    [
      "a shape past the element limit",
      { inputs: [{ ...input0, shape: [1024, 1025], data: [] }, input1] },
      "holds 1049600 elements; a request may send at most 1048576 in all its inputs",
    ],
    [
      "too many dimensions",
      { inputs: [{ ...input0, shape: [1, 1, 1, 1, 1, 1, 1, 1, 1], data: [1] }, input1] },
      "shape has 9 dimensions; at most 8",
    ],
    ["no inputs", { inputs: [] }, "inputs must be a non-empty array of tensors"],
    ["inputs not a list", { inputs: { input0 } }, "inputs must be a non-empty array of tensors"],
    [
      "a tensor without a name",
      { inputs: [{ ...input0, name: "" }, input1] },
      "inputs[0].name must be a non-empty string",
    ],
    ["an input sent twice", { inputs: [input0, input0] }, '"input0" is sent twice'],
    [
      "an input the model lacks",
      { inputs: [input0, input1, { name: "input9", shape: [1], datatype: "FP32", data: [1] }] },
      'Model mymodel cannot take the inputs "input0", "input1", "input9"',
    ],
    [
      "a missing graph input",
      { inputs: [input0] },
      "Model mymodel also needs input1 (BOOL [3]): send every input of its graph",
    ],
    [
      "an output the model lacks",
      { inputs: [input0, input1], outputs: [{ name: "output7" }] },
      'Model mymodel has no output "output7" to return; its outputs are: output0 (FP32 [3, 2]), output1 (UINT32 [2, 2])',
    ],
    [
      "binary data promised in an all-JSON body",
      { inputs: [{ ...input0, data: undefined, parameters: { binary_data_size: 16 } }, input1] },
      'inputs[0] ("input0").parameters.binary_data_size says its data is binary, but the body is all JSON',
    ],
    [
      "the classification extension",
      {
        inputs: [input0, input1],
        outputs: [{ name: "output0", parameters: { classification: 2 } }],
      },
      "outputs[0].parameters.classification: the classification extension is not supported",
    ],
    [
      "a parameter that is not a scalar",
      { inputs: [input0, input1], parameters: { options: { a: 1 } } },
      "request.parameters.options must be a string, a number or a boolean",
    ],
    [
      "a body that is not an object",
      [input0],
      "The request body must be an inference request object",
    ],
  ];

  it.each(cases)("%s", async (_, body, text) => {
    const res = await call(`${base}/v2/models/mymodel/infer`, { key: oip.key, body });
    expect(res.status).toBe(400);
    expectProtocolError(res, text);
  });

  it("a body that is not JSON", async () => {
    const res = await call(`${base}/v2/models/mymodel/infer`, {
      key: oip.key,
      body: '{"inputs": [',
    });
    expect(res.status).toBe(400);
    expectProtocolError(res, "The request body is not valid JSON");
  });

  it("an empty body", async () => {
    const res = await call(`${base}/v2/models/mymodel/infer`, {
      key: oip.key,
      method: "POST",
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expectProtocolError(res, "The request body is empty");
  });

  it("a field tensor of the wrong datatype for a feature-spec model", async () => {
    const res = await call(`${base}/v2/models/21/infer`, {
      key: oip.key,
      body: { inputs: [{ name: "industry", shape: [1], datatype: "FP32", data: [1] }] },
    });
    expect(res.status).toBe(400);
    expectProtocolError(
      res,
      'input "industry" of model 21 is a string field: send it as BYTES, not FP32',
    );
  });

  it("field tensors with different rows", async () => {
    const res = await call(`${base}/v2/models/21/infer`, {
      key: oip.key,
      body: {
        inputs: [
          { name: "company_size", shape: [2], datatype: "INT64", data: [10, 20] },
          { name: "industry", shape: [1], datatype: "BYTES", data: ["Technology"] },
        ],
      },
    });
    expect(res.status).toBe(400);
    expectProtocolError(res, 'input "industry" has 1 rows but "company_size" has 2');
  });

  it("more rows than the model's max_batch_size is 413, still in the protocol's body", async () => {
    const res = await call(`${base}/v2/models/churn/infer`, {
      key: oip.key,
      body: {
        inputs: [{ name: "features", shape: [17, 3], datatype: "FP64", data: Array(51).fill(1) }],
        parameters: { content_type: "pd" },
      },
    });
    expect(res.status).toBe(413);
    expectProtocolError(res, "model churn accepts at most 16 per request");
  });
});

describe("keys, scopes and limits as on the seeds' API", () => {
  const body = { inputs: [input0, input1] };

  it("no key: 401", async () => {
    const res = await call(`${base}/v2/models/mymodel/infer`, { body });
    expect(res.status).toBe(401);
    expectProtocolError(res, "No API key was sent");
  });

  it("an unknown key: 401", async () => {
    const res = await call(`${base}/v2/models/mymodel/infer`, { body, key: "hk_live_nope" });
    expect(res.status).toBe(401);
    expect(Object.keys(res.body)).toEqual(["error"]);
  });

  it("a key without the predict scope: 403 on infer, metadata still readable", async () => {
    const { key } = await oip.admin.createKey({ name: "reader", scopes: ["models:read"] });
    const res = await call(`${base}/v2/models/mymodel/infer`, { body, key });
    expect(res.status).toBe(403);
    expectProtocolError(res, 'lacks the "predict" scope');
    expect((await call(`${base}/v2/models/mymodel`, { key })).status).toBe(200);
  });

  it("a key limited to another model: 403 on infer, metadata and ready", async () => {
    const { key } = await oip.admin.createKey({ name: "only21", models: ["21"] });
    for (const [path, method] of [
      ["/v2/models/mymodel/infer", "POST"],
      ["/v2/models/mymodel", "GET"],
      ["/v2/models/mymodel/ready", "GET"],
    ] as const) {
      const res = await call(`${base}${path}`, { key, ...(method === "POST" ? { body } : {}) });
      expect(res.status).toBe(403);
      expectProtocolError(res, "may not use model mymodel");
    }
  });

  it("the key's rate limit: 429 with Retry-After", async () => {
    const { key } = await oip.admin.createKey({ name: "one", rate_limit_per_hour: 1 });
    expect((await call(`${base}/v2/models/mymodel/infer`, { body, key })).status).toBe(200);
    const res = await call(`${base}/v2/models/mymodel/infer`, { body, key });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Object.keys(res.body)).toEqual(["error"]);
  });

  it("a key in the URL is refused before anything else", async () => {
    const res = await call(`${base}/v2/models/mymodel/infer?api_key=${oip.key}`, { body });
    expect(res.status).toBe(401);
    expect(res.text).not.toContain(oip.key);
  });
});

describe("unknown things", () => {
  it("an unknown model: 404", async () => {
    const res = await call(`${base}/v2/models/nope/infer`, {
      key: oip.key,
      body: { inputs: [input0] },
    });
    expect(res.status).toBe(404);
    expectProtocolError(res, "No model is registered with id nope");
    expect((await call(`${base}/v2/models/nope/ready`, { key: oip.key })).status).toBe(404);
  });

  it("an invalid model name: 400", async () => {
    const res = await call(`${base}/v2/models/${"x".repeat(80)}/infer`, {
      key: oip.key,
      body: { inputs: [input0] },
    });
    expect(res.status).toBe(400);
    expectProtocolError(res, "is invalid");
  });

  it("an unknown /v2 route: 404 listing the protocol's routes", async () => {
    const res = await call(`${base}/v2/repository/index`, { key: oip.key });
    expect(res.status).toBe(404);
    expectProtocolError(res, "the Open Inference Protocol routes are GET /v2, GET /v2/health/live");
  });

  it("a version that is not served: 404 naming the served one", async () => {
    const res = await call(`${base}/v2/models/iris/versions/1.0.0`, { key: oip.key });
    expect(res.status).toBe(404);
    expectProtocolError(res, "Model iris serves version 2.1.0, not 1.0.0");
  });
});
