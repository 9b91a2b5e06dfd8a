import { existsSync, readdirSync, statSync } from "node:fs";
import { join, posix, relative, sep } from "node:path";
import { inputError } from "../../errors.js";

export type Language = "js" | "python" | "go";

/** Folders that hold dependencies, build output or caches, never the service's own code. */
const SKIP_DIRS = new Set([
  "node_modules",
  "bower_components",
  "jspm_packages",
  "vendor",
  "dist",
  "build",
  "out",
  "target",
  "coverage",
  ".next",
  ".nuxt",
  ".svelte-kit",
  ".turbo",
  ".cache",
  ".parcel-cache",
  ".terraform",
  ".serverless",
  ".aws-sam",
  "__pycache__",
  ".venv",
  "venv",
  "site-packages",
  ".tox",
  ".nox",
  ".mypy_cache",
  ".pytest_cache",
  ".ruff_cache",
  ".eggs",
  ".git",
  ".hg",
  ".svn",
]);

/**
 * Tests, fixtures, examples, docs and notebooks: scanned only with --include-tests (they never run
 * in the container).
 */
const TEST_DIRS = new Set([
  "examples",
  "example",
  "docs",
  "notebooks",
  "benchmarks",
  "test",
  "tests",
  "__tests__",
  "__mocks__",
  "fixtures",
  "__fixtures__",
  "testdata",
  "e2e",
  "cypress",
]);

const EXTENSIONS: Record<string, Language> = {
  ".js": "js",
  ".jsx": "js",
  ".mjs": "js",
  ".cjs": "js",
  ".ts": "js",
  ".tsx": "js",
  ".mts": "js",
  ".cts": "js",
  ".py": "python",
  ".go": "go",
};

export function languageOf(path: string): Language | undefined {
  if (path.endsWith(".d.ts") || path.endsWith(".d.mts") || path.endsWith(".d.cts"))
    return undefined;
  const dot = path.lastIndexOf(".");
  return dot === -1 ? undefined : EXTENSIONS[path.slice(dot)];
}

/** Dockerfile, Dockerfile.prod, api.Dockerfile, Containerfile: their ENV lines are image defaults. */
export function isDockerfile(name: string): boolean {
  return /^(?:Dockerfile|Containerfile)(?:\..+)?$|\.(?:Dockerfile|dockerfile)$/.test(name);
}

/** A Prisma schema: its `env("X")` reads are the database client's configuration. */
export function isPrismaSchema(name: string): boolean {
  return name.endsWith(".prisma");
}

export function isTestFile(name: string): boolean {
  return (
    /\.(test|spec)\.[cm]?[jt]sx?$/.test(name) ||
    /^test_.*\.py$/.test(name) ||
    /_test\.(py|go)$/.test(name) ||
    name === "conftest.py"
  );
}

export interface WalkOptions {
  includeTests: boolean;
  /**
   * `--exclude` globs: matched against each path relative to the working directory (as the
   * folder was given), and — for a pattern without `/` — against each file or folder name.
   */
  exclude?: readonly string[];
}

/** `**` any folders, `*` anything but `/`, `?` one character but `/`; `dir/**` is `dir` too. */
export function globToRegExp(glob: string): RegExp {
  const g = glob.replace(/^\.\//, "").replace(/\/+$/, "");
  let re = "";
  for (let i = 0; i < g.length; i++) {
    const c = g.charAt(i);
    if (g.startsWith("**/", i)) {
      re += "(?:.*/)?";
      i += 2;
    } else if (g.startsWith("/**", i) && i + 3 === g.length) {
      re += "(?:/.*)?";
      i += 2;
    } else if (g.startsWith("**", i)) {
      re += ".*";
      i += 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** Whether a walked path is excluded: `rel` is relative to the working directory. */
function excluder(globs: readonly string[]): (rel: string, name: string) => boolean {
  const rules = globs.map((g) => ({
    re: globToRegExp(g),
    byName: !g.replace(/\/+$/, "").includes("/"),
  }));
  return (rel, name) => rules.some((r) => r.re.test(rel) || (r.byName && r.re.test(name)));
}

/** Every source file under `root` (absolute paths), skipping dependencies, builds and tests. */
export function walkSources(root: string, shown: string, opts: WalkOptions): string[] {
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw inputError(
      shown,
      undefined,
      "is not a folder; --code takes the folder of the service's sources",
    );
  }
  const files: string[] = [];
  const stack = [root];
  const excluded = excluder(opts.exclude ?? []);
  const base = posix.normalize(shown.split(sep).join("/")).replace(/\/+$/, "");
  const rel = (path: string) => {
    const inside = relative(root, path).split(sep).join("/");
    return base === "." ? inside : `${base}/${inside}`;
  };
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue; // an unreadable sub-folder is not the service's code
    }
    // A Python virtualenv may have any name; it is recognised by its marker file.
    if (dir !== root && entries.some((e) => e.name === "pyvenv.cfg")) continue;
    for (const entry of entries) {
      const name = entry.name;
      if (entry.isDirectory()) {
        if (SKIP_DIRS.has(name) || (name.startsWith(".") && name !== ".")) continue;
        if (!opts.includeTests && TEST_DIRS.has(name)) continue;
        if (excluded(rel(join(dir, name)), name)) continue;
        stack.push(join(dir, name));
      } else if (
        entry.isFile() &&
        (languageOf(name) || isDockerfile(name) || isPrismaSchema(name))
      ) {
        if (!opts.includeTests && isTestFile(name)) continue;
        if (excluded(rel(join(dir, name)), name)) continue;
        files.push(join(dir, name));
      }
    }
  }
  return files.sort();
}
