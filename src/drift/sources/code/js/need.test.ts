import { describe, expect, it } from "vitest";
import { scanTs } from "./test-support/harness.js";

async function needs(lines: string[]): Promise<Record<string, string>> {
  return (await scanTs(lines.join("\n"))).needs;
}

describe("JS/TS scanner: required, by what the code does", () => {
  it("a non-null assertion, a direct test that throws or exits, assert()", async () => {
    expect(
      await needs([
        "const a = process.env.NON_NULL!;",
        "if (!process.env.THROWS) throw new Error('THROWS is required');",
        "if (!process.env.EXITS) { console.error('no EXITS'); process.exit(1); }",
        "if (process.env.ELSE_THROWS) { start(); } else { throw new Error('x'); }",
        "if (process.env.UNDEF_CHECK === undefined) throw new Error('x');",
        "if (!process.env.EITHER_A || !process.env.EITHER_B) throw new Error('x');",
        "assert(process.env.ASSERTED, 'ASSERTED is required');",
        "invariant(process.env.INVARIANT, 'x');",
        "const f = process.env.FAIL_FALLBACK ?? fail('FAIL_FALLBACK is required');",
        "const g = process.env.IIFE_FALLBACK ?? (() => { throw new Error('x'); })();",
      ]),
    ).toEqual({
      NON_NULL: "required",
      THROWS: "required",
      EXITS: "required",
      ELSE_THROWS: "required",
      UNDEF_CHECK: "required",
      EITHER_A: "required",
      EITHER_B: "required",
      ASSERTED: "required",
      INVARIANT: "required",
      FAIL_FALLBACK: "required",
      IIFE_FALLBACK: "required",
    });
  });

  it("through a local, a module constant or a class property checked elsewhere", async () => {
    expect(
      await needs([
        "const TOKEN = process.env.MODULE_TOKEN;",
        "export function connect() {",
        "  const v = process.env.LOCAL_KEY;",
        "  if (!v) throw new Error('LOCAL_KEY is required');",
        "  if (!TOKEN) throw new Error('MODULE_TOKEN is required');",
        "  return v + TOKEN;",
        "}",
        "export class Client {",
        "  private readonly field = process.env.FIELD_KEY;",
        "  private token: string | undefined;",
        "  constructor() {",
        "    this.token = process.env.HUGGINGFACE_API_KEY;",
        "  }",
        "  predict() {",
        "    if (!this.token) throw new HttpException(500, 'no token');",
        "    if (!this.field) { process.exit(2); }",
        "  }",
        "}",
        "const { DESTRUCTURED } = process.env;",
        "if (!DESTRUCTURED) throw new Error('x');",
      ]),
    ).toEqual({
      MODULE_TOKEN: "required",
      LOCAL_KEY: "required",
      FIELD_KEY: "required",
      HUGGINGFACE_API_KEY: "required",
      DESTRUCTURED: "required",
    });
  });
});

describe("JS/TS scanner: optional, when absence is handled", () => {
  it("defaults, conversions with defaults, presence tests and comparisons", async () => {
    expect(
      await needs([
        'const host = process.env.HOST ?? "0.0.0.0";',
        "const port = Number(process.env.PORT) || 3000;",
        "const workers = parseInt(process.env.WORKERS, 10) || 2;",
        "const retries = Number(process.env.RETRIES ?? 3);",
        'const mode = process.env.MODE ? "a" : "b";',
        "if (process.env.DEBUG) enableDebug();",
        'const prod = process.env.NODE_ENV === "production";',
        'const on = process.env.FLAG?.toLowerCase() === "1";',
        "const b = Boolean(process.env.BOOL_FLAG);",
        "const c = !!process.env.BANG_FLAG;",
        "const d = process.env.AND_GUARD && connect();",
        'const list = process.env.LIST?.split(",") ?? [];',
        "process.env.SET_IF_MISSING ??= 'x';",
        "if (!process.env.SOFT) console.warn('SOFT is not set');",
        "switch (process.env.SWITCHED) { case 'a': break; }",
        "if (typeof process.env.TYPEOF !== 'undefined') on();",
        "if (!process.env.BOTH_A && !process.env.BOTH_B) throw new Error('need one');",
      ]),
    ).toEqual({
      HOST: "optional",
      PORT: "optional",
      WORKERS: "optional",
      RETRIES: "optional",
      MODE: "optional",
      DEBUG: "optional",
      NODE_ENV: "optional",
      FLAG: "optional",
      BOOL_FLAG: "optional",
      BANG_FLAG: "optional",
      AND_GUARD: "optional",
      LIST: "optional",
      SET_IF_MISSING: "optional",
      SOFT: "optional",
      SWITCHED: "optional",
      TYPEOF: "optional",
      BOTH_A: "optional",
      BOTH_B: "optional",
    });
  });

  it("a local given a default later, or tested before use", async () => {
    expect(
      await needs([
        "let v = process.env.LATER_DEFAULT;",
        'if (!v) v = "d";',
        "let w = process.env.COALESCED;",
        'w ??= "d";',
        "const x = process.env.TESTED;",
        "if (x) use(x);",
      ]),
    ).toEqual({ LATER_DEFAULT: "optional", COALESCED: "optional", TESTED: "optional" });
  });

  it("a read behind a presence test of the same variable, or after an early return", async () => {
    const { reads } = await scanTs(
      [
        "if (!opts.env && process.env.NODE_OPTIONS) {",
        "  const o = sanitize(process.env.NODE_OPTIONS);",
        "}",
        "const dsn = process.env.SENTRY_DSN ? init(process.env.SENTRY_DSN) : null;",
        "const t = process.env.TRACE_URL && exporter(process.env.TRACE_URL);",
        "if (process.env.NO_PROXY === undefined) { direct(); } else { proxy(process.env.NO_PROXY); }",
        "export function start() {",
        "  if (!process.env.METRICS_PORT) return;",
        "  listen(process.env.METRICS_PORT);",
        "}",
        "if (process.env.OTHER) connect(process.env.NOT_TESTED);",
      ].join("\n"),
    );
    expect(reads.filter(([, , line]) => line !== 1 && line !== 8)).toEqual([
      ["NODE_OPTIONS", "optional", 2],
      ["SENTRY_DSN", "optional", 4],
      ["SENTRY_DSN", "optional", 4],
      ["TRACE_URL", "optional", 5],
      ["TRACE_URL", "optional", 5],
      ["NO_PROXY", "optional", 6],
      ["NO_PROXY", "optional", 6],
      ["METRICS_PORT", "optional", 9],
      ["OTHER", "optional", 11],
      ["NOT_TESTED", "unknown", 11],
    ]);
  });

  it("a variable assigned inside a branch and checked further down the function", async () => {
    expect(
      await needs([
        "function load(name?: string) {",
        "  let url: string | undefined;",
        "  if (name) { url = process.env.ASSIGNED_IN_BRANCH; }",
        "  if (!url) throw new Error('no url');",
        "  let p;",
        "  if (name) { p = process.env.ASSIGNED_WITH_DEFAULT; }",
        "  return p || 'x';",
        "}",
      ]),
    ).toEqual({ ASSIGNED_IN_BRANCH: "required", ASSIGNED_WITH_DEFAULT: "optional" });
  });
});

describe("JS/TS scanner: unknown, never guessed as required", () => {
  it("another variable with the same name (a parameter, an inner const) is not the stored read", async () => {
    expect(
      await needs([
        "const token = process.env.MODULE_TOKEN_SHADOWED;",
        "export function check(token?: string) {",
        "  if (!token) throw new Error('token missing');",
        "}",
        "const url = process.env.MODULE_URL_SHADOWED;",
        "export function other() {",
        "  const url = readUrl();",
        "  if (!url) throw new Error('no url');",
        "}",
        "export const both = [token, url];",
      ]),
    ).toEqual({ MODULE_TOKEN_SHADOWED: "unknown", MODULE_URL_SHADOWED: "unknown" });
  });

  it("a bare read passed on, stored in an object, or converted without a check", async () => {
    expect(
      await needs([
        "connect(process.env.PASSED_ON);",
        "export const config = { url: process.env.IN_CONFIG };",
        "const u = new URL(process.env.NEW_URL);",
        "const local = process.env.UNUSED_LOCAL;",
        "const j = JSON.parse(process.env.JSON_VALUE);",
        "export default { secret: process.env.EXPORTED };",
        // A failure after a fallback does not depend on this variable alone.
        "if (!(opts.token || process.env.SECOND_SOURCE)) throw new Error('x');",
        "const t = cond ? process.env.ONE_BRANCH : 'x';",
        "if (!t) throw new Error('x');",
      ]),
    ).toEqual({
      PASSED_ON: "unknown",
      IN_CONFIG: "unknown",
      NEW_URL: "unknown",
      UNUSED_LOCAL: "unknown",
      JSON_VALUE: "unknown",
      EXPORTED: "unknown",
      SECOND_SOURCE: "unknown",
      ONE_BRANCH: "unknown",
    });
  });
});
