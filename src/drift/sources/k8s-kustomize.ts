/**
 * Kustomize folders for `--k8s`. With `kubectl` on PATH the folder is rendered by `kubectl
 * kustomize` (patches, generators and prefixes applied as Kustomize applies them); without it, the
 * `resources` (and `bases`, `components`) are read recursively, ConfigMap and Secret generators
 * become ConfigMaps and Secrets (keys only), and every patch is named as not applied — a patch
 * that touches `env` may provide variables, so the workloads it targets get an open end.
 */
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { inputError } from "../errors.js";
import type { Location, Unresolved } from "../model.js";
import { LineIndex, displayPath, findWordLine, isObject, readText } from "../text.js";
import { parseEnvExample } from "./env-example.js";
import type { Found } from "./k8s-workload.js";
import { parseYamlDocs } from "./yaml-docs.js";

const FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];
/** Nested kustomizations followed at most (an overlay of a base of a component…). */
const MAX_DEPTH = 20;
const MAX_FILES = 5000;
const KUBECTL_TIMEOUT_MS = 60_000;
const KUBECTL_MAX_OUTPUT = 64 * 1024 * 1024;

export function kustomizationFile(dir: string): string | undefined {
  return FILES.map((f) => join(dir, f)).find((f) => existsSync(f));
}

export function isKustomizationFile(path: string): boolean {
  return FILES.includes(basename(path));
}

export interface Patch {
  label: string;
  location: Location;
  /** It may add or change `env` / `envFrom`. */
  touchesEnv: boolean;
  /** The object it patches, when it says (`target.name`, or the patch's own metadata.name). */
  target?: string;
  /** Its file, when it is one (so a folder walk does not read it as a manifest). */
  file?: string;
}

export interface Kustomization {
  /** Manifest files listed as resources, absolute. */
  files: string[];
  /** ConfigMaps and Secrets from generators (keys only). */
  generated: Found[];
  patches: Patch[];
  unresolved: Unresolved[];
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const REMOTE = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@|github\.com\/|gitlab\.com\/|bitbucket\.org\/)/i;

export function readKustomization(dir: string, cwd: string): Kustomization {
  const out: Kustomization = { files: [], generated: [], patches: [], unresolved: [] };
  visit(dir, cwd, out, new Set(), 0);
  return out;
}

function visit(dir: string, cwd: string, out: Kustomization, seen: Set<string>, depth: number) {
  const file = kustomizationFile(dir);
  if (!file || seen.has(file)) return;
  seen.add(file);
  const shown = displayPath(cwd, file);
  if (depth > MAX_DEPTH)
    throw inputError(shown, undefined, `kustomizations nest deeper than ${MAX_DEPTH} levels`);
  const text = readText(file, shown);
  const { docs, index } = parseYamlDocs(text, shown);
  const k = isObject(docs[0]?.value) ? docs[0].value : {};
  const at = (word: string): Location => ({
    file: shown,
    line: findWordLine(text, index, word) ?? 1,
  });
  for (const key of ["resources", "bases", "components"]) {
    for (const r of list(k[key])) {
      if (typeof r !== "string") continue;
      if (REMOTE.test(r) || r.includes("?ref=")) {
        out.unresolved.push({
          what: `remote resource ${r}`,
          reason:
            "it is fetched by Kustomize and not read by this check; install kubectl to render it",
          location: at(r),
          mayProvide: true,
        });
        continue;
      }
      const abs = resolve(dir, r);
      const stat = statSync(abs, { throwIfNoEntry: false });
      if (stat?.isDirectory()) visit(abs, cwd, out, seen, depth + 1);
      else if (stat?.isFile()) out.files.push(abs);
      else
        out.unresolved.push({
          what: `resource ${r}`,
          reason: "it does not exist",
          location: at(r),
          mayProvide: true,
        });
      if (out.files.length > MAX_FILES)
        throw inputError(shown, undefined, `lists more than ${MAX_FILES} resource files`);
    }
  }
  for (const [key, kind] of [
    ["configMapGenerator", "ConfigMap"],
    ["secretGenerator", "Secret"],
  ] as const)
    for (const g of list(k[key]).filter(isObject)) generator(g, kind, dir, cwd, at, out);
  patches(k, dir, cwd, at, out, shown);
}

/** A generator's keys: `literals` K=V, `envs` files' names, `files` keys (or file names). */
function generator(
  g: Record<string, unknown>,
  kind: "ConfigMap" | "Secret",
  dir: string,
  cwd: string,
  at: (w: string) => Location,
  out: Kustomization,
) {
  if (typeof g.name !== "string") return;
  const keys: string[] = [];
  for (const l of list(g.literals)) if (typeof l === "string") keys.push(l.split("=")[0] ?? "");
  for (const f of [...list(g.envs), ...(typeof g.env === "string" ? [g.env] : [])]) {
    if (typeof f !== "string") continue;
    const abs = resolve(dir, f);
    if (!existsSync(abs)) {
      out.unresolved.push({
        what: `${kind} generator ${g.name} env file ${f}`,
        reason: "it does not exist",
        location: at(f),
        mayProvide: true,
      });
      continue;
    }
    const envShown = displayPath(cwd, abs);
    for (const [name, e] of parseEnvExample(readText(abs, envShown), envShown).entries)
      if (!e.commentedOut) keys.push(name);
  }
  for (const f of list(g.files))
    if (typeof f === "string") keys.push(f.includes("=") ? (f.split("=")[0] ?? "") : basename(f));
  const origin = at(g.name);
  out.generated.push({
    kind,
    name: g.name,
    doc: { data: Object.fromEntries(keys.filter(Boolean).map((key) => [key, ""])) },
    origin,
    where: () => origin,
  });
}

function patches(
  k: Record<string, unknown>,
  dir: string,
  cwd: string,
  at: (w: string) => Location,
  out: Kustomization,
  shown: string,
) {
  const add = (source: unknown, target: unknown) => {
    let text: string;
    let label: string;
    let file: string | undefined;
    let location: Location;
    if (typeof source === "string" && !source.includes("\n")) {
      file = resolve(dir, source);
      const patchShown = displayPath(cwd, file);
      text = existsSync(file) ? readText(file, patchShown) : "";
      label = `patch ${patchShown}`;
      location = { file: patchShown, line: 1 };
    } else {
      text = typeof source === "string" ? source : "";
      label = `inline patch in ${shown}`;
      location = at("patch");
    }
    const patch: Patch = { label, location, touchesEnv: /\benv(?:From)?\b/.test(text) };
    if (file) patch.file = file;
    const named = isObject(target) && typeof target.name === "string" ? target.name : undefined;
    const own = /^metadata:\s*\n(?:\s+.*\n)*?\s+name:\s*["']?([\w.-]+)/m.exec(text)?.[1];
    if (named ?? own) patch.target = named ?? own;
    out.patches.push(patch);
  };
  for (const p of list(k.patchesStrategicMerge)) add(p, undefined);
  for (const key of ["patches", "patchesJson6902"])
    for (const p of list(k[key]).filter(isObject)) add(p.path ?? p.patch, p.target);
}

/** `kubectl kustomize DIR`: the rendered manifests, or why it failed (first line). */
export function renderKustomize(
  kubectl: string,
  dir: string,
): { text: string } | { error: string } {
  try {
    const text = execFileSync(kubectl, ["kustomize", dir], {
      encoding: "utf8",
      timeout: KUBECTL_TIMEOUT_MS,
      maxBuffer: KUBECTL_MAX_OUTPUT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { text };
  } catch (err) {
    const e = err as { stderr?: string; message: string; code?: string };
    const first = (e.stderr ?? "").trim().split("\n")[0] || e.code || e.message.split("\n")[0];
    return { error: first ?? "unknown error" };
  }
}

/** Where Kind/name was written in the kustomization's own files (resources, then patches). */
export interface SourceDoc {
  key: string;
  file: string;
  line: number;
  text: string;
  index: LineIndex;
  from: number;
  to: number;
}

export function sourceDocs(files: string[], cwd: string): SourceDoc[] {
  const out: SourceDoc[] = [];
  for (const abs of files) {
    const shown = displayPath(cwd, abs);
    const text = readText(abs, shown);
    if (text.includes("{{")) continue;
    const index = new LineIndex(text);
    for (const d of parseYamlDocs(text, shown).docs) {
      if (!isObject(d.value) || !isObject(d.value.metadata)) continue;
      const key = `${String(d.value.kind)}/${String(d.value.metadata.name)}`;
      out.push({ key, file: shown, line: index.line(d.from), text, index, from: d.from, to: d.to });
    }
  }
  return out;
}
