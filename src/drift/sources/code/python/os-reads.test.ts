import { describe, expect, it } from "vitest";
import { py, scanPython } from "./test-support/scan.js";

describe("Python os reads", () => {
  it("reads getenv, environ[], environ.get and setdefault, with and without defaults", async () => {
    const { needs, vias } = await scanPython(
      py(
        "import os",
        'token = os.getenv("HUGGINGFACE_API_KEY")',
        'url = os.getenv("MLFLOW_URL", "http://localhost:5000")',
        'host = os.environ["DATABASE_HOST"]',
        'name = os.environ.get("DATABASE_NAME")',
        "port = os.environ.get('DATABASE_PORT', '5432')",
        'os.environ.setdefault("TZ_NAME", "UTC")',
        'level = os.getenv("LOG_LEVEL", default="info")',
        'none = os.getenv("EXPLICIT_NONE", None)',
        "secret = os.getenv(",
        '    "SPLIT_ACROSS_LINES",',
        ")",
      ),
    );
    expect(needs).toEqual({
      HUGGINGFACE_API_KEY: "unknown@2",
      MLFLOW_URL: "optional@3",
      DATABASE_HOST: "required@4",
      DATABASE_NAME: "unknown@5",
      DATABASE_PORT: "optional@6",
      TZ_NAME: "optional@7",
      LOG_LEVEL: "optional@8",
      EXPLICIT_NONE: "optional@9",
      SPLIT_ACROSS_LINES: "unknown@10",
    });
    expect(vias).toMatchObject({
      HUGGINGFACE_API_KEY: "os.getenv",
      DATABASE_HOST: "os.environ[]",
      DATABASE_NAME: "os.environ.get",
      TZ_NAME: "os.environ.setdefault",
    });
  });

  it("follows every import form: aliases, from-imports, multi-line imports, import os.path", async () => {
    const { needs } = await scanPython(
      py(
        "from os import (",
        "    environ,",
        "    getenv as ge,",
        ")",
        "from os import environ as env, getenv",
        "import os as o",
        'a = environ["A_KEY"]',
        'b = ge("B_KEY") or "x"',
        'c = env["C_KEY"]',
        'd = getenv("D_KEY", "d")',
        'e = o.environ["E_KEY"]',
      ),
    );
    expect(needs).toEqual({
      A_KEY: "required@7",
      B_KEY: "optional@8",
      C_KEY: "required@9",
      D_KEY: "optional@10",
      E_KEY: "required@11",
    });
    const path = await scanPython(py("import os.path", 'x = os.environ["VIA_OS_PATH"]'));
    expect(path.needs).toEqual({ VIA_OS_PATH: "required@2" });
    const local = await scanPython(
      py(
        "import os",
        "env = os.environ",
        "get = os.getenv",
        'if "LOCAL_ALIAS" in env:',
        '    x = env["LOCAL_ALIAS"]',
        'y = get("GET_ALIAS", "d")',
      ),
    );
    expect(local.needs).toEqual({
      LOCAL_ALIAS: "optional@4 optional@5",
      GET_ALIAS: "optional@6",
    });
  });

  it("does not take another module's environ or getenv for the os one", async () => {
    const { needs } = await scanPython(
      py(
        "import environ",
        "from mylib import getenv",
        'a = environ.get("NOT_OS_ENVIRON")',
        'b = getenv("NOT_OS_GETENV")',
        "import other as os",
        'c = os.environ["NOT_OS_AT_ALL"]',
      ),
    );
    expect(needs).toEqual({});
  });

  it("never reads comments, strings or docstrings", async () => {
    const { needs, dynamic } = await scanPython(
      py(
        '"""Module docstring: os.getenv("IN_MODULE_DOCSTRING") and os.environ["X"]."""',
        "import os",
        '# os.getenv("IN_COMMENT")',
        "",
        "def f():",
        '    """Reads os.getenv("IN_FUNCTION_DOCSTRING")."""',
        "    return 1",
        "",
        "class C:",
        "    '''os.environ[\"IN_CLASS_DOCSTRING\"]'''",
        "",
        'text = "os.getenv(\\"IN_STRING\\")"',
        's = "# not a comment"; z = os.environ["AFTER_HASH_IN_STRING"]',
      ),
    );
    expect(needs).toEqual({ AFTER_HASH_IN_STRING: "required@13" });
    expect(dynamic).toEqual([]);
  });

  it("reports computed names as dynamic, and writes, deletes and pop as no read", async () => {
    const { needs, dynamic } = await scanPython(
      py(
        "import os",
        'x = os.getenv(f"{PREFIX}_URL")',
        "y = os.environ[key]",
        "z = os.getenv(name)",
        'w = os.environ.get("A_" + suffix)',
        'os.environ["SET_FOR_CHILD"] = "1"',
        'os.environ.pop("REMOVED", None)',
        'del os.environ["DELETED"]',
        "if key in os.environ:",
        "    pass",
      ),
    );
    expect(needs).toEqual({});
    expect(dynamic).toEqual([
      '2: os.getenv(f"{PREFIX}_URL")',
      "3: os.environ[key]",
      "4: os.getenv(name)",
      '5: os.environ.get("A_" + suffix)',
    ]);
  });
});
