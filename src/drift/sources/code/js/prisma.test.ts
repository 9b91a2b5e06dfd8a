import { afterEach, describe, expect, it } from "vitest";
import type { TempTree } from "../../../test-support/tmp.js";
import { tempTree } from "../../../test-support/tmp.js";
import { scanCode } from "../index.js";
import { prismaReads } from "./prisma.js";

let tree: TempTree | undefined;
afterEach(() => tree?.remove());

const SCHEMA = [
  '// env("IN_A_COMMENT") is not read',
  "datasource db {",
  '  provider  = "postgresql"',
  '  url       = env("DATABASE_URL") // the pooled one',
  '  directUrl = env("DIRECT_URL")',
  '  // shadowDatabaseUrl = env("SHADOW_DATABASE_URL")',
  "}",
  "",
  "generator client {",
  '  provider = "prisma-client-js"',
  '  output   = env("PRISMA_OUTPUT")',
  "}",
  "",
  "model User {",
  "  id    String @id",
  '  note  String @default("env(\\"NOT_CONFIG\\")")',
  "}",
].join("\n");

describe("Prisma schema", () => {
  it("reads env() in datasource and generator blocks as required, never in comments or models", () => {
    const reads = prismaReads(SCHEMA, "prisma/schema.prisma").map((r) => [
      r.name,
      r.read.need,
      r.read.location.line,
      r.read.via,
    ]);
    expect(reads).toEqual([
      ["DATABASE_URL", "required", 4, "Prisma env() in datasource"],
      ["DIRECT_URL", "required", 5, "Prisma env() in datasource"],
      ["PRISMA_OUTPUT", "required", 11, "Prisma env() in generator"],
    ]);
  });

  it("is found by the walk and counted as code reads, also with --entry", async () => {
    tree = tempTree({
      "prisma/schema.prisma": SCHEMA,
      "src/main.ts": 'import "./db.js";\nexport const port = process.env.PORT ?? "3000";',
      "src/db.ts": "export const db = 1;",
    });
    for (const entries of [[], ["src/main.ts"]]) {
      const { scan } = await scanCode({ cwd: tree.dir, dirs: ["."], entries, includeTests: false });
      expect([...scan.reads.keys()].sort()).toEqual([
        "DATABASE_URL",
        "DIRECT_URL",
        "PORT",
        "PRISMA_OUTPUT",
      ]);
      expect(scan.reads.get("DATABASE_URL")?.[0]?.location).toEqual({
        file: "prisma/schema.prisma",
        line: 4,
      });
    }
  });
});
