/**
 * The binary tensor data extension on /v2/models/{name}/infer, sent as tritonclient.http sends
 * it: no Content-Type, the JSON's length in Inference-Header-Content-Length, each input's bytes
 * after it (`binary_data_size`), outputs asked for in binary with `binary_data_output` (its
 * default when no output is named) or each output's `binary_data`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { irisModel } from "../src/runtimes/onnx/test-support/test-models.js";
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

beforeAll(async () => {
  oip = await startOipService();
  base = oip.svc.url;
});
afterAll(async () => {
  await oip.close();
});

/** Little-endian bytes of `values`, written here independently of the server's encoder. */
function pack(datatype: string, values: readonly unknown[]): Buffer {
  if (datatype === "BYTES") {
    return Buffer.concat(
      values.flatMap((v) => {
        const text = Buffer.from(v as string);
        const length = Buffer.alloc(4);
        length.writeUInt32LE(text.length);
        return [length, text];
      }),
    );
  }
  const view: Record<string, [number, (b: Buffer, v: unknown, at: number) => void]> = {
    BOOL: [1, (b, v, at) => b.writeUInt8(v ? 1 : 0, at)],
    INT8: [1, (b, v, at) => b.writeInt8(v as number, at)],
    UINT8: [1, (b, v, at) => b.writeUInt8(v as number, at)],
    INT16: [2, (b, v, at) => b.writeInt16LE(v as number, at)],
    UINT16: [2, (b, v, at) => b.writeUInt16LE(v as number, at)],
    INT32: [4, (b, v, at) => b.writeInt32LE(v as number, at)],
    UINT32: [4, (b, v, at) => b.writeUInt32LE(v as number, at)],
    INT64: [8, (b, v, at) => b.writeBigInt64LE(BigInt(v as number), at)],
    UINT64: [8, (b, v, at) => b.writeBigUInt64LE(BigInt(v as number), at)],
    // 1.5 and -0.25 as IEEE half bits.
    FP16: [2, (b, v, at) => b.writeUInt16LE(v === 1.5 ? 0x3e00 : 0xb400, at)],
    FP32: [4, (b, v, at) => b.writeFloatLE(v as number, at)],
    FP64: [8, (b, v, at) => b.writeDoubleLE(v as number, at)],
  };
  const [size, write] = view[datatype] ?? [0, () => undefined];
  const out = Buffer.alloc(size * values.length);
  values.forEach((v, i) => write(out, v, i * size));
  return out;
}

interface Tensor {
  name: string;
  datatype: string;
  shape: number[];
  data?: unknown[];
  parameters?: Record<string, unknown>;
}

interface BinaryAnswer {
  status: number;
  contentType: string | null;
  json: { outputs?: Tensor[]; error?: string; [key: string]: unknown };
  /** Each binary output's bytes, by name. */
  parts: Record<string, Buffer>;
}

/** POSTs JSON + binary parts as tritonclient does (no Content-Type) and splits the answer. */
async function inferBinary(
  model: string,
  request: Record<string, unknown>,
  binary: readonly Buffer[],
  headers: Record<string, string> = {},
): Promise<BinaryAnswer> {
  const json = Buffer.from(JSON.stringify(request));
  const res = await fetch(`${base}/v2/models/${model}/infer`, {
    method: "POST",
    headers: {
      "x-api-key": oip.key,
      "inference-header-content-length": String(json.length),
      ...headers,
    },
    body: Buffer.concat([json, ...binary]),
  });
  const body = Buffer.from(await res.arrayBuffer());
  const length = Number(res.headers.get("inference-header-content-length") ?? body.length);
  const answer = JSON.parse(body.subarray(0, length).toString()) as BinaryAnswer["json"];
  const parts: Record<string, Buffer> = {};
  let at = length;
  for (const t of answer.outputs ?? []) {
    const size = t.parameters?.binary_data_size;
    if (typeof size !== "number") continue;
    parts[t.name] = body.subarray(at, at + size);
    at += size;
  }
  expect(at).toBe(body.length);
  return { status: res.status, contentType: res.headers.get("content-type"), json: answer, parts };
}

const CASES = EVERY_DATATYPE;

describe("every datatype in binary, both ways", () => {
  it("each tensor's bytes come back as they went in (binary_data_output)", async () => {
    const res = await inferBinary(
      "types",
      {
        inputs: CASES.map(([type, datatype, data]) => ({
          name: `x_${type}`,
          shape: [2],
          datatype,
          parameters: { binary_data_size: pack(datatype, data).length },
        })),
        parameters: { binary_data_output: true },
      },
      CASES.map(([, datatype, data]) => pack(datatype, data)),
    );
    expect(res.status).toBe(200);
    expect(res.contentType).toBe("application/octet-stream");
    for (const [type, datatype, data] of CASES) {
      const out = res.json.outputs?.find((t) => t.name === `y_${type}`);
      expect(out).toEqual({
        name: `y_${type}`,
        datatype,
        shape: [2],
        parameters: { binary_data_size: pack(datatype, data).length },
      });
      expect(res.parts[`y_${type}`]?.equals(pack(datatype, data))).toBe(true);
    }
  });

  it("JSON and binary inputs mixed; each output's own binary_data wins over the request's", async () => {
    const res = await inferBinary(
      "types",
      {
        inputs: CASES.map(([type, datatype, data]) =>
          type === "float64"
            ? { name: `x_${type}`, shape: [2], datatype, parameters: { binary_data_size: 16 } }
            : { name: `x_${type}`, shape: [2], datatype, data },
        ),
        outputs: [
          { name: "y_int32", parameters: { binary_data: false } },
          { name: "y_float64", parameters: { binary_data: true } },
          { name: "y_string" },
        ],
        parameters: { binary_data_output: true },
      },
      [pack("FP64", [0.1, 1e300])],
    );
    expect(res.json.error ?? res.status).toBe(200);
    expect(res.json.outputs?.map((t) => t.name)).toEqual(["y_int32", "y_float64", "y_string"]);
    expect(res.json.outputs?.[0]).toEqual({
      name: "y_int32",
      datatype: "INT32",
      shape: [2],
      data: [-2147483648, 2147483647],
    });
    expect(res.parts.y_float64?.equals(pack("FP64", [0.1, 1e300]))).toBe(true);
    // Not named binary itself: the request's binary_data_output says so.
    expect(res.parts.y_string?.equals(pack("BYTES", ["héllo", ""]))).toBe(true);
  });
});

describe("tritonclient.http's requests", () => {
  it("binary FP32 input, no outputs named: the graph's outputs in binary, equal to the runtime's", async () => {
    const flowers = [
      [6.8, 2.8, 4.8, 1.4],
      [5.1, 3.5, 1.4, 0.2],
    ];
    const bytes = pack("FP32", flowers.flat());
    const res = await inferBinary(
      "iris",
      {
        id: "triton-1",
        inputs: [
          {
            name: "input-0",
            shape: [2, 4],
            datatype: "FP32",
            parameters: { binary_data_size: bytes.length },
          },
        ],
        parameters: { binary_data_output: true },
      },
      [bytes],
    );
    expect(res.status).toBe(200);
    expect(res.json.id).toBe("triton-1");
    const ref = await runtimeRun(irisModel(), { "input-0": float32Tensor(flowers) });
    for (const [name, expected] of Object.entries(ref)) {
      const out = res.json.outputs?.find((t) => t.name === name);
      expect(out?.shape).toEqual(expected.dims);
      const part = res.parts[name] as Buffer;
      const got =
        out?.datatype === "FP32"
          ? Array.from({ length: part.length / 4 }, (_, i) => part.readFloatLE(i * 4))
          : Array.from({ length: part.length / 8 }, (_, i) => Number(part.readBigInt64LE(i * 8)));
      expect(closeTo(got, expected.data)).toBe(true);
    }
  });

  it("a JSON body with no Content-Type is read as JSON", async () => {
    const request = {
      inputs: CASES.map(([type, datatype, data]) => ({
        name: `x_${type}`,
        shape: [2],
        datatype,
        data,
      })),
      outputs: [{ name: "y_int8" }],
    };
    const res = await fetch(`${base}/v2/models/types/infer`, {
      method: "POST",
      headers: { "x-api-key": oip.key },
      body: Buffer.from(JSON.stringify(request)),
    });
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      outputs: [{ name: "y_int8", datatype: "INT8", shape: [2], data: [-128, 127] }],
    });
  });

  it("a feature-spec model's fields in binary (BYTES length-prefixed) answer as their JSON twins", async () => {
    const typeOf = (v: unknown) =>
      typeof v === "string" ? "BYTES" : typeof v === "boolean" ? "BOOL" : "FP64";
    const fields = Object.entries(SEED_INPUT);
    const json = await call(`${base}/v2/models/21/infer`, {
      key: oip.key,
      body: {
        id: "same",
        inputs: fields.map(([name, v]) => ({ name, shape: [1], datatype: typeOf(v), data: [v] })),
      },
    });
    expect(json.status).toBe(200);
    const parts = fields.map(([, v]) => pack(typeOf(v), [v]));
    const res = await inferBinary(
      "21",
      {
        id: "same",
        inputs: fields.map(([name, v], i) => ({
          name,
          shape: [1],
          datatype: typeOf(v),
          parameters: { binary_data_size: parts[i]?.length },
        })),
      },
      parts,
    );
    expect(res.status).toBe(200);
    expect(res.json).toEqual(json.body);
  });
});

describe("a broken binary request is a 400 in the protocol's error body", () => {
  const fp32 = (size: number, extra: Record<string, unknown> = {}) => ({
    inputs: [
      {
        name: "x_float32",
        shape: [2],
        datatype: "FP32",
        parameters: { binary_data_size: size },
        ...extra,
      },
    ],
  });

  const cases: [string, () => Promise<{ status: number; error: unknown }>, RegExp][] = [
    [
      "binary_data_size in an all-JSON body",
      async () => {
        const res = await call(`${base}/v2/models/types/infer`, { key: oip.key, body: fp32(8) });
        return { status: res.status, error: res.body.error };
      },
      /binary_data_size says its data is binary, but the body is all JSON: send the JSON's length in the Inference-Header-Content-Length header/,
    ],
    [
      "a size that is not the shape's elements",
      async () => {
        const r = await inferBinary("types", fp32(6), [Buffer.alloc(6)]);
        return { status: r.status, error: r.json.error };
      },
      /binary_data_size is 6 bytes; 2 FP32 elements take 8/,
    ],
    [
      "bytes left after the inputs'",
      async () => {
        const r = await inferBinary("types", fp32(8), [Buffer.alloc(12)]);
        return { status: r.status, error: r.json.error };
      },
      /binary part has 12 bytes, but the inputs' binary_data_size take 8/,
    ],
    [
      "fewer bytes than binary_data_size",
      async () => {
        const r = await inferBinary("types", fp32(8), [Buffer.alloc(4)]);
        return { status: r.status, error: r.json.error };
      },
      /binary_data_size is 8 bytes, but only 4 of the body's binary part are left/,
    ],
    [
      "data and binary_data_size both",
      async () => {
        const r = await inferBinary("types", fp32(8, { data: [1, 2] }), [Buffer.alloc(8)]);
        return { status: r.status, error: r.json.error };
      },
      /has both data and binary_data_size: send one of them/,
    ],
    [
      "a header that is not a length",
      async () => {
        const r = await inferBinary("types", fp32(8), [Buffer.alloc(8)], {
          "inference-header-content-length": "12abc",
        });
        return { status: r.status, error: r.json.error };
      },
      /Inference-Header-Content-Length header must be the JSON part's length in bytes, got "12abc"/,
    ],
    [
      "a header past the body's end",
      async () => {
        const r = await fetch(`${base}/v2/models/types/infer`, {
          method: "POST",
          headers: { "x-api-key": oip.key, "inference-header-content-length": "9999" },
          body: Buffer.from("{}"),
        });
        return { status: r.status, error: ((await r.json()) as { error: unknown }).error };
      },
      /says 9999 bytes of JSON, but the body has 2/,
    ],
    [
      "a header shorter than the JSON: the JSON part is cut, and said so",
      async () => {
        const r = await fetch(`${base}/v2/models/types/infer`, {
          method: "POST",
          headers: { "x-api-key": oip.key, "inference-header-content-length": "9" },
          body: Buffer.from('{"inputs":[]}'),
        });
        return { status: r.status, error: ((await r.json()) as { error: unknown }).error };
      },
      /^The JSON part \(the body's first 9 bytes, as Inference-Header-Content-Length says\) is not valid JSON at line 1, column 10 \(the text ends there\)/,
    ],
    [
      "BYTES that are not UTF-8",
      async () => {
        const bytes = Buffer.from([1, 0, 0, 0, 0xff, 0, 0, 0, 0]);
        const r = await inferBinary(
          "types",
          {
            inputs: [
              {
                name: "x_string",
                shape: [2],
                datatype: "BYTES",
                parameters: { binary_data_size: bytes.length },
              },
            ],
          },
          [bytes],
        );
        return { status: r.status, error: r.json.error };
      },
      /BYTES element 0 is not UTF-8 text/,
    ],
    [
      "a NaN, which JSON could not have sent either",
      async () => {
        const r = await inferBinary("types", fp32(8), [pack("FP32", [1, Number.NaN])]);
        return { status: r.status, error: r.json.error };
      },
      /inputs\[0\] \("x_float32"\): element 1 is NaN; send finite numbers/,
    ],
    [
      "an INT64 past 2^53",
      async () => {
        const bytes = Buffer.alloc(8);
        bytes.writeBigInt64LE(2n ** 60n);
        const r = await inferBinary(
          "types",
          {
            inputs: [
              {
                name: "x_int64",
                shape: [1],
                datatype: "INT64",
                parameters: { binary_data_size: 8 },
              },
            ],
          },
          [bytes],
        );
        return { status: r.status, error: r.json.error };
      },
      /element 0 is 1152921504606846976, past ±2\^53 − 1/,
    ],
  ];

  for (const [name, send, message] of cases) {
    it(name, async () => {
      const { status, error } = await send();
      expect(status).toBe(400);
      expect(error).toMatch(message);
    });
  }

  it("a binary body past MODELGATE_BODY_LIMIT_BYTES is 413, as a JSON one is", async () => {
    const big = Buffer.alloc(1_100_000);
    const r = await inferBinary("types", fp32(big.length), [big]);
    expect(r.status).toBe(413);
    expect(r.json.error).toMatch(/larger than this server accepts \(MODELGATE_BODY_LIMIT_BYTES\)/);
  });

  it("a gzip body (tritonclient's request_compression_algorithm) is 415 saying so", async () => {
    const bytes = pack("FP32", [1, 2]);
    const r = await inferBinary("types", fp32(8), [bytes], { "content-encoding": "gzip" });
    expect(r.status).toBe(415);
    expect(r.json.error).toMatch(/Content-Encoding: gzip, which this server does not decode/);
  });

  it("another declared Content-Type is still 415", async () => {
    const res = await call(`${base}/v2/models/types/infer`, {
      key: oip.key,
      body: "{}",
      headers: { "content-type": "text/plain" },
    });
    expect(res.status).toBe(415);
    expect(res.body.error).toMatch(/Content-Type: application\/json/);
  });
});
