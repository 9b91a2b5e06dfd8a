/**
 * The installed package's root: the nearest folder above this module that holds modelgate's
 * package.json. Files shipped with the package (package.json, models/, dist/build-info.json,
 * src/config/schema.ts) are found from it, the same from src/ (tests), dist/ (tsc) or a chunk of
 * the start-up bundle (dist/bundle/), whatever their depth.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function isOurs(dir: string): boolean {
  const file = join(dir, "package.json");
  if (!existsSync(file)) return false;
  try {
    return (JSON.parse(readFileSync(file, "utf8")) as { name?: unknown }).name === "modelgate";
  } catch {
    return false;
  }
}

function findRoot(from: string): string {
  let dir = dirname(from);
  for (;;) {
    if (isOurs(dir)) return dir;
    const up = dirname(dir);
    if (up === dir) {
      throw new Error(`modelgate's package.json was not found above ${from}: reinstall modelgate.`);
    }
    dir = up;
  }
}

export const PACKAGE_ROOT = findRoot(fileURLToPath(import.meta.url));

/** A path inside the package, from its root. */
export function packagePath(...parts: string[]): string {
  return join(PACKAGE_ROOT, ...parts);
}
