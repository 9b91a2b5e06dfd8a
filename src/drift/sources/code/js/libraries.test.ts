import { describe, expect, it } from "vitest";
import { scanFiles, scanTs } from "./test-support/harness.js";

describe("JS/TS scanner: configuration libraries", () => {
  it("envalid: no default is required, default is optional, devDefault alone is required", async () => {
    const { reads, detail } = await scanTs(
      [
        'import { cleanEnv, str, num, port } from "envalid";',
        "export const env = cleanEnv(process.env, {",
        "  API_KEY: str(),",
        "  WORKERS: num({ default: 3 }),",
        '  SENTRY_DSN: str({ devDefault: "" }),',
        '  LOG_LEVEL: str({ choices: ["info", "debug"], default: "info" }),',
        "  PORT: port({ desc: 'the port' }),",
        "});",
        "export const n = env.NOT_AN_ENV_READ;",
      ].join("\n"),
    );
    expect(reads).toEqual([
      ["API_KEY", "required", 3],
      ["WORKERS", "optional", 4],
      ["SENTRY_DSN", "required", 5],
      ["LOG_LEVEL", "optional", 6],
      ["PORT", "required", 7],
    ]);
    expect(detail[0]?.[3]).toBe("envalid cleanEnv");
  });

  it("envalid: the spec declared as a separate const, with a shared part spread in", async () => {
    const { needs } = await scanTs(
      [
        "const shared = { NODE_ENV: str({ default: 'production' }) };",
        "const spec = { ...shared, DB_URL: url() };",
        "export const env = envalid.cleanEnv(process.env, spec);",
      ].join("\n"),
    );
    expect(needs).toEqual({ NODE_ENV: "optional", DB_URL: "required" });
  });

  it("zod: inline, in a const, extended, merged, partial; parse and safeParse", async () => {
    const { needs, detail } = await scanTs(
      [
        'import { z } from "zod";',
        "const base = z.object({ BASE_URL: z.string().url() });",
        "const schema = base",
        "  .extend({",
        "    X: z.string(),",
        "    Y: z.string().optional(),",
        "    Z: z.coerce.number().default(3),",
        "    W: z.enum(['a', 'b']).nullish(),",
        "  })",
        "  .merge(z.object({ MERGED: z.string().min(1) }))",
        "  .strict();",
        "export const env = schema.parse(process.env);",
        "const other = z.object({ SAFE_A: z.string(), SAFE_B: z.optional(z.string()) });",
        "const result = other.safeParse(process.env);",
        "const loose = z.object({ PARTIAL: z.string() }).partial().parse(process.env);",
      ].join("\n"),
    );
    expect(needs).toEqual({
      BASE_URL: "required",
      X: "required",
      Y: "optional",
      Z: "optional",
      W: "optional",
      MERGED: "required",
      SAFE_A: "required",
      SAFE_B: "optional",
      PARTIAL: "optional",
    });
    expect(detail.find(([, n]) => n === "X")?.[3]).toBe("zod schema parsed from process.env");
  });

  it("zod: a schema declared in another module and parsed here", async () => {
    const { detail } = await scanFiles({
      "src/env.schema.ts":
        'import { z } from "zod";\nexport const envSchema = z.object({\n  DB_URL: z.string(),\n  PORT: z.coerce.number().default(8080),\n});',
      "src/env.ts":
        'import { envSchema } from "./env.schema.js";\nexport const env = envSchema.parse(process.env);',
    });
    expect(detail).toEqual([
      ["src/env.schema.ts", "DB_URL", "required", "zod schema parsed from process.env"],
      ["src/env.schema.ts", "PORT", "optional", "zod schema parsed from process.env"],
    ]);
  });

  it("a schema nobody can see is a dynamic read, not a guess", async () => {
    const { reads, dynamic } = await scanTs(
      'import { schema } from "@acme/config";\nexport const env = schema.parse(process.env);',
    );
    expect(reads).toEqual([]);
    expect(dynamic).toEqual([["schema.parse(process.env)", 2]]);
  });

  it("t3-env createEnv: server, client and shared schemas; runtimeEnv is not read twice", async () => {
    const { reads, detail } = await scanTs(
      [
        'import { createEnv } from "@t3-oss/env-nextjs";',
        "export const env = createEnv({",
        "  server: {",
        "    DATABASE_URL: z.string().url(),",
        "    SMTP_HOST: z.string().optional(),",
        '    AUTH_SECRET: process.env.NODE_ENV === "production" ? z.string() : z.string().optional(),',
        "    EITHER: flag ? z.string() : z.string().optional(),",
        "  },",
        "  client: { NEXT_PUBLIC_KEY: z.string() },",
        '  shared: { NODE_ENV: z.enum(["development", "production"]).default("development") },',
        "  runtimeEnv: {",
        "    DATABASE_URL: process.env.DATABASE_URL,",
        "    SMTP_HOST: process.env.SMTP_HOST,",
        "    NEXT_PUBLIC_KEY: process.env.NEXT_PUBLIC_KEY,",
        "    NODE_ENV: process.env.NODE_ENV,",
        "  },",
        "});",
      ].join("\n"),
    );
    expect(reads).toEqual([
      ["DATABASE_URL", "required", 4],
      ["SMTP_HOST", "optional", 5],
      ["NODE_ENV", "optional", 6],
      ["AUTH_SECRET", "required", 6],
      ["EITHER", "unknown", 7],
      ["NEXT_PUBLIC_KEY", "required", 9],
      ["NODE_ENV", "optional", 10],
    ]);
    expect(detail[0]?.[3]).toBe("t3-env createEnv");
  });

  it("TypeBox: Value.Parse(Schema, process.env) with Type.Optional and defaults", async () => {
    const { needs, detail } = await scanTs(
      [
        'import { Type } from "@sinclair/typebox";',
        'import { Value } from "@sinclair/typebox/value";',
        "const Env = Type.Object({",
        "  TB_REQUIRED: Type.String(),",
        "  TB_OPTIONAL: Type.Optional(Type.String()),",
        "  TB_DEFAULT: Type.Number({ default: 3 }),",
        "});",
        "export const env = Value.Parse(Env, process.env);",
      ].join("\n"),
    );
    expect(needs).toEqual({
      TB_REQUIRED: "required",
      TB_OPTIONAL: "optional",
      TB_DEFAULT: "optional",
    });
    expect(detail[0]?.[3]).toBe("TypeBox schema parsed from process.env");
  });

  it("NestJS ConfigService: get is unknown, a default makes it optional, getOrThrow required", async () => {
    const { reads, detail } = await scanTs(
      [
        'import { ConfigService } from "@nestjs/config";',
        "export class AuthService {",
        "  constructor(private readonly configService: ConfigService) {}",
        "  options() {",
        "    const security = this.configService.get<SecurityConfig>('security');",
        "    return {",
        "      secret: this.configService.get<string>('JWT_ACCESS_SECRET'),",
        "      expires: this.configService.get('JWT_EXPIRES', '1h'),",
        "      refresh: this.configService.getOrThrow('JWT_REFRESH_SECRET'),",
        "      typed: this.configService.get('TYPED_KEY', { infer: true }),",
        "      port: this.configService.get('PORT') ?? 3000,",
        "      nested: this.configService.get('database.host'),",
        "      other: this.cache.get('CACHE_KEY'),",
        "    };",
        "  }",
        "}",
      ].join("\n"),
    );
    expect(reads).toEqual([
      ["JWT_ACCESS_SECRET", "unknown", 7],
      ["JWT_EXPIRES", "optional", 8],
      ["JWT_REFRESH_SECRET", "required", 9],
      ["TYPED_KEY", "unknown", 10],
      ["PORT", "optional", 11],
    ]);
    expect(detail[2]?.[3]).toBe("ConfigService.getOrThrow");
  });

  it('Prisma\'s env("X") from "prisma/config" is required', async () => {
    const { detail } = await scanTs(
      [
        'import { defineConfig, env } from "prisma/config";',
        'export default defineConfig({ datasource: { url: env("DATABASE_URL") } });',
      ].join("\n"),
    );
    expect(detail).toEqual([["app.ts", "DATABASE_URL", "required", "Prisma env()"]]);
  });
});

describe("JS/TS scanner: class-validator classes", () => {
  it("a class validated from process.env: decorated fields, @IsOptional, @ValidateIf", async () => {
    const { reads, detail } = await scanTs(
      [
        'import { IsOptional, IsString, ValidateIf } from "class-validator";',
        "class EnvironmentVariablesValidator {",
        "  @IsString()",
        "  AUTH_JWT_SECRET: string;",
        "  @IsString() @IsOptional()",
        "  AUTH_UNIFORM_ERRORS: string;",
        "  @ValidateIf((e) => !e.DATABASE_URL)",
        "  @IsString()",
        "  DATABASE_HOST: string;",
        "  @Type(() => Number)",
        "  NOT_CHECKED: number;",
        "  plain: string;",
        "}",
        "export function load() {",
        "  validateConfig(process.env, EnvironmentVariablesValidator);",
        "  return { secret: process.env.AUTH_JWT_SECRET };",
        "}",
      ].join("\n"),
    );
    expect(reads).toEqual([
      ["AUTH_JWT_SECRET", "required", 3],
      ["AUTH_UNIFORM_ERRORS", "optional", 5],
      ["DATABASE_HOST", "unknown", 7],
      ["AUTH_JWT_SECRET", "unknown", 16],
    ]);
    expect(detail[0]?.[3]).toBe("class-validator class validated from process.env");
  });

  it("the NestJS validate function: plainToInstance + validateSync, UPPER_CASE fields only", async () => {
    const { reads } = await scanTs(
      [
        'import { plainToInstance } from "class-transformer";',
        'import { IsEnum, IsNumber, IsOptional, validateSync } from "class-validator";',
        "class EnvironmentVariables {",
        "  @IsEnum(Environment)",
        "  NODE_ENV: Environment;",
        "  @IsNumber() @IsOptional()",
        "  PORT: number;",
        "}",
        "class CreateUserDto { @IsString() email: string; }",
        "export function validate(config: Record<string, unknown>) {",
        "  const validated = plainToInstance(EnvironmentVariables, config);",
        "  const dto = plainToInstance(CreateUserDto, body);",
        "  const errors = validateSync(validated, { skipMissingProperties: false });",
        "  if (errors.length > 0) throw new Error(errors.toString());",
        "  return validated;",
        "}",
      ].join("\n"),
    );
    expect(reads).toEqual([
      ["NODE_ENV", "required", 4],
      ["PORT", "optional", 6],
    ]);
  });
});
