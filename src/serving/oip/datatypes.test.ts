import { describe, expect, it } from "vitest";
import { allocate, fromHalf, storeElement, toHalf } from "./datatypes.js";
import { inferResponseText } from "./response.js";

describe("FP16", () => {
  it.each([
    [0, 0x0000],
    [1, 0x3c00],
    [-2, 0xc000],
    [1.5, 0x3e00],
    [65504, 0x7bff],
    [1e6, 0x7c00],
    [2 ** -24, 0x0001],
    [0.1, 0x2e66],
  ])("%d ↔ 0x%s", (value, bits) => {
    expect(toHalf(value)).toBe(bits);
  });

  it("rounds to nearest even and reads back what it wrote", () => {
    for (let bits = 0; bits < 0x7c00; bits += 37) expect(toHalf(fromHalf(bits))).toBe(bits);
    expect(Number.isNaN(fromHalf(0x7e00))).toBe(true);
    expect(fromHalf(0xfc00)).toBe(-Infinity);
  });
});

describe("storeElement", () => {
  it("refuses what the datatype cannot hold, saying what it can", () => {
    const out = allocate("INT8", 1);
    expect(storeElement("INT8", out, 0, 128)).toBe("an integer from -128 to 127");
    expect(storeElement("INT8", out, 0, 1.5)).toBe("an integer from -128 to 127");
    expect(storeElement("INT64", allocate("INT64", 1), 0, 2 ** 53)).toMatch(/^an integer from/);
    expect(storeElement("FP32", allocate("FP32", 1), 0, 1e39)).toMatch(/FP32's range/);
    expect(storeElement("BYTES", allocate("BYTES", 1), 0, 1)).toBe("a string");
    expect(storeElement("INT8", out, 0, -128)).toBeNull();
    expect(out[0]).toBe(-128);
  });
});

describe("inferResponseText", () => {
  it("writes 64-bit integers with every digit, NaN and Infinity as null, valid JSON", () => {
    const text = inferResponseText({
      modelName: "m",
      modelVersion: "1",
      id: 'a"b',
      outputs: [
        { name: "i", datatype: "INT64", shape: [2], data: BigInt64Array.from([2n ** 62n, -1n]) },
        { name: "f", datatype: "FP32", shape: [3], data: Float32Array.from([NaN, Infinity, 0.5]) },
        { name: "b", datatype: "BOOL", shape: [1], data: Uint8Array.from([1]) },
      ],
    });
    expect(text).toContain('"data":[4611686018427387904,-1]');
    expect(JSON.parse(text)).toEqual({
      model_name: "m",
      model_version: "1",
      id: 'a"b',
      outputs: [
        { name: "i", datatype: "INT64", shape: [2], data: [2 ** 62, -1] },
        { name: "f", datatype: "FP32", shape: [3], data: [null, null, 0.5] },
        { name: "b", datatype: "BOOL", shape: [1], data: [true] },
      ],
    });
  });
});
