/**
 * Where a module call's code is: a local folder (`./…`, `../…`), or the folder `terraform init`
 * fetched a remote module into (`.terraform/modules/modules.json`: Key → Dir). A remote module
 * that was not fetched has no folder, and a sentence saying so.
 */
import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Value } from "./value.js";

export interface ModuleLocation {
  /** The folder with the module's .tf files, when there is one. */
  dir?: string;
  kind: "local" | "fetched" | "remote";
  /** The source as written, for messages. */
  source: string;
  /** Why there is no folder (when `dir` is undefined). */
  why: string;
}

const manifests = new Map<string, Map<string, string>>();

export function clearManifestCache(): void {
  manifests.clear();
}

/** Key → Dir from `.terraform/modules/modules.json` under the root module, if any. */
function manifest(rootDir: string): Map<string, string> {
  const cached = manifests.get(rootDir);
  if (cached) return cached;
  const out = new Map<string, string>();
  try {
    const file = join(rootDir, ".terraform", "modules", "modules.json");
    if ((statSync(file, { throwIfNoEntry: false })?.size ?? Infinity) < 4 * 1024 * 1024) {
      const doc = JSON.parse(readFileSync(file, "utf8")) as {
        Modules?: { Key?: unknown; Dir?: unknown }[];
      };
      for (const m of doc.Modules ?? [])
        if (typeof m.Key === "string" && typeof m.Dir === "string") out.set(m.Key, m.Dir);
    }
  } catch {
    // No manifest, or one that cannot be read: remote modules are then reported as not fetched.
  }
  manifests.set(rootDir, out);
  return out;
}

const isDir = (p: string) => statSync(p, { throwIfNoEntry: false })?.isDirectory() === true;

export function isLocalSource(source: string): boolean {
  return source.startsWith("./") || source.startsWith("../");
}

/**
 * The folder of a module call. `key` is the call's key in modules.json (`parent.child`), `dir`
 * the calling module's folder, `rootDir` the root module's (where `.terraform` is).
 */
export function locateModule(
  rootDir: string,
  dir: string,
  key: string,
  source: Value,
): ModuleLocation {
  if (typeof source !== "string")
    return { kind: "remote", source: "?", why: "its source is not a literal string" };
  if (isLocalSource(source)) {
    const abs = resolve(dir, source);
    return isDir(abs)
      ? { dir: abs, kind: "local", source, why: "" }
      : { kind: "local", source, why: `its folder ${source} does not exist` };
  }
  const fetched = manifest(rootDir).get(key);
  if (fetched !== undefined) {
    const abs = resolve(rootDir, fetched);
    if (isDir(abs)) return { dir: abs, kind: "fetched", source, why: "" };
  }
  return {
    kind: "remote",
    source,
    why: `its source ${source} is not local and \`terraform init\` has not fetched it into .terraform/modules`,
  };
}
