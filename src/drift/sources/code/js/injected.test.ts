import { describe, expect, it } from "vitest";
import { scanFiles } from "./test-support/harness.js";

describe("JS/TS scanner: an env helper the framework passes in (Strapi config files)", () => {
  it("env(NAME) and env.int/bool(NAME, default) in `({ env }) => …` are reads; a default makes them optional", async () => {
    const { detail, dynamic } = await scanFiles({
      "config/database.ts": [
        "export default ({ env }: any) => ({",
        "  connection: {",
        '    host: env("DATABASE_HOST"),',
        '    port: env.int("DATABASE_PORT", 5432),',
        '    ssl: env.bool("DATABASE_SSL", false) && { ca: env("DATABASE_SSL_CA", undefined) },',
        "    dynamic: env(someName),",
        '    // env("IN_A_COMMENT")',
        '    text: "env(\\"IN_A_STRING\\")",',
        "  },",
        "});",
      ].join("\n"),
      "config/server.js": [
        "module.exports = function ({ env, strapi }) {",
        '  if (!env("APP_KEYS")) throw new Error("APP_KEYS is required");',
        '  return { url: env("PUBLIC_URL", "http://localhost") };',
        "};",
      ].join("\n"),
    });
    const via = "env() (a helper the framework passes in, as Strapi does)";
    expect(detail).toEqual([
      ["config/database.ts", "DATABASE_HOST", "unknown", via],
      ["config/database.ts", "DATABASE_PORT", "optional", via],
      ["config/database.ts", "DATABASE_SSL", "optional", via],
      ["config/database.ts", "DATABASE_SSL_CA", "unknown", via],
      ["config/server.js", "APP_KEYS", "required", via],
      ["config/server.js", "PUBLIC_URL", "optional", via],
    ]);
    expect(dynamic).toEqual([["env(someName)", 6]]);
  });

  it("an `env` that is not destructured from a parameter is not this helper", async () => {
    const { detail } = await scanFiles({
      "src/a.ts": [
        "const env = (k: string) => k.toUpperCase();",
        'export const shout = env("NOT_A_READ");',
        "export default ({ env }: any) => {",
        '  const inner = (env: (k: string) => string) => env("SHADOWED");',
        '  return [inner, env("REAL_ONE", "x")];',
        "};",
      ].join("\n"),
    });
    expect(detail.map((d) => d[1])).toEqual(["REAL_ONE"]);
  });
});
