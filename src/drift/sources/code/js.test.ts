import { describe, expect, it } from "vitest";
import { scanJs } from "./js.js";
import { stripComments } from "./strip.js";

function scan(source: string) {
  const result = scanJs(stripComments(source, "js"), "app.ts");
  return {
    reads: result.reads.map((r) => [r.name, r.read.need, r.read.location.line]),
    dynamic: result.dynamic.map((d) => [d.text, d.location.line]),
  };
}

describe("JS/TS scanner", () => {
  it("reads process.env.X, process.env['X'], optional chaining and import.meta.env", () => {
    const { reads } = scan(
      [
        "const a = process.env.API_URL;",
        'const b = process.env["SECRET_TOKEN"];',
        "const c = process.env?.REGION;",
        "const d = import.meta.env.VITE_PUBLIC_URL;",
        "const e = process.env[`TEMPLATE_NAME`];",
      ].join("\n"),
    );
    expect(reads).toEqual([
      ["API_URL", "required", 1],
      ["SECRET_TOKEN", "required", 2],
      ["REGION", "required", 3],
      ["VITE_PUBLIC_URL", "required", 4],
      ["TEMPLATE_NAME", "required", 5],
    ]);
  });

  it("treats a fallback, a presence test or a comparison as optional", () => {
    const { reads } = scan(
      [
        "const port = Number(process.env.PORT) || 3000;",
        'const host = process.env.HOST ?? "0.0.0.0";',
        "if (process.env.DEBUG) enableDebug();",
        'const prod = process.env.NODE_ENV === "production";',
        'const mode = process.env.MODE ? "a" : "b";',
        'if ("FEATURE_X" in process.env) on();',
        "if (!process.env.REQUIRED_ONE) throw new Error('REQUIRED_ONE is required');",
      ].join("\n"),
    );
    expect(Object.fromEntries(reads.map(([n, o]) => [n, o]))).toEqual({
      PORT: "optional",
      HOST: "optional",
      DEBUG: "optional",
      NODE_ENV: "optional",
      MODE: "optional",
      FEATURE_X: "optional",
      REQUIRED_ONE: "required",
    });
  });

  it("reads destructuring with renames, defaults and a rest element (reported as dynamic)", () => {
    const result = scan(
      [
        "const {",
        "  DATABASE_URL,",
        "  REDIS_URL: redis,",
        '  LOG_LEVEL = "info",',
        "  ...rest",
        "} = process.env;",
      ].join("\n"),
    );
    expect(result.reads).toEqual([
      ["DATABASE_URL", "required", 2],
      ["REDIS_URL", "required", 3],
      ["LOG_LEVEL", "optional", 4],
    ]);
    expect(result.dynamic[0]?.[0]).toContain("...rest");
  });

  it("follows a local alias of process.env", () => {
    const { reads } = scan(
      [
        "const env = process.env;",
        "const key = env.STRIPE_KEY;",
        'const other = env["OTHER"] ?? "x";',
      ].join("\n"),
    );
    expect(reads).toEqual([
      ["STRIPE_KEY", "required", 2],
      ["OTHER", "optional", 3],
    ]);
  });

  it("reports computed names and spreads as dynamic, never guessed", () => {
    const { reads, dynamic } = scan(
      ["const v = process.env[name];", "spawn(cmd, { env: { ...process.env, X: '1' } });"].join(
        "\n",
      ),
    );
    expect(reads).toEqual([]);
    expect(dynamic).toEqual([
      ["process.env[name]", 1],
      ["...process.env", 2],
    ]);
  });

  it("ignores comments, assignments, deletes and methods, but not strings with //", () => {
    const { reads } = scan(
      [
        "// process.env.IN_LINE_COMMENT",
        "/* process.env.IN_BLOCK",
        "   process.env.COMMENT */",
        "process.env.SET_FOR_CHILD = '1';",
        "delete process.env.REMOVED;",
        "process.env.hasOwnProperty('X');",
        'const url = "http://x//y" + process.env.AFTER_URL;',
        "const t = `${process.env.IN_TEMPLATE}/path`;",
        "const re = /\\/\\/[a-z]/; const z = process.env.AFTER_REGEX;",
      ].join("\n"),
    );
    expect(reads.map((r) => r[0])).toEqual(["AFTER_URL", "IN_TEMPLATE", "AFTER_REGEX"]);
  });
});
