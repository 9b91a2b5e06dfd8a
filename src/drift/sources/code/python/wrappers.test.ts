import { describe, expect, it } from "vitest";
import { py, scanPython } from "./test-support/scan.js";

describe("the project's own wrappers", () => {
  it("calling a function whose parameter is the name reads that name; need from the wrapper and the call", async () => {
    const { needs, vias, dynamic } = await scanPython({
      "app/config.py": py(
        "import os",
        "",
        "def env(name, default=None):",
        "    return os.getenv(name, default)",
        "",
        "def require(name):",
        "    value = os.environ.get(name)",
        "    if not value:",
        '        raise RuntimeError(f"{name} is required")',
        "    return value",
        "",
        "def raw(name):",
        "    return os.environ[name]",
        "",
        'DEBUG = env("DEBUG", "false")',
        'TIMEOUT = env("TIMEOUT")',
        'TOKEN = require("API_TOKEN")',
        'DB = raw("DATABASE_URL")',
      ),
      "app/main.py": py(
        "from app.config import env, require as must",
        'SENTRY = env("SENTRY_DSN")',
        'if not env("CHECKED_AT_CALL"):',
        "    raise SystemExit(1)",
        'KEY = must("SIGNING_KEY")',
        "name = pick()",
        "value = env(name)",
      ),
    });
    expect(needs).toEqual({
      DEBUG: "optional@15",
      // The call uses the wrapper's default (None): optional unless the code checks the result.
      TIMEOUT: "optional@16",
      API_TOKEN: "required@17",
      DATABASE_URL: "required@18",
      SENTRY_DSN: "optional@2",
      CHECKED_AT_CALL: "required@3",
      SIGNING_KEY: "required@5",
    });
    expect(vias).toMatchObject({
      DEBUG: "env() → os.getenv",
      API_TOKEN: "require() → os.environ.get",
      DATABASE_URL: "raw() → os.environ[]",
    });
    // The reads inside the wrappers are not dynamic reads; a call with a computed name is.
    expect(dynamic).toEqual(["7: env(name)"]);
  });

  it("methods (self._get), wrappers of wrappers, and a default passed at the call", async () => {
    const { needs, vias } = await scanPython(
      py(
        "import os",
        "",
        "class Config:",
        "    def _get(self, key, fallback=None):",
        "        value = os.getenv(key, fallback)",
        "        if value is None:",
        '            raise KeyError(f"missing {key}")',
        "        return value",
        "",
        "    def load(self):",
        '        self.url = self._get("SERVICE_URL")',
        '        self.level = self._get("LOG_LEVEL", "info")',
        "",
        "def strict(name):",
        "    return must_have(name)",
        "",
        "def must_have(name):",
        "    v = os.getenv(name)",
        "    if v is None:",
        "        raise RuntimeError(name)",
        "    return v",
        "",
        'X = strict("THROUGH_TWO_WRAPPERS")',
        "class Unrelated:",
        "    def run(self):",
        '        return self._get("NOT_THE_CONFIG_METHOD")',
      ),
    );
    expect(needs).toEqual({
      SERVICE_URL: "required@11",
      LOG_LEVEL: "optional@12",
      THROUGH_TWO_WRAPPERS: "required@23",
    });
    expect(vias.THROUGH_TWO_WRAPPERS).toBe("strict() → must_have() → os.getenv");
  });

  it("a function of the same name from another module is not the wrapper", async () => {
    const { needs } = await scanPython({
      "app/config.py": py("import os", "def env(name):", "    return os.environ[name]"),
      "app/other.py": py("from thirdparty.settings import env", 'x = env("NOT_OURS")'),
    });
    expect(needs).toEqual({});
  });
});

describe("policy readers", () => {
  it("a declared reader is a read of its nameArg; a dotted name matches the callee text", async () => {
    const { needs, vias, dynamic } = await scanPython(
      py(
        "from platform_lib import get_setting, settings",
        'a = get_setting("PLATFORM_KEY")',
        'b = settings.get("REGION", "eu")',
        'c = other.get("NOT_A_SETTING")',
        "d = get_setting(computed)",
      ),
      [
        { call: "get_setting", nameArg: 1, required: true },
        { call: "settings.get", nameArg: 1, required: false },
      ],
    );
    expect(needs).toEqual({ PLATFORM_KEY: "required@2", REGION: "optional@3" });
    expect(vias.PLATFORM_KEY).toBe("get_setting() (policy reader)");
    expect(dynamic).toEqual(["5: get_setting(computed)"]);
  });
});
