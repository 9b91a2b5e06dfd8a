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

describe("policy file: found from the checked repository, readers", () => {
  it("walks up from the checked path to its repository root, before the working directory", () => {
    tree = tempTree({
      "repo/.git/HEAD": "ref: refs/heads/main\n",
      "repo/modelgate.drift.json": JSON.stringify({ ignore: ["REPO"] }),
      "repo/svc/src/app.py": "",
      "elsewhere/modelgate.drift.json": JSON.stringify({ ignore: ["CWD"] }),
    });
    const cwd = `${tree.dir}/elsewhere`;
    expect(loadPolicy(cwd, undefined, "../repo/svc/src")).toMatchObject({
      file: `${tree.dir}/repo/modelgate.drift.json`,
      searched: "the checked repository",
      ignore: ["REPO"],
    });
    // The nearest one wins: a service's own policy over the repository's.
    tree.write("repo/svc/.modelgate/drift.json", JSON.stringify({ ignore: ["SVC"] }));
    expect(loadPolicy(cwd, undefined, "../repo/svc/src").ignore).toEqual(["SVC"]);
    expect(loadPolicy(cwd, undefined, undefined).ignore).toEqual(["CWD"]);
  });

  it("without a repository root above the checked path, only the working directory counts", () => {
    tree = tempTree({ "modelgate.drift.json": "{}", "work/app.py": "" });
    expect(loadPolicy(`${tree.dir}/work`, undefined, ".")).toEqual({
      ignore: [],
      required: [],
      optional: [],
      severity: {},
      overrides: [],
      searched:
        "no .modelgate/drift.json or modelgate.drift.json from . up to its repository root, nor in the working directory",
    });
  });

  it("reads `readers`, naming every problem at once", () => {
    tree = tempTree({
      "modelgate.drift.json": JSON.stringify({
        readers: [{ call: "getSetting", nameArg: 2, required: true }, { call: "env" }],
      }),
    });
    expect(loadPolicy(tree.dir, undefined).readers).toEqual([
      { call: "getSetting", nameArg: 2, required: true },
      { call: "env", nameArg: 1, required: false },
    ]);
    tree.write(
      "modelgate.drift.json",
      JSON.stringify(
        { readers: [{ call: "", nameArg: 0, required: "yes", extra: 1 }, { nameArg: 1.5 }, "x"] },
        null,
        2,
      ),
    );
    expect(() => loadPolicy(tree?.dir ?? "", undefined)).toThrow(
      'modelgate.drift.json:2: readers: readers[0].extra: is not a reader key (call, nameArg, required); readers[0].call: must be a non-empty string (the function or method as called, e.g. "getSetting" or "config.get"); readers[0].nameArg: must be a whole number ≥ 1 (which argument holds the variable\'s name, counting from 1), not 0; readers[0].required: must be true or false (whether the wrapper fails on an empty value), not "yes"; readers[1].call: must be a non-empty string (the function or method as called, e.g. "getSetting" or "config.get"); readers[1].nameArg: must be a whole number ≥ 1 (which argument holds the variable\'s name, counting from 1), not 1.5; readers[2]: must be an object with call, nameArg and required',
    );
  });
});
