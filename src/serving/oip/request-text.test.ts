import { describe, expect, it } from "vitest";
import { isAscii } from "node:buffer";
import { plainWithin } from "../../server/json-body.js";
import { parseInferRequest } from "./request.js";
import type { InferRequest } from "./request.js";
import { readInferBody } from "./request-text.js";

/** What the general path makes of the text: the request, or null where it refuses it. */
function general(text: string): InferRequest | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!plainWithin(value, 64)) return null;
  try {
    return parseInferRequest(value);
  } catch {
    return null;
  }
}

function read(text: string): InferRequest | null {
  const bytes = Buffer.from(text, "utf8");
  const ascii = isAscii(bytes);
  return readInferBody(bytes, bytes.toString(ascii ? "latin1" : "utf8"), ascii)?.request ?? null;
}

/** The reader takes a text only as the general path reads it; returns whether it took it. */
function agrees(text: string): boolean {
  const fast = read(text);
  if (fast === null) return false;
  expect(fast, text).toStrictEqual(general(text));
  return true;
}

const FIELDS = JSON.stringify({
  inputs: [
    { name: "company_size", shape: [1], datatype: "INT64", data: [1000] },
    { name: "industry", shape: [1], datatype: "BYTES", data: ["Technology"] },
    { name: "engagement_score", shape: [1], datatype: "FP64", data: [75.5] },
    { name: "demo_requested", shape: [1], datatype: "BOOL", data: [true] },
  ],
});

const COMMON = [
  FIELDS,
  // The protocol's own example (inference_rest.md), and with its outputs and parameters.
  '{"id":"42","inputs":[{"name":"input0","shape":[2,2],"datatype":"UINT32","data":[1,2,3,4]},{"name":"input1","shape":[3],"datatype":"BOOL","data":[true,false,true]}],"outputs":[{"name":"output0"}]}',
  '{ "id" : "42", "inputs" : [ { "name" : "input0", "shape" : [ 2, 2 ], "datatype" : "UINT32", "data" : [ 1, 2, 3, 4 ] } ], "outputs" : [ { "name" : "output0" } ] }',
  '{\n  "inputs": [\n    {\n      "name": "features",\n      "shape": [1, 10],\n      "datatype": "FP32",\n      "data": [6.908, 1, 75, 2.398, 1.792, 1.386, 1, 0, 0.5, 3e0]\n    }\n  ]\n}',
  '{"parameters":{"content_type":"pd","n":2,"b":false},"inputs":[{"name":"x","datatype":"FP64","shape":[2],"data":[-0,1.5e-300],"parameters":{"content_type":"np"}}],"outputs":[{"name":"y","parameters":{"binary_data":false}}]}',
  '{"inputs":[{"data":[],"shape":[0],"datatype":"INT8","name":"empty"}],"outputs":[]}',
  // tritonclient.http's JSON form (binary_data=False): json.dumps' spaces, empty parameters,
  // binary_data_output when no output is named, each named output's binary_data.
  '{"id": "r1", "inputs": [{"name": "features", "shape": [1, 10], "datatype": "FP32", "parameters": {}, "data": [6.900000095367432, 1.0, 75.0, 2.4000000953674316, 1.7999999523162842, 1.399999976158142, 1.0, 0.0, 0.5, 3.0]}], "parameters": {"binary_data_output": true}}',
  '{"inputs": [{"name": "features", "shape": [1, 10], "datatype": "FP32", "parameters": {}, "data": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}], "outputs": [{"name": "label", "parameters": {"binary_data": false}}, {"name": "probabilities", "parameters": {"binary_data": true}}]}',
];

describe("readInferBody", () => {
  it("takes the requests clients usually send, exactly as the general path reads them", () => {
    for (const text of COMMON) {
      expect(agrees(text), text).toBe(true);
      // Again: the tensors now match the heads kept from the first read.
      expect(agrees(text), text).toBe(true);
    }
  });

  it("reads each request's own data where its tensors are written as the last one's", () => {
    const request = (size: number, industry: string) =>
      FIELDS.replace("[1000]", `[${size}]`).replace('["Technology"]', `["${industry}"]`);
    for (const [size, industry] of [
      [1, "Finance"],
      [20, "Retail"],
      [7, ""],
    ] as const) {
      expect(agrees(request(size, industry))).toBe(true);
      const got = read(request(size, industry));
      expect(got?.inputs[0]?.values).toEqual([size]);
      expect(got?.inputs[1]?.values).toEqual([industry]);
    }
    // A tensor written as last time up to its data, then with a member after the data.
    const after = FIELDS.replace('"data":[1000]}', '"data":[1000],"parameters":{"a":1}}');
    expect(agrees(after)).toBe(true);
    // Heads alike but for one character: each is read as written.
    const tensor = (shape: string, datatype: string) =>
      `{"inputs":[{"name":"x","shape":[${shape}],"datatype":"${datatype}","data":[1,2]}]}`;
    const alike: [string, string][] = [
      ["1,2", "FP32"],
      ["1,2", "FP64"],
      ["2,1", "FP64"],
      ["2,1", "INT8"],
    ];
    for (const [shape, datatype] of alike) {
      expect(agrees(tensor(shape, datatype))).toBe(true);
      expect(read(tensor(shape, datatype))?.inputs[0]).toMatchObject({
        datatype,
        shape: shape.split(",").map(Number),
      });
    }
    // The same head, a shape that no longer fits the data.
    const wrong = FIELDS.replace('"data":[1000]', '"data":[1000,2]');
    expect(read(wrong)).toBeNull();
    expect(general(wrong)).toBeNull();
  });

  it("leaves to the general path what it does not take, and everything the general path refuses", () => {
    const refused = [
      "",
      "{}",
      "[]",
      "null",
      '{"inputs":[]}',
      '{"inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[1]}]}',
      '{"inputs":[{"name":"x","shape":[1],"datatype":"FP33","data":[1]}]}',
      '{"inputs":[{"name":"x","shape":[1],"datatype":"UINT8","data":[256]}]}',
      '{"inputs":[{"name":"x","shape":[1],"datatype":"INT32","data":[1.5]}]}',
      '{"inputs":[{"name":"x","shape":[-1],"datatype":"INT32","data":[1]}]}',
      '{"inputs":[{"name":"x","shape":[1],"datatype":"BYTES","data":[1]}]}',
      '{"inputs":[{"name":"","shape":[1],"datatype":"BOOL","data":[true]}]}',
      '{"inputs":[{"name":"x","shape":[1],"datatype":"BOOL","data":[true]},{"name":"x","shape":[1],"datatype":"BOOL","data":[true]}]}',
      '{"inputs":[{"name":"x","shape":[1],"datatype":"BOOL","data":[true],"parameters":{"binary_data_size":4}}]}',
      '{"inputs":[{"name":"x","shape":[1],"datatype":"BOOL","data":[true]}],"outputs":[{"name":"y","parameters":{"classification":3}}]}',
      '{"inputs":[{"name":"x","shape":[1],"datatype":"BOOL","data":[true],"parameters":{"shared_memory_region":"r"}}]}',
      '{"inputs":[{"name":"x","shape":[1],"datatype":"BOOL","data":[true]}],"outputs":[{"name":"y"},{"name":"y"}]}',
      '{"inputs":[{"name":"x","shape":[1],"datatype":"BOOL","data":[true]}]} x',
      '{"inputs":[{"name":"x","shape":[1],"datatype":"BOOL","data":[true]}],}',
      '{"inputs":[{"name":"x","shape":[1],"datatype":"FP64","data":[01]}]}',
      '{"inputs":[{"name":"x","shape":[1],"datatype":"FP64","data":[1.]}]}',
      '{"inputs":[{"name":"x","shape":[1],"datatype":"FP64","data":[+1]}]}',
      '{"inputs":[{"name":"x","shape":[1],"datatype":"FP64","data":[NaN]}]}',
      '{"inputs":[{"name":"x\ty","shape":[1],"datatype":"FP64","data":[1]}]}',
      `{"id":"${"i".repeat(257)}","inputs":[{"name":"x","shape":[1],"datatype":"FP64","data":[1]}]}`,
    ];
    for (const text of refused) {
      expect(read(text), text).toBeNull();
      expect(general(text), text).toBeNull();
    }
    // Valid, but not taken here: escapes, nesting, other keys, non-ASCII, prototype keys.
    const left = [
      '{"inputs":[{"name":"x\\u0041","shape":[1],"datatype":"FP64","data":[1]}]}',
      '{"inputs":[{"name":"x","shape":[2,1],"datatype":"FP64","data":[[1],[2]]}]}',
      '{"inputs":[{"name":"x","shape":[1],"datatype":"FP64","data":[1],"extra":1}]}',
      '{"inputs":[{"name":"x","shape":[1],"datatype":"BYTES","data":["é"]}]}',
      '{"inputs":[{"name":"x","shape":[1],"datatype":"FP64","data":[1]}],"inputs":[{"name":"y","shape":[1],"datatype":"FP64","data":[1]}]}',
      '{"parameters":{"constructor":1},"inputs":[{"name":"x","shape":[1],"datatype":"FP64","data":[1]}]}',
    ];
    for (const text of left) expect(read(text), text).toBeNull();
  });

  it("never takes a text the general path would read otherwise (random requests, mutated)", () => {
    let seed = 20261203;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    const numbers = [
      "0",
      "-0",
      "1",
      "-7",
      "12.5",
      "1e3",
      "2E-2",
      "-1.5e+2",
      "123456789012345",
      "1234567890123456789",
      "1e400",
      "0.1",
      "255",
      "256",
      "-129",
      "3.5e38",
    ];
    const strings = ['"a"', '"Technology"', '""', '"x y"', '"\\"q\\""', '"é"'];
    const scalars = [...numbers, ...strings, "true", "false", "null"];
    const datatypes = [
      "BOOL",
      "UINT8",
      "INT8",
      "INT32",
      "INT64",
      "UINT64",
      "FP16",
      "FP32",
      "FP64",
      "BYTES",
      "fp32",
    ];
    const ws = () => pick(["", "", "", " ", "\n  ", "\t"]);
    const fitting: Record<string, readonly string[]> = {
      BOOL: ["true", "false"],
      BYTES: strings,
      UINT8: ["0", "1", "255", "7"],
      INT8: ["-128", "127", "0", "-0"],
      INT32: ["-7", "123456789", "1e3", "0"],
    };
    const tensor = (i: number) => {
      const n = pick([0, 1, 1, 1, 2, 3]);
      const datatype = pick(datatypes);
      const element = () => (random() < 0.9 ? pick(fitting[datatype] ?? numbers) : pick(scalars));
      const members = [
        `"name":${ws()}"${pick(["t", "u", "v"])}${i}"`,
        `"datatype":"${datatype}"`,
        `"shape":[${pick([String(n), String(n), `${n},1`, `1,${n}`, "-1", "1.0", ""])}]`,
        `"data":[${Array.from({ length: pick([n, n, n, n + 1]) }, element).join(`,${ws()}`)}]`,
      ];
      if (random() < 0.2) members.push(`"parameters":{"k":${pick(scalars)}}`);
      if (random() < 0.05) members.push('"other":1');
      if (random() < 0.5) members.sort(() => random() - 0.5);
      return `{${ws()}${members.join(`,${ws()}`)}${ws()}}`;
    };
    const body = () => {
      const parts = [
        `"inputs":[${Array.from({ length: pick([1, 2, 3]) }, (_, i) => tensor(i)).join(",")}]`,
      ];
      if (random() < 0.3) parts.push(`"id":${pick(strings)}`);
      if (random() < 0.3)
        parts.push(`"outputs":[{"name":"o"}${random() < 0.2 ? ',{"name":"o"}' : ""}]`);
      if (random() < 0.2) parts.push(`"parameters":{"content_type":"pd"}`);
      if (random() < 0.5) parts.reverse();
      return `${ws()}{${parts.join(",")}}${ws()}`;
    };
    const mutate = (text: string) => {
      const at = Math.floor(random() * text.length);
      const char = pick([
        '"',
        ",",
        "]",
        "}",
        "[",
        "{",
        ":",
        "1",
        "-",
        "e",
        ".",
        " ",
        "\\",
        "\u0001",
      ]);
      return pick([
        text.slice(0, at) + text.slice(at + 1),
        text.slice(0, at) + char + text.slice(at),
        text.slice(0, at) + char + text.slice(at + 1),
      ]);
    };
    let taken = 0;
    let valid = 0;
    for (let i = 0; i < 4000; i++) {
      const text = i % 2 === 0 ? body() : mutate(body());
      if (general(text) !== null) valid++;
      if (agrees(text)) taken++;
      // Read twice: the second time through the heads the first one kept.
      agrees(text);
    }
    // Most valid requests are taken (the reader is not just saying no), and none wrongly.
    expect(valid).toBeGreaterThan(400);
    expect(taken).toBeGreaterThan(valid / 2);
  });
});
