import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configRows, loadConfig } from "./index.js";

const cwd = "/srv/app";

describe("loadConfig", () => {
  it("uses the declared defaults when nothing is set", () => {
    const { config, origins, problems } = loadConfig({}, { cwd });
    expect(problems).toEqual([]);
    expect(config.port).toBe(8001);
    expect(config.dataDir).toBe("/srv/app/.modelgate");
    expect(config.huggingfaceApiKey).toBeUndefined();
    expect(origins.port).toEqual({ from: "default" });
    expect(origins.huggingfaceApiKey).toEqual({ from: "unset" });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("refuses METRICS_PORT equal to PORT, naming both", () => {
    const { problems } = loadConfig({ PORT: "9000", METRICS_PORT: "9000" }, { cwd });
    expect(problems).toEqual([
      "METRICS_PORT and PORT are both 9000: give /metrics another port, or unset METRICS_PORT to serve it on PORT.",
    ]);
    expect(loadConfig({ PORT: "0", METRICS_PORT: "0" }, { cwd }).problems).toEqual([]);
    expect(loadConfig({ METRICS_PORT: "9464" }, { cwd }).config.metricsPort).toBe(9464);
  });

  it("parses typed values from the environment", () => {
    const { config, problems } = loadConfig(
      {
        PORT: "9000",
        LOG_LEVEL: "warn",
        MODELGATE_REGISTER_EXAMPLE: "false",
        MODELGATE_DATA_DIR: "/var/lib/mg",
      },
      { cwd },
    );
    expect(problems).toEqual([]);
    expect(config).toMatchObject({
      port: 9000,
      logLevel: "warn",
      registerExample: false,
      dataDir: "/var/lib/mg",
    });
  });

  it("accepts an alias, and the canonical name wins over it", () => {
    const viaAlias = loadConfig({ HF_TOKEN: "hf_alias" }, { cwd });
    expect(viaAlias.config.huggingfaceApiKey).toBe("hf_alias");
    expect(viaAlias.origins.huggingfaceApiKey).toEqual({ from: "env", name: "HF_TOKEN" });
    const both = loadConfig({ HF_TOKEN: "hf_alias", HUGGINGFACE_API_KEY: "hf_main" }, { cwd });
    expect(both.config.huggingfaceApiKey).toBe("hf_main");
  });

  it("reads a secret from <NAME>_FILE, dropping the trailing newline", () => {
    const dir = mkdtempSync(join(tmpdir(), "mg-config-"));
    const file = join(dir, "hf");
    writeFileSync(file, "hf_fromfile\n");
    const { config, origins, problems } = loadConfig({ HUGGINGFACE_API_KEY_FILE: file }, { cwd });
    expect(problems).toEqual([]);
    expect(config.huggingfaceApiKey).toBe("hf_fromfile");
    expect(origins.huggingfaceApiKey).toEqual({
      from: "file",
      name: "HUGGINGFACE_API_KEY_FILE",
      path: file,
    });
  });

  it("reports every problem at once, one line each, naming the variable", () => {
    const { problems } = loadConfig(
      {
        PORT: "eighty",
        LOG_LEVEL: "loud",
        DATABASE_URL: "not a url",
        HUGGINGFACE_API_KEY: "hf_x",
        HUGGINGFACE_API_KEY_FILE: "/nope",
        MODELGATE_BOOTSTRAP_ADMIN_KEY: "maybe",
      },
      { cwd },
    );
    expect(problems).toHaveLength(5);
    expect(problems.join("\n")).toMatch(/PORT must be a whole number, got "eighty"/);
    expect(problems.join("\n")).toMatch(/LOG_LEVEL must be one of fatal, error, warn, info/);
    expect(problems.join("\n")).toMatch(
      /HUGGINGFACE_API_KEY and HUGGINGFACE_API_KEY_FILE are both set/,
    );
    expect(problems.join("\n")).toMatch(/MODELGATE_BOOTSTRAP_ADMIN_KEY must be true or false/);
    // A secret's value is never echoed back, even when it is malformed.
    expect(problems.join("\n")).toMatch(/DATABASE_URL must be a URL .*got the value\./);
    expect(problems.join("\n")).not.toContain("not a url");
  });

  it("names an unreadable secret file and what to do", () => {
    const { problems } = loadConfig({ HF_TOKEN_FILE: "/does/not/exist" }, { cwd });
    expect(problems).toEqual([
      "HF_TOKEN_FILE points to /does/not/exist, which cannot be read (ENOENT): fix the path or its permissions.",
    ]);
  });

  it("rejects out-of-range numbers", () => {
    expect(loadConfig({ PORT: "70000" }, { cwd }).problems).toEqual([
      "PORT must be at most 65535, got 70000.",
    ]);
  });
});

describe("configRows (config show)", () => {
  it("masks secrets and says where each value came from", () => {
    const loaded = loadConfig(
      {
        HF_TOKEN: "hf_supersecret",
        DATABASE_URL: "postgres://mg:pa55word@db:5432/mg?sslmode=require",
        PORT: "8080",
      },
      { cwd },
    );
    const rows = configRows(loaded);
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
    expect(byName.HUGGINGFACE_API_KEY).toMatchObject({
      value: "****",
      secret: true,
      source: "env (alias HF_TOKEN)",
    });
    expect(byName.DATABASE_URL?.value).toBe("postgres://mg:****@db:5432/mg?****");
    expect(byName.PORT).toMatchObject({ value: 8080, source: "env" });
    expect(byName.HOST).toMatchObject({ value: "127.0.0.1", source: "default" });
    expect(JSON.stringify(rows)).not.toMatch(/supersecret|pa55word/);
  });

  it("masks credentials in the userinfo of every URL, secret variable or not", () => {
    const loaded = loadConfig(
      {
        AUTH_SERVICE_URL: "https://svc:s3cretpass@auth.internal/base",
        HF_ENDPOINT: "https://tok3nvalue@hub.internal/",
        REDIS_URL: "rediss://:redispass@redis.internal:6379",
      },
      { cwd },
    );
    const byName = Object.fromEntries(configRows(loaded).map((r) => [r.name, r.value]));
    expect(byName.AUTH_SERVICE_URL).toBe("https://svc:****@auth.internal/base");
    expect(byName.HF_ENDPOINT).toBe("https://****@hub.internal/");
    expect(byName.REDIS_URL).toBe("rediss://:****@redis.internal:6379");
    expect(JSON.stringify(configRows(loaded))).not.toMatch(/s3cretpass|tok3nvalue|redispass/);
  });
});
