import { describe, expect, it } from "vitest";
import { elementTest, expectedElement, fromHalf, toHalf, toTensorData } from "./datatypes.js";
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

describe("element checks", () => {
  it("refuse what the datatype cannot hold, and say what it can", () => {
    expect(elementTest("INT8")(128)).toBe(false);
    expect(elementTest("INT8")(1.5)).toBe(false);
    expect(elementTest("INT8")(-128)).toBe(true);
    expect(expectedElement("INT8")).toBe("an integer from -128 to 127");
    expect(elementTest("INT64")(2 ** 53)).toBe(false);
    expect(elementTest("FP32")(1e39)).toBe(false);
    expect(expectedElement("FP32")).toMatch(/FP32's range/);
    expect(elementTest("BYTES")(1)).toBe(false);
    expect(elementTest("BOOL")(0)).toBe(false);
  });

  it("toTensorData makes the typed array onnxruntime takes", () => {
    expect(toTensorData("INT64", [1, -2])).toEqual(BigInt64Array.from([1n, -2n]));
    expect(toTensorData("BOOL", [true, false])).toEqual(Uint8Array.from([1, 0]));
    expect(toTensorData("FP16", [1.5])).toEqual(Uint16Array.from([0x3e00]));
    expect(toTensorData("UINT8", [255])).toEqual(Uint8Array.from([255]));
    expect(toTensorData("BYTES", ["a"])).toEqual(["a"]);
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
