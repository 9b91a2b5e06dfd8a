/**
 * The manifests in a `--k8s` folder: its YAML files (recursively), the Helm charts inside it (a
 * folder with Chart.yaml: its files are not manifests until rendered), and the Kustomize folders
 * inside it, whose patch files are not objects of their own and are skipped.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { inputError } from "../errors.js";
import { displayPath } from "../text.js";
import { isKustomizationFile, readKustomization } from "./k8s-kustomize.js";

/** YAML files read from one folder at most: a bigger tree is a whole repository, not manifests. */
const MAX_FILES = 5000;
const SKIP = new Set(["node_modules", "vendor", ".terraform"]);

export interface Listing {
  files: string[];
  charts: string[];
  kustomizations: string[];
}

export function listManifests(root: string, cwd: string): Listing {
  const out: Listing = { files: [], charts: [], kustomizations: [] };
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    const entries = readdirSync(dir, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && e.name === "Chart.yaml")) {
      out.charts.push(dir);
      continue;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory() && !e.name.startsWith(".") && !SKIP.has(e.name)) stack.push(path);
      else if (e.isFile() && isKustomizationFile(path)) out.kustomizations.push(dir);
      else if (e.isFile() && /\.ya?ml$/.test(e.name)) out.files.push(path);
    }
    if (out.files.length > MAX_FILES)
      throw inputError(
        displayPath(cwd, root),
        undefined,
        `holds more than ${MAX_FILES} YAML files; pass the folder (or file) of the service's manifests`,
      );
  }
  const patches = new Set<string>();
  for (const k of out.kustomizations)
    for (const p of readKustomization(k, cwd).patches) if (p.file) patches.add(p.file);
  out.files = out.files.filter((f) => !patches.has(f)).sort();
  out.charts.sort();
  return out;
}
