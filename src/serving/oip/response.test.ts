import { describe, expect, it } from "vitest";
import { inferResponseText } from "./response.js";
import type { ResponseTensor } from "./response.js";

/** What JSON.stringify writes for the same response: the text must be identical. */
function reference(id: string, outputs: ResponseTensor[]): string {
  return JSON.stringify({
    model_name: "m",
    model_version: "1",
    id,
    outputs: outputs.map((t) => ({
      name: t.name,
      datatype: t.datatype,
      shape: t.shape,
      ...(t.parameters ? { parameters: t.parameters } : {}),
      data: t.data,
    })),
  });
}

const TRICKY = [
  "plain",
  "",
  'a "quoted" word',
  "back\\slash",
  "tab\tnew\nline\u0000nul\u001f",
  "line\u2028separator\u2029",
  "emoji 😀 pair",
  "lone \ud800 high",
  "lone \udc00 low",
  "é ü 中文",
];

describe("inference response text", () => {
  it("writes strings exactly as JSON.stringify does, escapes and surrogates included", () => {
    const outputs: ResponseTensor[] = TRICKY.map((s, i) => ({
      name: s || `empty${i}`,
      datatype: "BYTES",
      shape: [1],
      data: [s],
      json: true,
    }));
    for (const id of TRICKY) {
      expect(inferResponseText({ modelName: "m", modelVersion: "1", id, outputs })).toBe(
        reference(id, outputs),
      );
    }
  });

  it("writes JSON values as JSON.stringify does: NaN and ±Infinity as null, -0 as 0, objects as they are", () => {
    const values = [0, -0, 1.5, 1e21, 1e-7, Number.NaN, Infinity, -Infinity, true, false, null];
    const outputs: ResponseTensor[] = [
      { name: "values", datatype: "FP64", shape: [values.length], data: values, json: true },
      {
        name: "objects",
        datatype: "BYTES",
        shape: [2],
        data: [{ a: [1, "x"] }, ["y"]],
        json: true,
        parameters: { content_type: "json" },
      },
    ];
    const text = inferResponseText({ modelName: "m", modelVersion: "1", id: "r", outputs });
    expect(text).toBe(reference("r", outputs));
    expect(JSON.parse(text).outputs[0].data).toEqual([
      0,
      0,
      1.5,
      1e21,
      1e-7,
      null,
      null,
      null,
      true,
      false,
      null,
    ]);
  });
});
