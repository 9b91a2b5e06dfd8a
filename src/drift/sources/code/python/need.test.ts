import { describe, expect, it } from "vitest";
import { py, scanPython } from "./test-support/scan.js";

describe("Python need: required", () => {
  it("os.environ[] outside a try that catches KeyError", async () => {
    const { needs } = await scanPython(
      py(
        "import os",
        'a = os.environ["PLAIN"]',
        "try:",
        '    b = os.environ["CAUGHT_KEY_ERROR"]',
        "except KeyError:",
        "    b = None",
        "try:",
        '    c = os.environ["CAUGHT_IN_TUPLE"]',
        "except (ValueError, KeyError) as e:",
        "    c = None",
        "try:",
        '    d = os.environ["BARE_EXCEPT"]',
        "except:",
        "    d = None",
        "try:",
        '    e = os.environ["OTHER_ERROR_ONLY"]',
        "except ValueError:",
        "    e = None",
        "try:",
        "    pass",
        "except KeyError:",
        '    f = os.environ["IN_THE_HANDLER"]',
        "from contextlib import suppress",
        "with suppress(KeyError):",
        '    g = os.environ["SUPPRESSED"]',
      ),
    );
    expect(needs).toEqual({
      PLAIN: "required@2",
      CAUGHT_KEY_ERROR: "optional@4",
      CAUGHT_IN_TUPLE: "optional@8",
      BARE_EXCEPT: "optional@12",
      OTHER_ERROR_ONLY: "required@16",
      IN_THE_HANDLER: "required@22",
      SUPPRESSED: "optional@25",
    });
  });

  it("a read whose emptiness leads to raise / sys.exit / exit / abort, directly or through a variable", async () => {
    const { needs } = await scanPython(
      py(
        "import os, sys",
        'if not os.getenv("DIRECT"):',
        '    raise RuntimeError("DIRECT is not set")',
        'v = os.getenv("THROUGH_LOCAL")',
        "if not v:",
        '    raise SystemExit("missing")',
        'w = os.environ.get("IS_NONE")',
        "if w is None:",
        "    sys.exit(1)",
        'x = os.getenv("EMPTY_DEFAULT", "")',
        'if x == "":',
        "    exit(2)",
        'if "NOT_IN" not in os.environ:',
        '    abort(500, "NOT_IN missing")',
        'assert os.getenv("ASSERTED"), "ASSERTED is required"',
        'if (walrus := os.getenv("WALRUS")) is None:',
        "    raise KeyError('WALRUS')",
        'if not all([os.getenv("ALL_OF_A"), os.getenv("ALL_OF_B")]):',
        "    raise RuntimeError('both are needed')",
        'if os.getenv("ELSE_BRANCH"):',
        "    pass",
        "else:",
        "    raise RuntimeError('ELSE_BRANCH')",
      ),
    );
    expect(needs).toEqual({
      DIRECT: "required@2",
      THROUGH_LOCAL: "required@4",
      IS_NONE: "required@7",
      EMPTY_DEFAULT: "required@10",
      NOT_IN: "required@13",
      ASSERTED: "required@15",
      WALRUS: "required@16",
      ALL_OF_A: "required@18",
      ALL_OF_B: "required@18",
      ELSE_BRANCH: "required@20",
    });
  });

  it("the seeds' case: self.attr stored in __init__, checked with raise in another method", async () => {
    const { needs } = await scanPython(
      py(
        "import os",
        "from fastapi import HTTPException",
        "",
        "class ModelServingService:",
        "    def __init__(self):",
        '        self.hf_token = os.getenv("HUGGINGFACE_API_KEY")',
        '        self.region = os.getenv("AWS_REGION")',
        "",
        "    async def load(self, repo):",
        "        if not self.hf_token:",
        '            raise HTTPException(status_code=500, detail="HuggingFace token not configured")',
        "        return connect(self.region)",
      ),
    );
    expect(needs).toEqual({ HUGGINGFACE_API_KEY: "required@6", AWS_REGION: "unknown@7" });
  });

  it("a module variable checked in a function, a class attribute checked through self, a 5xx answer", async () => {
    const { needs } = await scanPython(
      py(
        "import os",
        'API_KEY = os.getenv("MODULE_LEVEL")',
        "",
        "def handler(request):",
        "    if not API_KEY:",
        '        return {"detail": "not configured"}, 503',
        "",
        "def other(token=None):",
        '    token = request.headers.get("x")',
        "    if not token:",
        "        raise PermissionError()",
        "",
        'TOKEN = os.getenv("SHADOWED_ELSEWHERE")',
        "def uses_its_own(TOKEN):",
        "    if not TOKEN:",
        "        raise ValueError()",
        "",
        "class Config:",
        '    URL = os.getenv("CLASS_ATTRIBUTE")',
        "    def check(self):",
        "        if self.URL is None:",
        "            raise RuntimeError('URL')",
        "",
        'HOST = os.getenv("LOOP_SHADOWED")',
        "def each(hosts):",
        "    for HOST in hosts:",
        "        if not HOST:",
        "            raise ValueError()",
      ),
    );
    expect(needs).toEqual({
      MODULE_LEVEL: "required@2",
      SHADOWED_ELSEWHERE: "unknown@13",
      CLASS_ATTRIBUTE: "required@19",
      LOOP_SHADOWED: "unknown@24",
    });
  });
});

describe("Python need: optional", () => {
  it("any default, a handled None, a presence check, a comparison", async () => {
    const { needs } = await scanPython(
      py(
        "import os",
        'a = os.getenv("OR_DEFAULT") or "d"',
        'if os.getenv("PRESENCE"):',
        "    pass",
        'if "IN_ENVIRON" in os.environ:',
        "    pass",
        'if v := os.getenv("WALRUS_PRESENCE"):',
        "    use(v)",
        'debug = os.getenv("COMPARED") == "true"',
        'flag = os.getenv("LOWERED").lower() == "1"',
        'region = os.getenv("REASSIGNED")',
        "if region is None:",
        '    region = "us-east-1"',
        'zone = os.getenv("NOT_V_REASSIGNED")',
        "if not zone:",
        '    zone = "a"',
        "def f():",
        '    if not os.getenv("RETURNS_EARLY"):',
        "        return None",
        'n = int(os.getenv("INT_WITH_OR") or 5)',
        'x = "a" if os.getenv("TERNARY") else "b"',
        'p = bool(os.getenv("BOOL_OF"))',
      ),
    );
    expect(needs).toEqual({
      OR_DEFAULT: "optional@2",
      PRESENCE: "optional@3",
      IN_ENVIRON: "optional@5",
      WALRUS_PRESENCE: "optional@7",
      COMPARED: "optional@9",
      LOWERED: "optional@10",
      REASSIGNED: "optional@11",
      NOT_V_REASSIGNED: "optional@14",
      RETURNS_EARLY: "optional@18",
      INT_WITH_OR: "optional@20",
      TERNARY: "optional@21",
      BOOL_OF: "optional@22",
    });
  });

  it("a subscript guarded by its own presence check is optional; by another variable's, unknown", async () => {
    const { needs } = await scanPython(
      py(
        "import os",
        "if 'DB_NAME' in os.environ:",
        "    DATABASES = {",
        "        'NAME': os.environ['DB_NAME'],",
        "        'USER': os.environ['DB_USER'],",
        "    }",
        'host = os.environ["DB_HOST"] if os.getenv("DB_HOST") else "localhost"',
        "if 'USERPROFILE' in os.environ:",
        "    home = os.environ['USERPROFILE']",
        "elif 'HOMEPATH' not in os.environ:",
        "    home = None",
        "else:",
        "    home = os.environ['HOMEPATH']",
      ),
    );
    expect(needs).toEqual({
      DB_NAME: "optional@2 optional@4",
      DB_USER: "unknown@5",
      DB_HOST: "optional@7 optional@7",
      USERPROFILE: "optional@8 optional@9",
      HOMEPATH: "optional@10 optional@13",
    });
  });

  it("`A or B` reads stand in for each other, and are required together when the result is", async () => {
    const { needs, alternatives } = await scanPython(
      py(
        "import os",
        'token = os.getenv("HF_TOKEN") or os.getenv("HUGGINGFACE_API_KEY")',
        "if not token:",
        "    raise RuntimeError('set HF_TOKEN or HUGGINGFACE_API_KEY')",
      ),
    );
    expect(needs).toEqual({ HF_TOKEN: "required@2", HUGGINGFACE_API_KEY: "required@2" });
    expect(alternatives).toEqual({
      HF_TOKEN: ["HUGGINGFACE_API_KEY"],
      HUGGINGFACE_API_KEY: ["HF_TOKEN"],
    });
  });
});

describe("Python need: unknown", () => {
  it("a bare read passed on, interpolated, returned or stored with no check", async () => {
    const { needs } = await scanPython(
      py(
        "import os",
        'engine = create_engine(os.getenv("PASSED_ON"))',
        "msg = f\"{os.getenv('INTERPOLATED')}\"",
        "def url():",
        '    return os.getenv("RETURNED")',
        'token = os.getenv("STORED")',
        "client = Client(token=token)",
        'hosts = os.getenv("SPLIT").split(",")',
        'if os.getenv("CHECKED_BUT_HANDLED") is None:',
        "    log.warning('not set')",
      ),
    );
    expect(needs).toEqual({
      PASSED_ON: "unknown@2",
      INTERPOLATED: "unknown@3",
      RETURNED: "unknown@5",
      STORED: "unknown@6",
      SPLIT: "unknown@8",
      CHECKED_BUT_HANDLED: "optional@9",
    });
  });
});
