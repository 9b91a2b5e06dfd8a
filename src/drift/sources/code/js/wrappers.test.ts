import { describe, expect, it } from "vitest";
import { jsScanner } from "./index.js";
import { scanFiles, scanTs } from "./test-support/harness.js";

describe("JS/TS scanner: the project's own wrappers", () => {
  it("a wrapper that throws on an empty value makes its calls required reads, in any module", async () => {
    const { detail, dynamic } = await scanFiles({
      "src/config.ts": [
        "export function mustEnv(name: string): string {",
        "  const value = process.env[name];",
        "  if (!value) throw new Error(`${name} is required`);",
        "  return value;",
        "}",
      ].join("\n"),
      "src/db.ts": [
        'import { mustEnv } from "./config.js";',
        'export const url = mustEnv("DB_URL");',
        "export const other = mustEnv(someName);",
        "export const none = mustEnv(false);",
        '// mustEnv("IN_A_COMMENT")',
      ].join("\n"),
    });
    expect(detail).toEqual([["src/db.ts", "DB_URL", "required", "mustEnv() → process.env"]]);
    expect(dynamic).toEqual([["mustEnv(someName)", 3]]);
  });

  it("a fallback argument makes a call optional; without it, the call's own context decides", async () => {
    const { needs } = await scanTs(
      [
        "function env(name: string, fallback?: string) {",
        "  return process.env[name] ?? fallback;",
        "}",
        'const a = env("WITH_DEFAULT", "d");',
        'const b = env("NO_DEFAULT");',
        'const c = env("DEFAULT_AT_CALL") || "x";',
        'const d = env("EXPLICIT_UNDEFINED", undefined);',
      ].join("\n"),
    );
    expect(needs).toEqual({
      WITH_DEFAULT: "optional",
      NO_DEFAULT: "unknown",
      DEFAULT_AT_CALL: "optional",
      EXPLICIT_UNDEFINED: "unknown",
    });
  });

  it("arrow functions, exported consts, default parameters and object methods", async () => {
    const { needs } = await scanFiles({
      "src/env.ts": [
        "export const requireEnv = (key: string) => {",
        "  const v = process.env[key];",
        "  if (v === undefined) { console.error(`missing ${key}`); process.exit(1); }",
        "  return v;",
        "};",
        'export const envOr = (key: string, fallback = "") => process.env[key] ?? fallback;',
        "export const settings = {",
        "  read(key: string) { return process.env[key]!; },",
        "};",
      ].join("\n"),
      "src/app.js": [
        'const { requireEnv, envOr, settings } = require("./env");',
        'const a = requireEnv("ARROW_REQUIRED");',
        'const b = envOr("PARAM_DEFAULT");',
        'const c = settings.read("METHOD_NON_NULL");',
        'const d = other.read("lowercase_not_env");',
      ].join("\n"),
    });
    expect(needs).toEqual({
      ARROW_REQUIRED: "required",
      PARAM_DEFAULT: "optional",
      METHOD_NON_NULL: "required",
    });
  });

  it("class methods called on this, and a wrapper's own read is not a dynamic read", async () => {
    const { needs, dynamic } = await scanTs(
      [
        "export class Config {",
        "  private get(key: string, fallback?: string): string | undefined {",
        "    return process.env[key] ?? fallback;",
        "  }",
        "  get port() { return this.get('APP_PORT', '8080'); }",
        "  get token() { return this.get('APP_TOKEN'); }",
        "}",
        "const m = new Map(); m.get('cache-key'); m.get(key);",
      ].join("\n"),
    );
    expect(needs).toEqual({ APP_PORT: "optional", APP_TOKEN: "unknown" });
    expect(dynamic).toEqual([]);
  });
});

describe("JS/TS scanner: which files a wrapper makes worth parsing", () => {
  it("a function's name anywhere; a method's only on this or with an UPPER_CASE name", () => {
    const defs = jsScanner.definitions([{ call: "settings.fetch", nameArg: 1, required: true }]);
    const base = { nameArg: 0, need: "required" as const, via: "x" };
    defs.wrappers.set("mustEnv", { ...base, name: "mustEnv", method: false });
    defs.wrappers.set("get", { ...base, name: "get", method: true });
    expect(jsScanner.mayRead('const a = mustEnv("A");', defs)).toBe(true);
    expect(jsScanner.mayRead("const a = mustEnv<string>(k);", defs)).toBe(true);
    expect(jsScanner.mayRead('const a = cfg.get("API_KEY");', defs)).toBe(true);
    expect(jsScanner.mayRead("const a = this.get(k);", defs)).toBe(true);
    expect(jsScanner.mayRead('const a = settings.fetch("A");', defs)).toBe(true);
    expect(jsScanner.mayRead('const a = map.get(key) ?? cache.get("user:1");', defs)).toBe(false);
    expect(jsScanner.mayRead("const a = notMustEnv; fetch(u);", defs)).toBe(false);
  });
});

describe("JS/TS scanner: readers declared in the policy file", () => {
  it("matches a plain or dotted call name, with nameArg counted from 1", async () => {
    const { detail, dynamic } = await scanTs(
      [
        'import { getSetting } from "@acme/settings";',
        'const a = getSetting("POLICY_REQUIRED");',
        'const b = this.config.get(ctx, "DOTTED_OPTIONAL");',
        'const c = config.get(ctx, "PLAIN_DOTTED");',
        'const d = other.get(ctx, "NOT_THIS_READER");',
        "const e = getSetting(name);",
      ].join("\n"),
      [
        { call: "getSetting", nameArg: 1, required: true },
        { call: "config.get", nameArg: 2, required: false },
      ],
    );
    expect(detail).toEqual([
      ["app.ts", "POLICY_REQUIRED", "required", "getSetting() (policy reader)"],
      ["app.ts", "DOTTED_OPTIONAL", "optional", "config.get() (policy reader)"],
      ["app.ts", "PLAIN_DOTTED", "optional", "config.get() (policy reader)"],
    ]);
    expect(dynamic).toEqual([["getSetting(name)", 6]]);
  });
});
