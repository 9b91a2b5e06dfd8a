import { afterEach, describe, expect, it } from "vitest";
import type { TempTree } from "../test-support/tmp.js";
import { tempTree } from "../test-support/tmp.js";
import { loadPolicy } from "./policy.js";

let tree: TempTree | undefined;
afterEach(() => tree?.remove());

const POLICY = {
  sources: { code: ["src"], envExample: ".env.example", schema: true },
  ignore: ["AWS_*"],
  required: ["HUGGINGFACE_API_KEY"],
  optional: ["DEBUG"],
  severity: { unused: "info" },
  overrides: [
    { variable: "LEGACY_*", kind: "unused", severity: "off", reason: "read by a library" },
  ],
};

describe("policy file", () => {
  it("is found at .modelgate/drift.json first, then modelgate.drift.json", () => {
    tree = tempTree({ "modelgate.drift.json": JSON.stringify({ ignore: ["ROOT"] }) });
    expect(loadPolicy(tree.dir, undefined)).toMatchObject({
      file: "modelgate.drift.json",
      ignore: ["ROOT"],
    });
    tree.write(".modelgate/drift.json", JSON.stringify({ ignore: ["DATA_DIR"] }));
    expect(loadPolicy(tree.dir, undefined)).toMatchObject({
      file: ".modelgate/drift.json",
      ignore: ["DATA_DIR"],
    });
    tree.write("custom.json", JSON.stringify({ ignore: ["CUSTOM"] }));
    expect(loadPolicy(tree.dir, "custom.json").ignore).toEqual(["CUSTOM"]);
  });

  it("reads ignore lists, forced requiredness, severities, overrides and sources", () => {
    tree = tempTree({ "modelgate.drift.json": JSON.stringify(POLICY, null, 2) });
    expect(loadPolicy(tree.dir, undefined)).toEqual({
      file: "modelgate.drift.json",
      searched: "the working directory",
      ignore: ["AWS_*"],
      required: ["HUGGINGFACE_API_KEY"],
      optional: ["DEBUG"],
      severity: { unused: "info" },
      overrides: [{ variable: "LEGACY_*", kind: "unused", severity: "off" }],
      sources: { code: ["src"], envExample: [".env.example"], schema: true },
    });
  });

  it("refuses unknown keys and bad values, naming the line", () => {
    tree = tempTree({ "modelgate.drift.json": '{\n  "ignore": [],\n  "ignroe": ["X"]\n}\n' });
    expect(() => loadPolicy(tree?.dir ?? "", undefined)).toThrow(
      /^modelgate\.drift\.json:3: ignroe: is not a policy key/,
    );
    tree.write("modelgate.drift.json", '{\n  "severity": {\n    "unused": "loud"\n  }\n}\n');
    expect(() => loadPolicy(tree?.dir ?? "", undefined)).toThrow(
      /^modelgate\.drift\.json:3: unused: must be one of error, warning, info, off/,
    );
    tree.write("modelgate.drift.json", '{\n  "ignore": [1,\n}\n');
    expect(() => loadPolicy(tree?.dir ?? "", undefined)).toThrow(
      /^modelgate\.drift\.json:3: invalid JSON/,
    );
    expect(() => loadPolicy(tree?.dir ?? "", "nope.json")).toThrow(
      /^nope\.json: cannot be read \(no such file\)/,
    );
  });
});
