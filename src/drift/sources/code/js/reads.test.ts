import { describe, expect, it } from "vitest";
import { scanFiles, scanTs } from "./test-support/harness.js";

const names = (reads: [string, string, number][]) => reads.map(([n]) => n);

describe("JS/TS scanner: what is a read", () => {
  it("reads process.env.X, ['X'], [`X`], optional chaining, import.meta.env and globalThis", async () => {
    const { reads, detail } = await scanTs(
      [
        "export const a = process.env.API_URL;",
        'export const b = process.env["SECRET_TOKEN"];',
        "export const c = process.env?.REGION;",
        "export const d = import.meta.env.VITE_PUBLIC_URL;",
        "export const e = process.env[`TEMPLATE_NAME`];",
        'export const f = globalThis.process.env["GLOBAL_ONE"];',
        "export const g = (process.env as Record<string, string>).CAST_ONE;",
      ].join("\n"),
    );
    expect(reads).toEqual([
      ["API_URL", "unknown", 1],
      ["SECRET_TOKEN", "unknown", 2],
      ["REGION", "unknown", 3],
      ["VITE_PUBLIC_URL", "unknown", 4],
      ["TEMPLATE_NAME", "unknown", 5],
      ["GLOBAL_ONE", "unknown", 6],
      ["CAST_ONE", "unknown", 7],
    ]);
    expect(detail[3]?.[3]).toBe("import.meta.env");
  });

  it("reads destructuring with renames and defaults; a rest element is dynamic", async () => {
    const result = await scanTs(
      [
        "const {",
        "  DATABASE_URL,",
        "  REDIS_URL: redis,",
        '  LOG_LEVEL = "info",',
        '  "QUOTED_NAME": quoted,',
        '  MODE: mode = "dev",',
        "  ...rest",
        "} = process.env;",
      ].join("\n"),
    );
    expect(result.reads).toEqual([
      ["DATABASE_URL", "unknown", 2],
      ["REDIS_URL", "unknown", 3],
      ["LOG_LEVEL", "optional", 4],
      ["QUOTED_NAME", "unknown", 5],
      ["MODE", "optional", 6],
    ]);
    expect(result.detail[0]?.[3]).toBe("destructured from process.env");
    expect(result.dynamic).toEqual([["{ ...rest } = process.env", 7]]);
  });

  it('reads "X" in process.env as a presence test', async () => {
    const { reads } = await scanTs(
      'if ("FEATURE_X" in process.env) on();\nif (x in process.env) {}',
    );
    expect(reads).toEqual([["FEATURE_X", "optional", 1]]);
  });

  it("follows aliases: a local, { env } = process, imports and require of process", async () => {
    const { detail } = await scanFiles({
      "a.ts":
        "const env = process.env;\nexport const k = env.STRIPE_KEY;\nconst o = env['OTHER'] ?? 'x';",
      "b.ts": "const { env } = process;\nexport const v = env.FROM_PROCESS_PATTERN;",
      "c.ts": 'import { env } from "node:process";\nexport const v = env.NODE_PROCESS_IMPORT;',
      "d.mjs": 'import { env as e } from "process";\nexport const v = e.RENAMED_IMPORT;',
      "e.ts": 'import proc from "node:process";\nexport const v = proc.env.DEFAULT_IMPORT;',
      "f.ts": 'import * as p from "process";\nexport const v = p.env.NAMESPACE_IMPORT;',
      "g.cjs": 'const pr = require("process");\nmodule.exports = pr.env.REQUIRED_MODULE;',
      "h.js": 'const { env: vars } = require("node:process");\nexports.v = vars.REQUIRED_PATTERN;',
      "i.ts": "const env = process.env;\nconst cfg = env;\nexport const v = cfg.ALIAS_OF_ALIAS;",
    });
    expect(detail.map(([file, name, , via]) => [file, name, via])).toEqual([
      ["a.ts", "STRIPE_KEY", "env (= process.env)"],
      ["a.ts", "OTHER", "env (= process.env)"],
      ["b.ts", "FROM_PROCESS_PATTERN", "env (= process.env)"],
      ["c.ts", "NODE_PROCESS_IMPORT", "env (= process.env)"],
      ["d.mjs", "RENAMED_IMPORT", "e (= process.env)"],
      ["e.ts", "DEFAULT_IMPORT", "process.env"],
      ["f.ts", "NAMESPACE_IMPORT", "process.env"],
      ["g.cjs", "REQUIRED_MODULE", "process.env"],
      ["h.js", "REQUIRED_PATTERN", "vars (= process.env)"],
      ["i.ts", "ALIAS_OF_ALIAS", "cfg (= env (= process.env))"],
    ]);
  });

  it("knows an alias only in the block that declares it", async () => {
    const { reads } = await scanTs(
      [
        "function a() {",
        "  const env = process.env;",
        "  return env.INSIDE_A;",
        "}",
        "function b(env: Record<string, string>) {",
        "  return env.NOT_THE_ENVIRONMENT;",
        "}",
        "const cfg = process.env;",
        "export const c = (cfg: { PARAM_FIELD?: string }) => cfg.PARAM_FIELD;",
        "export function d() { const cfg = load(); return cfg.INNER_CONST; }",
        "export const e = cfg.MODULE_ALIAS;",
      ].join("\n"),
    );
    expect(names(reads)).toEqual(["INSIDE_A", "MODULE_ALIAS"]);
  });

  it("reports computed names and spreads as dynamic, never guessed", async () => {
    const { reads, dynamic } = await scanTs(
      [
        "const v = process.env[name];",
        "spawn(cmd, { env: { ...process.env, X: '1' } });",
        "const w = process.env[`${prefix}_URL`];",
      ].join("\n"),
    );
    expect(reads).toEqual([]);
    expect(dynamic).toEqual([
      ["process.env[name]", 1],
      ["...process.env", 2],
      ["process.env[`${prefix}_URL`]", 3],
    ]);
  });

  it("ignores comments, strings, assignments, deletes and methods; reads template substitutions", async () => {
    const { reads, dynamic } = await scanTs(
      [
        "// process.env.IN_LINE_COMMENT",
        "/* process.env.IN_BLOCK",
        "   process.env.COMMENT */",
        "process.env.SET_FOR_CHILD = '1';",
        "process.env.APPENDED += ':/bin';",
        "delete process.env.REMOVED;",
        "process.env.hasOwnProperty('X');",
        'const s = "process.env.IN_A_STRING and import.meta.env.IN_A_STRING_TOO";',
        "const u = `process.env.IN_TEMPLATE_TEXT`;",
        'const url = "http://x//y" + process.env.AFTER_URL;',
        "const t = `${process.env.IN_TEMPLATE}/path`;",
        "const re = /\\/\\/[a-z]/; const z = process.env.AFTER_REGEX;",
        "process.env[key] = value;",
        "const processEnv = myprocess.env.NOT_PROCESS;",
      ].join("\n"),
    );
    expect(names(reads)).toEqual(["AFTER_URL", "IN_TEMPLATE", "AFTER_REGEX"]);
    expect(dynamic).toEqual([]);
  });

  it("reads JSX and TSX files", async () => {
    const { reads } = await scanFiles({
      "page.tsx": "export const P = () => <div title={process.env.NEXT_PUBLIC_TITLE!}>{x}</div>;",
      "view.jsx": "export const V = () => <a href={import.meta.env.VITE_HOME ?? '/'}>home</a>;",
    });
    expect(reads).toEqual([
      ["NEXT_PUBLIC_TITLE", "required", 1],
      ["VITE_HOME", "optional", 1],
    ]);
  });

  it("parses nothing in a file that cannot read the environment, or in a minified bundle", async () => {
    const { jsScanner } = await import("./index.js");
    const defs = jsScanner.definitions([]);
    expect(jsScanner.mayRead("export const x = 1; // environment, envelope, .env", defs)).toBe(
      false,
    );
    expect(jsScanner.mayRead("process.exit(1); // process.cwd()", defs)).toBe(false);
    expect(jsScanner.mayRead("const { env } = process;", defs)).toBe(true);
    expect(jsScanner.mayRead("const u = import.meta.env.VITE_U;", defs)).toBe(true);
    expect(jsScanner.mayDefine("export const x = process.env.X;")).toBe(false);
    expect(jsScanner.mayDefine("const get = (k: string) => process.env[k];")).toBe(true);
    const bundle = `!function(){var e=process.env.BUNDLED;${"x=1;".repeat(10_000)}}();\n`;
    expect(jsScanner.mayRead(bundle, defs)).toBe(false);
    expect(jsScanner.mayDefine(bundle.replace("env.BUNDLED", "env[k]"))).toBe(false);
  });
});
