/**
 * Inference requests in the binary tensor data extension's framing, fuzzed for test/fuzz.test.ts:
 * a fuzzed infer body whose tensors (some of them) promise binary data with a fuzzed
 * `binary_data_size` and send no `data`, then fuzzed bytes after the JSON, and an
 * Inference-Header-Content-Length that is the JSON's length or anything else; with
 * application/json, application/octet-stream or no Content-Type.
 */
import fc from "fast-check";
import type { FuzzRequest, KeyRole } from "./fuzz-requests.js";
import { inferBody, keyRef } from "./fuzz-requests.js";

const encoder = new TextEncoder();

/** Model 21's graph input in binary, near right: sizes, datatypes, shapes and bytes a bit off. */
const nearValid = fc
  .record({
    role: fc.constantFrom<KeyRole>("admin", "predict"),
    datatype: fc.oneof(
      { weight: 6, arbitrary: fc.constant("FP32") },
      fc.constantFrom("FP64", "BYTES", "INT64", "BOOL", "FP16"),
    ),
    rows: fc.integer({ min: 0, max: 3 }),
    width: fc.constantFrom(10, 10, 10, 9, 11),
    // Mostly the bytes' own length and the right bytes; now and then anything.
    size: fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.integer({ min: -1, max: 200 }) },
    ),
    tail: fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
    ),
    outputs: fc.constantFrom(
      undefined,
      [{ name: "label", parameters: { binary_data: true } }],
      [{ name: "probabilities", parameters: { binary_data: true } }, { name: "label" }],
    ),
    binaryOut: fc.boolean(),
    exact: fc.integer({ min: -3, max: 3 }),
    contentType: fc.constantFrom<string | null>("application/octet-stream", null),
  })
  .map((r) => {
    const elements = r.rows * r.width;
    const floats = Buffer.alloc(elements * 4);
    for (let i = 0; i < elements; i++) floats.writeFloatLE(i / 7, i * 4);
    const tail = r.tail ?? floats;
    const request = {
      inputs: [
        {
          name: "features",
          shape: [r.rows, r.width],
          datatype: r.datatype,
          parameters: { binary_data_size: r.size ?? tail.length },
        },
      ],
      ...(r.outputs ? { outputs: r.outputs } : {}),
      ...(r.binaryOut ? { parameters: { binary_data_output: true } } : {}),
    };
    const json = encoder.encode(JSON.stringify(request));
    const bytes = new Uint8Array(json.length + tail.length);
    bytes.set(json);
    bytes.set(tail, json.length);
    // Mostly the JSON's length; sometimes a few bytes off either way.
    const length = json.length + (Math.abs(r.exact) === 3 ? r.exact : 0);
    const headers: [string, string][] = [
      ["X-API-Key", keyRef(r.role)],
      ["Inference-Header-Content-Length", String(length)],
    ];
    if (r.contentType !== null) headers.push(["Content-Type", r.contentType]);
    return request21(headers, bytes);
  });

function request21(headers: [string, string][], body: Uint8Array): FuzzRequest {
  return {
    method: "POST",
    target: "/v2/models/21/infer",
    headers,
    body,
    framing: "length",
    keepAlive: true,
  };
}

const anyBinary: fc.Arbitrary<FuzzRequest> = fc
  .record({
    role: fc.constantFrom<KeyRole>("admin", "predict"),
    body: inferBody,
    sizes: fc.array(fc.oneof(fc.integer({ min: -2, max: 80 }), fc.constant(1e12)), {
      maxLength: 12,
    }),
    exact: fc.boolean(),
    header: fc.oneof(fc.nat(600).map(String), fc.string({ maxLength: 8 })),
    tail: fc.uint8Array({ maxLength: 240 }),
    contentType: fc.constantFrom<string | null>(
      "application/json",
      "application/octet-stream",
      null,
    ),
  })
  .map(({ role, body, sizes, exact, header, tail, contentType }) => {
    const inputs = Array.isArray(body.inputs) ? body.inputs : null;
    const request = {
      ...body,
      ...(inputs
        ? {
            inputs: inputs.map((t, i) => {
              const size = sizes[i];
              if (size === undefined || typeof t !== "object" || t === null) return t;
              const { data: _data, ...rest } = t as Record<string, unknown>;
              return { ...rest, parameters: { binary_data_size: size } };
            }),
          }
        : {}),
    };
    const json = encoder.encode(JSON.stringify(request));
    const bytes = new Uint8Array(json.length + tail.length);
    bytes.set(json);
    bytes.set(tail, json.length);
    const headers: [string, string][] = [
      ["X-API-Key", keyRef(role)],
      ["Inference-Header-Content-Length", exact ? String(json.length) : header],
    ];
    if (contentType !== null) headers.push(["Content-Type", contentType]);
    return request21(headers, bytes);
  });

export const binaryInferRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(anyBinary, nearValid);
