import { describe, expect, it } from "vitest";
import { scanPython } from "./python.js";
import { stripComments } from "./strip.js";

function reads(source: string): Record<string, string> {
  const result = scanPython(stripComments(source, "python"), "app.py");
  return Object.fromEntries(
    result.reads.map((r) => [r.name, `${r.read.need}@${r.read.location.line}`]),
  );
}

describe("Python scanner", () => {
  it("reads getenv, environ[], environ.get and setdefault, with and without defaults", () => {
    expect(
      reads(
        [
          "import os",
          'token = os.getenv("HUGGINGFACE_API_KEY")',
          'url = os.getenv("MLFLOW_URL", "http://localhost:5000")',
          'host = os.environ["DATABASE_HOST"]',
          'name = os.environ.get("DATABASE_NAME")',
          "port = os.environ.get('DATABASE_PORT', '5432')",
          'os.environ.setdefault("TZ_NAME", "UTC")',
          'level = os.getenv("LOG_LEVEL", default="info")',
          'none = os.getenv("EXPLICIT_NONE", None)',
        ].join("\n"),
      ),
    ).toEqual({
      HUGGINGFACE_API_KEY: "required@2",
      MLFLOW_URL: "optional@3",
      DATABASE_HOST: "required@4",
      DATABASE_NAME: "required@5",
      DATABASE_PORT: "optional@6",
      TZ_NAME: "optional@7",
      LOG_LEVEL: "optional@8",
      EXPLICIT_NONE: "optional@9",
    });
  });

  it("follows `from os import getenv, environ` and `import os as o`", () => {
    expect(
      reads(
        ["from os import getenv, environ", 'a = getenv("A_KEY")', 'b = environ["B_KEY"]'].join(
          "\n",
        ),
      ),
    ).toEqual({
      A_KEY: "required@2",
      B_KEY: "required@3",
    });
    expect(reads(["import os as _os", 'c = _os.getenv("C_KEY")'].join("\n"))).toEqual({
      C_KEY: "required@2",
    });
  });

  it("reads multi-line calls and tells presence tests from requirements", () => {
    expect(
      reads(
        [
          "import os",
          "secret = os.getenv(",
          '    "SPLIT_ACROSS_LINES",',
          ")",
          'if os.getenv("DEBUG"):',
          "    pass",
          'if not os.getenv("MUST_HAVE"):',
          '    raise RuntimeError("MUST_HAVE is not set")',
          'flag = os.getenv("FLAG") == "true"',
          'if "OPTIONAL_IN" in os.environ:',
          "    pass",
          'fallback = os.getenv("WITH_OR") or "x"',
        ].join("\n"),
      ),
    ).toEqual({
      SPLIT_ACROSS_LINES: "required@2",
      DEBUG: "optional@5",
      MUST_HAVE: "required@7",
      FLAG: "optional@9",
      OPTIONAL_IN: "optional@10",
      WITH_OR: "optional@12",
    });
  });

  it("reports computed names as dynamic and ignores comments and assignments", () => {
    const result = scanPython(
      stripComments(
        [
          "import os",
          '# os.getenv("IN_COMMENT")',
          'x = os.getenv(f"{PREFIX}_URL")',
          "y = os.environ[key]",
          'os.environ["SET_FOR_CHILD"] = "1"',
          'os.environ.pop("REMOVED", None)',
          's = "# not a comment"; z = os.getenv("AFTER_HASH_IN_STRING")',
        ].join("\n"),
        "python",
      ),
      "app.py",
    );
    expect(result.reads.map((r) => r.name)).toEqual(["AFTER_HASH_IN_STRING"]);
    expect(result.dynamic.map((d) => [d.text, d.location.line])).toEqual([
      ['os.getenv(f"{PREFIX}_URL")', 3],
      ["os.environ[key]", 4],
    ]);
  });
});

describe("Python configuration libraries and idioms", () => {
  it("reads python-decouple, environs and django-environ", () => {
    expect(
      reads(
        [
          "from decouple import config, Csv",
          'SECRET_KEY = config("DJANGO_SECRET_KEY")',
          'DEBUG = config("DEBUG", default=False, cast=bool)',
          "from environs import Env",
          "env = Env()",
          'REDIS = env.str("REDIS_HOST")',
          'WORKERS = env.int("WORKERS", 4)',
          'RAW = env("RAW_SETTING")',
        ].join("\n"),
      ),
    ).toEqual({
      DJANGO_SECRET_KEY: "required@2",
      DEBUG: "optional@3",
      REDIS_HOST: "required@6",
      WORKERS: "optional@7",
      RAW_SETTING: "required@8",
    });
  });

  it("treats `v = os.getenv(X)` followed by `if not v: v = …` as a default", () => {
    expect(
      reads(
        [
          "import os",
          'region = os.getenv("AWS_REGION_NAME")',
          "if not region:",
          '    region = "us-east-1"',
          'bucket = os.getenv("BUCKET")',
          "if bucket is None:",
          '    raise SystemExit("BUCKET is required")',
        ].join("\n"),
      ),
    ).toEqual({ AWS_REGION_NAME: "optional@2", BUCKET: "required@5" });
  });
});
