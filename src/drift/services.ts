/**
 * The services a --code folder holds, for pairing each deployment target with its own code: when
 * two or more of its sub-folders have a manifest of their own (go.mod, package.json,
 * pyproject.toml, requirements.txt, a Dockerfile, …), each is a service (a microservices
 * repository's `src/<service>/`); otherwise the folder itself is one. A service is named by its
 * folder and by its manifest (go.mod module, package.json or pyproject name).
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { CodeService } from "./findings/types.js";
import { displayPath } from "./text.js";

const MARKERS = new Set([
  "go.mod",
  "package.json",
  "pyproject.toml",
  "requirements.txt",
  "setup.py",
  "Pipfile",
  "Dockerfile",
  "Containerfile",
  "pom.xml",
  "build.gradle",
  "build.gradle.kts",
  "Cargo.toml",
  "Gemfile",
  "composer.json",
]);
const SKIP = new Set(["node_modules", "vendor", "dist", "build", "test", "tests", "docs"]);
/** Manifests larger than this are not read for a name. */
const MAX_MANIFEST = 256 * 1024;

function entries(dir: string): { name: string; dir: boolean }[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).map((e) => ({
      name: e.name,
      dir: e.isDirectory(),
    }));
  } catch {
    return [];
  }
}

function hasMarker(dir: string): boolean {
  return entries(dir).some(
    (e) => !e.dir && (MARKERS.has(e.name) || /\.(sln|csproj)$/.test(e.name)),
  );
}

function small(path: string): string | undefined {
  try {
    return statSync(path).size <= MAX_MANIFEST ? readFileSync(path, "utf8") : undefined;
  } catch {
    return undefined;
  }
}

/** Names a folder's manifests give its service. */
function manifestNames(dir: string): string[] {
  const out: string[] = [];
  const mod = /^module\s+(\S+)/m.exec(small(join(dir, "go.mod")) ?? "")?.[1];
  if (mod)
    out.push(
      mod
        .replace(/\/v\d+$/, "")
        .split("/")
        .pop() ?? mod,
    );
  try {
    const pkg = JSON.parse(small(join(dir, "package.json")) ?? "null") as { name?: unknown } | null;
    if (typeof pkg?.name === "string") out.push(pkg.name.replace(/^@[^/]+\//, ""));
  } catch {
    // Not JSON: no name from it.
  }
  const py = /^name\s*=\s*["']([^"']+)["']/m.exec(small(join(dir, "pyproject.toml")) ?? "")?.[1];
  if (py) out.push(py);
  return out;
}

export function codeServices(cwd: string, dirs: string[]): CodeService[] {
  const out: CodeService[] = [];
  for (const dir of dirs) {
    const abs = resolve(cwd, dir);
    const subs = entries(abs)
      .filter((e) => e.dir && !e.name.startsWith(".") && !SKIP.has(e.name))
      .map((e) => join(abs, e.name))
      .filter(hasMarker);
    if (subs.length >= 2) {
      for (const sub of subs)
        out.push({ path: displayPath(cwd, sub), names: [basename(sub), ...manifestNames(sub)] });
      continue;
    }
    // One service: its folder, or — for a generic `src` — the project around it, names it.
    const around = hasMarker(abs) ? [] : manifestNames(dirname(abs));
    out.push({
      path: displayPath(cwd, abs),
      names: [basename(abs), ...manifestNames(abs), ...around],
    });
  }
  return out;
}
