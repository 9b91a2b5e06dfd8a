import { afterEach, describe, expect, it } from "vitest";
import type { TempTree } from "../../test-support/tmp.js";
import { tempTree } from "../../test-support/tmp.js";
import { scanCode } from "./index.js";

let tree: TempTree | undefined;
afterEach(() => tree?.remove());

function names(scan: Awaited<ReturnType<typeof scanCode>>["scan"]): string[] {
  return [...scan.reads.keys()].sort();
}

describe("code source", () => {
  it("skips dependency, build and virtualenv folders, and tests unless asked", async () => {
    tree = tempTree({
      "src/app.ts": "export const a = process.env.APP_KEY;",
      "src/app.test.ts": "process.env.TEST_ONLY;",
      "tests/conftest.py": 'import os\nos.getenv("PYTEST_ONLY")',
      "node_modules/lib/index.js": "process.env.FROM_DEPENDENCY;",
      "dist/app.js": "process.env.FROM_BUILD;",
      "myenv/pyvenv.cfg": "home = /usr/bin",
      "myenv/lib/site.py": 'import os\nos.getenv("FROM_VENV")',
      "worker/main.go": 'package main\nimport "os"\nvar x = os.Getenv("GO_KEY")',
      "fixtures/sample.py": 'import os\nos.getenv("FROM_FIXTURE")',
    });
    const plain = await scanCode({ cwd: tree.dir, dirs: ["."], entries: [], includeTests: false });
    expect(names(plain.scan)).toEqual(["APP_KEY", "GO_KEY"]);
    const withTests = await scanCode({
      cwd: tree.dir,
      dirs: ["."],
      entries: [],
      includeTests: true,
    });
    expect(names(withTests.scan)).toEqual([
      "APP_KEY",
      "FROM_FIXTURE",
      "GO_KEY",
      "PYTEST_ONLY",
      "TEST_ONLY",
    ]);
  });

  it("--entry limits TypeScript to modules reachable through runtime imports (.js specifiers find .ts)", async () => {
    tree = tempTree({
      "src/bin.ts":
        'import { start } from "./server/start.js";\nimport type { T } from "./types.js";\nstart();',
      "src/server/start.ts":
        'import "../config/index.js";\nexport const start = () => import("./lazy.js");',
      "src/server/lazy.ts": "export const l = process.env.LAZY_LOADED;",
      "src/config/index.ts": "export const c = process.env.SERVICE_KEY;",
      "src/types.ts": "export type T = string; const t = process.env.TYPE_ONLY_IMPORT;",
      "src/scripts/seed.ts": "const s = process.env.SEED_ONLY;",
    });
    const result = await scanCode({
      cwd: tree.dir,
      dirs: ["src"],
      entries: ["src/bin.ts"],
      includeTests: false,
    });
    expect(names(result.scan)).toEqual(["LAZY_LOADED", "SERVICE_KEY"]);
    expect(result.summary.detail).toBe("4 files reachable from src/bin.ts");
  });

  it("--entry follows Python absolute, relative and package imports", async () => {
    tree = tempTree({
      "app/main.py":
        "from app.api import routes\nfrom .settings import load\nimport app.util.helpers as h\n",
      "app/__init__.py": "",
      "app/api/__init__.py": 'import os\nAPI = os.getenv("API_PACKAGE_INIT")',
      "app/api/routes.py": 'import os\nTOKEN = os.environ["ROUTES_TOKEN"]',
      "app/settings.py": 'import os\nDB = os.getenv("SETTINGS_DB", "x")',
      "app/util/__init__.py": "",
      "app/util/helpers.py": 'import os\nH = os.getenv("HELPER_VAR")',
      "scripts/backfill.py": 'import os\nB = os.environ["BACKFILL_ONLY"]',
    });
    const result = await scanCode({
      cwd: tree.dir,
      dirs: ["."],
      entries: ["app/main.py"],
      includeTests: false,
    });
    expect(names(result.scan)).toEqual([
      "API_PACKAGE_INIT",
      "HELPER_VAR",
      "ROUTES_TOKEN",
      "SETTINGS_DB",
    ]);
  });

  it("--entry follows Go packages of the module (a package is its folder)", async () => {
    tree = tempTree({
      "go.mod": "module example.com/svc\n\ngo 1.22\n",
      "cmd/api/main.go":
        'package main\n\nimport (\n\t"example.com/svc/internal/config"\n\t"fmt"\n)\n\nfunc main() { fmt.Println(config.Load()) }',
      "cmd/api/flags.go": 'package main\n\nimport "os"\n\nvar debug = os.Getenv("API_DEBUG")',
      "internal/config/config.go":
        'package config\n\nimport "os"\n\nfunc Load() string { return os.Getenv("GO_DATABASE_URL") }',
      "cmd/tool/main.go": 'package main\n\nimport "os"\n\nvar t = os.Getenv("TOOL_ONLY")',
    });
    const result = await scanCode({
      cwd: tree.dir,
      dirs: ["."],
      entries: ["cmd/api/main.go"],
      includeTests: false,
    });
    expect(names(result.scan)).toEqual(["API_DEBUG", "GO_DATABASE_URL"]);
  });

  it("fails with exit-2 errors for a missing folder or entry", async () => {
    tree = tempTree({ "src/a.ts": "" });
    const dir = tree.dir;
    await expect(
      scanCode({ cwd: dir, dirs: ["nope"], entries: [], includeTests: false }),
    ).rejects.toThrow(/nope: is not a folder/);
    await expect(
      scanCode({ cwd: dir, dirs: ["src"], entries: ["src/main.ts"], includeTests: false }),
    ).rejects.toThrow(/src\/main.ts: does not exist/);
  });
});

describe("code source: Python libraries through the whole pipeline", () => {
  it("finds python-decouple reads in a file without os.environ", async () => {
    tree = tempTree({
      "app/settings.py": 'from decouple import config\nKEY = config("DECOUPLE_KEY")\n',
    });
    expect(
      names(
        (await scanCode({ cwd: tree.dir, dirs: ["."], entries: [], includeTests: false })).scan,
      ),
    ).toEqual(["DECOUPLE_KEY"]);
  });
});

describe("code source: Dockerfile ENV", () => {
  it("records variables the image sets, as defaults", async () => {
    tree = tempTree({
      "app/main.py": 'import os\nPORT = os.environ["PORT"]\n',
      Dockerfile:
        "FROM python:3.12\nENV PYTHONUNBUFFERED=1 \\\n    PORT=8000\nENV LEGACY_STYLE some value\nCMD python app/main.py\n",
    });
    const { scan } = await scanCode({
      cwd: tree.dir,
      dirs: ["."],
      entries: [],
      includeTests: false,
    });
    expect(Object.fromEntries(scan.imageDefaults ?? new Map())).toEqual({
      PYTHONUNBUFFERED: { file: "Dockerfile", line: 2 },
      PORT: { file: "Dockerfile", line: 2 },
      LEGACY_STYLE: { file: "Dockerfile", line: 4 },
    });
    expect(scan.files).toBe(1);
  });
});
