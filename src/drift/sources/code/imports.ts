/**
 * The modules a file loads at run time, resolved to files under the scanned folders: relative
 * JS/TS imports (a `.js` specifier may name a `.ts` file), Python imports (absolute from a source
 * root, and relative), and Go imports of the module's own packages. Type-only imports load
 * nothing and are not followed; packages from a registry are not scanned.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const JS_IMPORT =
  /(?:^|[\s;}])(?:import|export)\s+(type\s+)?(?:[\w$*{}\s,]+?\s+from\s+)?["']([^"'\n]+)["']|\b(?:import|require)\s*\(\s*["']([^"'\n]+)["']\s*\)/g;
const JS_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];

export function jsImports(text: string, file: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(JS_IMPORT)) {
    if (m[1]) continue; // import type … / export type …
    const spec = m[2] ?? m[3];
    if (!spec || !spec.startsWith(".")) continue;
    const found = resolveJs(resolve(dirname(file), spec));
    if (found) out.push(found);
  }
  return out;
}

function resolveJs(base: string): string | undefined {
  if (isFile(base)) return base;
  const stem = base.replace(/\.(?:[cm]?js|jsx)$/, "");
  for (const ext of JS_EXTENSIONS) if (isFile(stem + ext)) return stem + ext;
  for (const ext of JS_EXTENSIONS)
    if (isFile(join(base, `index${ext}`))) return join(base, `index${ext}`);
  return undefined;
}

/** Existence checks, cached for one scan (a fresh cache each scan, so new files are seen). */
let fileCache = new Map<string, boolean>();
export function resetImportCache(): void {
  fileCache = new Map();
}
function isFile(path: string): boolean {
  let known = fileCache.get(path);
  if (known === undefined) {
    known = statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
    fileCache.set(path, known);
  }
  return known;
}

const PY_IMPORT = /^[ \t]*(?:from\s+(\.*)([\w.]*)\s+import\s+([^\n#]+)|import\s+([^\n#]+))/gm;

/** Python imports resolved against the source roots (the scanned folders and the entry's folder). */
export function pythonImports(text: string, file: string, roots: string[]): string[] {
  const out: string[] = [];
  const add = (path: string | undefined) => {
    if (path) out.push(path);
  };
  for (const m of text.matchAll(PY_IMPORT)) {
    if (m[4] !== undefined) {
      for (const part of m[4].split(",")) {
        const mod = part.trim().split(/\s+/)[0] ?? "";
        for (const prefix of prefixes(mod)) add(resolvePy(roots, prefix));
      }
      continue;
    }
    const dots = (m[1] as string).length;
    const mod = m[2] as string;
    const bases =
      dots > 0 ? [resolve(dirname(file), ...Array<string>(dots - 1).fill(".."))] : roots;
    const names = (m[3] as string)
      .replace(/[()\\]/g, "")
      .split(",")
      .map((s) => s.trim().split(/\s+/)[0] ?? "");
    for (const prefix of mod ? prefixes(mod) : []) add(resolvePy(bases, prefix));
    for (const name of names)
      if (name && name !== "*") add(resolvePy(bases, mod ? `${mod}.${name}` : name));
  }
  return out;
}

/** `a.b.c` → `a`, `a.b`, `a.b.c`: importing a submodule runs every parent package's __init__. */
function prefixes(mod: string): string[] {
  const parts = mod.split(".").filter(Boolean);
  return parts.map((_, i) => parts.slice(0, i + 1).join("."));
}

function resolvePy(roots: string[], mod: string): string | undefined {
  const rel = mod.split(".").join("/");
  for (const root of roots) {
    const asFile = join(root, `${rel}.py`);
    if (isFile(asFile)) return asFile;
    const asPackage = join(root, rel, "__init__.py");
    if (isFile(asPackage)) return asPackage;
  }
  return undefined;
}

const GO_IMPORT_BLOCK = /\bimport\s*\(([^)]*)\)|\bimport\s+(?:[\w.]+\s+)?"([^"]+)"/g;

/** The module path in go.mod at or above `dir`, and the folder it lives in. */
export function goModule(dir: string): { path: string; root: string } | undefined {
  for (let d = dir; ; d = dirname(d)) {
    const mod = join(d, "go.mod");
    if (isFile(mod)) {
      const name = /^module\s+(\S+)/m.exec(readFileSync(mod, "utf8"))?.[1];
      return name ? { path: name, root: d } : undefined;
    }
    if (dirname(d) === d) return undefined;
  }
}

/** Files of the module's own packages imported by a Go file (a package is its whole folder). */
export function goImports(text: string, mod: { path: string; root: string } | undefined): string[] {
  if (!mod) return [];
  const out: string[] = [];
  for (const m of text.matchAll(GO_IMPORT_BLOCK)) {
    const specs =
      m[1] !== undefined
        ? [...m[1].matchAll(/"([^"]+)"/g)].map((s) => s[1] as string)
        : [m[2] as string];
    for (const spec of specs) {
      if (spec !== mod.path && !spec.startsWith(`${mod.path}/`)) continue;
      out.push(...goPackageFiles(join(mod.root, spec.slice(mod.path.length))));
    }
  }
  return out;
}

export function goPackageFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith(".go") && !f.endsWith("_test.go"))
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}
