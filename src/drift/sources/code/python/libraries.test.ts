import { describe, expect, it } from "vitest";
import { py, scanPython } from "./test-support/scan.js";

describe("python-decouple", () => {
  it("config() without a default is required; any default makes it optional; a cast is not a default", async () => {
    const { needs, vias } = await scanPython(
      py(
        "from decouple import config, Csv",
        'SECRET_KEY = config("DJANGO_SECRET_KEY")',
        'DEBUG = config("DEBUG", default=False, cast=bool)',
        'HOSTS = config("ALLOWED_HOSTS", cast=Csv())',
        'NONE_DEFAULT = config("NONE_DEFAULT", default=None)',
        'POSITIONAL = config("POSITIONAL_DEFAULT", "x")',
      ),
    );
    expect(needs).toEqual({
      DJANGO_SECRET_KEY: "required@2",
      DEBUG: "optional@3",
      ALLOWED_HOSTS: "required@4",
      NONE_DEFAULT: "optional@5",
      POSITIONAL_DEFAULT: "optional@6",
    });
    expect(vias.DJANGO_SECRET_KEY).toBe("python-decouple config()");
  });

  it("follows `config as cfg`, AutoConfig and Config instances, and `import decouple`", async () => {
    const { needs } = await scanPython(
      py(
        "from decouple import config as cfg, AutoConfig, Config, RepositoryEnv",
        "import decouple",
        'a = cfg("ALIASED")',
        "auto = AutoConfig(search_path='/srv')",
        'b = auto("AUTO_CONFIG")',
        "conf = Config(RepositoryEnv('.env'))",
        'c = conf("REPOSITORY_CONFIG", default="x")',
        'd = decouple.config("MODULE_CONFIG")',
        'e = config("NOT_DECOUPLE_CONFIG")',
      ),
    );
    expect(needs).toEqual({
      ALIASED: "required@3",
      AUTO_CONFIG: "required@5",
      REPOSITORY_CONFIG: "optional@7",
      MODULE_CONFIG: "required@8",
    });
  });
});

describe("django-environ", () => {
  it("env() and typed readers; a default declared in Env() makes the read optional; read_env is no read", async () => {
    const { needs } = await scanPython(
      py(
        "import environ",
        "env = environ.Env(DEBUG=(bool, False), CAST_ONLY=(int,), PLAIN_CAST=bool)",
        "environ.Env.read_env('.env')",
        "env.read_env()",
        'DEBUG = env("DEBUG")',
        'SECRET_KEY = env("SECRET_KEY")',
        'CAST_ONLY = env("CAST_ONLY")',
        'NAME = env.str("SERVICE_NAME", default="svc")',
        'WORKERS = env.int("WORKERS", 4)',
        'HOSTS = env.list("ALLOWED_HOSTS", str)',
        'TAGS = env.list("TAGS", str, ["a"])',
        'DATABASES = {"default": env.db()}',
        'CACHES = {"default": env.cache_url("REDIS_URL", default="locmem://")}',
        "EMAIL = env.email_url()",
      ),
    );
    expect(needs).toEqual({
      DEBUG: "optional@5",
      SECRET_KEY: "required@6",
      CAST_ONLY: "required@7",
      SERVICE_NAME: "optional@8",
      WORKERS: "optional@9",
      ALLOWED_HOSTS: "required@10",
      TAGS: "optional@11",
      DATABASE_URL: "required@12",
      REDIS_URL: "optional@13",
      EMAIL_URL: "required@14",
    });
  });

  it("follows an Env instance imported from another settings module", async () => {
    const { needs, where } = await scanPython({
      "config/settings/base.py": py(
        "import environ",
        "env = environ.Env()",
        'DEBUG = env.bool("DJANGO_DEBUG", False)',
      ),
      "config/settings/production.py": py(
        "from .base import *  # noqa",
        "from .base import env",
        'SECRET_KEY = env("DJANGO_SECRET_KEY")',
      ),
    });
    expect(needs).toEqual({ DJANGO_DEBUG: "optional@3", DJANGO_SECRET_KEY: "required@3" });
    expect(where.DJANGO_SECRET_KEY).toBe("config/settings/production.py:3");
  });
});

describe("environs", () => {
  it("env.str/int without a default is required, with one optional; env.prefixed() prefixes names", async () => {
    const { needs, vias } = await scanPython(
      py(
        "from environs import Env",
        "env = Env()",
        "env.read_env()",
        'REDIS = env.str("REDIS_HOST")',
        'WORKERS = env.int("WORKERS", 4)',
        'RAW = env("RAW_SETTING")',
        'LEVEL = env.log_level("LOG_LEVEL", default="INFO")',
        'with env.prefixed("APP_"):',
        '    PORT = env.int("PORT", 8000)',
        '    with env.prefixed("DB_"):',
        '        HOST = env.str("HOST")',
        "try:",
        '    OPT = env.str("CAUGHT")',
        "except Exception:",
        "    OPT = None",
      ),
    );
    expect(needs).toEqual({
      REDIS_HOST: "required@4",
      WORKERS: "optional@5",
      RAW_SETTING: "required@6",
      LOG_LEVEL: "optional@7",
      APP_PORT: "optional@9",
      APP_DB_HOST: "required@11",
      CAUGHT: "optional@13",
    });
    expect(vias.REDIS_HOST).toBe("environs env.str()");
  });
});
