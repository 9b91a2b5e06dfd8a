/**
 * The `--k8s PATH` source: a manifest file, a folder of manifests, a Kustomize folder, or `-`
 * (manifests on standard input, e.g. `helm template … | modelgate config check --k8s -`).
 * Workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod, Argo Rollout) are
 * the targets; `envFrom` resolves against the ConfigMaps and Secrets of the same input. A Helm
 * chart or an unrendered template is never silently empty: it is a `not-read` warning saying how
 * to render it. Only names and references are kept; a Secret's data is never read past its keys.
 */
import { statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { inputError } from "../errors.js";
import type { SourceSummary, Target, Unresolved } from "../model.js";
import type { ContainerSelector } from "../targets.js";
import { displayPath, findWordLine, isObject, readText } from "../text.js";
import { listManifests } from "./k8s-files.js";
import type { Patch, SourceDoc } from "./k8s-kustomize.js";
import {
  isKustomizationFile,
  kustomizationFile,
  readKustomization,
  renderKustomize,
  sourceDocs,
} from "./k8s-kustomize.js";
import type { Found } from "./k8s-workload.js";
import { workload } from "./k8s-workload.js";
import { parseYamlDocs } from "./yaml-docs.js";

const WORKLOADS = new Set([
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  "Job",
  "CronJob",
  "Pod",
  "Rollout",
]);

export const STDIN_SHOWN = "<stdin>";

export interface K8sOptions {
  cwd: string;
  paths: string[];
  selector?: ContainerSelector;
  /** What was piped to standard input, for the path `-`. */
  stdin?: string;
  /** kubectl, to render Kustomize folders; absent: they are read without it. */
  kubectl?: string;
}

/** The manifests one --k8s path gave. */
interface ManifestSet {
  found: Found[];
  unresolved: Unresolved[];
  details: string[];
  /** Kustomize patches not applied (read without kubectl). */
  patches: Patch[];
}

export function readK8s(opts: K8sOptions): {
  targets: Target[];
  summaries: SourceSummary[];
  unresolved: Unresolved[];
} {
  const targets: Target[] = [];
  const summaries: SourceSummary[] = [];
  const unresolved: Unresolved[] = [];
  for (const path of opts.paths) {
    const set = path === "-" ? fromStdin(opts) : fromPath(path, opts);
    const ids: string[] = [];
    for (const t of toTargets(set.found, opts.selector)) {
      notApplied(t, set.patches);
      targets.push(t);
      ids.push(t.id);
    }
    unresolved.push(...set.unresolved);
    summaries.push({
      kind: "k8s",
      path: path === "-" ? STDIN_SHOWN : displayPath(opts.cwd, resolve(opts.cwd, path)),
      detail: [`${ids.length} workload(s)`, ...set.details].join("; "),
      targets: ids,
    });
  }
  return { targets, summaries, unresolved };
}

/** Every object of a manifest text, with where it (and each word in it) was written. */
export function foundIn(text: string, shown: string): Found[] {
  const { docs, index } = parseYamlDocs(text, shown);
  const out: Found[] = [];
  for (const d of docs) {
    if (!isObject(d.value) || typeof d.value.kind !== "string") continue;
    const meta = isObject(d.value.metadata) ? d.value.metadata : {};
    const origin = { file: shown, line: index.line(d.from) };
    out.push({
      kind: d.value.kind,
      name: typeof meta.name === "string" ? meta.name : "?",
      doc: d.value,
      origin,
      where: (word) => ({
        file: shown,
        line: findWordLine(text, index, word, d.from, d.to) ?? origin.line,
      }),
    });
  }
  return out;
}

function keysOf(doc: Record<string, unknown>): string[] {
  return [
    ...Object.keys(isObject(doc.data) ? doc.data : {}),
    ...Object.keys(isObject(doc.stringData) ? doc.stringData : {}),
  ];
}

function toTargets(found: Found[], selector: ContainerSelector | undefined): Target[] {
  const of = (kind: string) =>
    new Map(found.filter((f) => f.kind === kind).map((f) => [f.name, keysOf(f.doc)]));
  const configMaps = of("ConfigMap");
  const secrets = of("Secret");
  const out: Target[] = [];
  for (const w of found.filter((f) => WORKLOADS.has(f.kind))) {
    const target = workload(w, configMaps, secrets, selector);
    if (target) out.push(target);
  }
  return out;
}

function emptySet(): ManifestSet {
  return { found: [], unresolved: [], details: [], patches: [] };
}

function fromStdin(opts: K8sOptions): ManifestSet {
  const set = emptySet();
  const text = opts.stdin ?? "";
  if (text.includes("{{")) set.unresolved.push(templates([STDIN_SHOWN]));
  else set.found.push(...foundIn(text, STDIN_SHOWN));
  set.details.push("read from standard input");
  return set;
}

function fromPath(path: string, opts: K8sOptions): ManifestSet {
  const abs = resolve(opts.cwd, path);
  const shown = displayPath(opts.cwd, abs);
  const stat = statSync(abs, { throwIfNoEntry: false });
  if (!stat)
    throw inputError(
      shown,
      undefined,
      "does not exist; --k8s takes a manifest file, a folder of manifests, a Kustomize folder, or - for standard input",
    );
  if (stat.isFile())
    return isKustomizationFile(abs)
      ? fromKustomize(dirname(abs), opts)
      : fromFiles([abs], opts.cwd, emptySet());
  if (kustomizationFile(abs)) return fromKustomize(abs, opts);
  const listing = listManifests(abs, opts.cwd);
  const set = emptySet();
  for (const chart of listing.charts) set.unresolved.push(helmChart(chart, opts.cwd));
  if (listing.kustomizations.length > 0)
    set.details.push(
      `${listing.kustomizations.length} Kustomize folder(s) inside read as plain manifests, their patches skipped: pass one overlay folder to --k8s to read it as Kustomize builds it`,
    );
  return fromFiles(listing.files, opts.cwd, set);
}

function fromFiles(files: string[], cwd: string, set: ManifestSet): ManifestSet {
  const unrendered: string[] = [];
  for (const file of files) {
    const shown = displayPath(cwd, file);
    const text = readText(file, shown);
    if (text.includes("{{")) unrendered.push(shown);
    else set.found.push(...foundIn(text, shown));
  }
  if (unrendered.length > 0) set.unresolved.push(templates(unrendered));
  return set;
}

function helmChart(dir: string, cwd: string): Unresolved {
  const shown = displayPath(cwd, dir);
  return {
    what: `Helm chart ${shown}`,
    reason: `its templates are not rendered: pass the output of \`helm template ${shown}\` (with your values files) as a file, or pipe it to \`--k8s -\``,
    location: { file: displayPath(cwd, join(dir, "Chart.yaml")), line: 1 },
    mayProvide: true,
    unread: true,
  };
}

function templates(files: string[]): Unresolved {
  const shown =
    files.length > 3 ? `${files.slice(0, 3).join(", ")}, … (${files.length})` : files.join(", ");
  return {
    what: `template${files.length > 1 ? "s" : ""} ${shown}`,
    reason:
      "they hold `{{ … }}` and are not rendered: pass the output of `helm template` (or your templating tool) as a file, or pipe it to `--k8s -`",
    location: { file: files[0] ?? STDIN_SHOWN },
    mayProvide: true,
    unread: true,
  };
}

function fromKustomize(dir: string, opts: K8sOptions): ManifestSet {
  const kfile = displayPath(opts.cwd, kustomizationFile(dir) ?? dir);
  const set = emptySet();
  if (opts.kubectl) {
    const rendered = renderKustomize(opts.kubectl, dir);
    if ("text" in rendered) {
      set.found.push(...mapToSources(foundIn(rendered.text, kfile), dir, opts.cwd));
      set.details.push("rendered by kubectl kustomize");
      return set;
    }
    set.details.push(`kubectl kustomize failed (${rendered.error}); resources read without it`);
  } else set.details.push("kubectl not found: resources read without it");
  const k = readKustomization(dir, opts.cwd);
  fromFiles(k.files, opts.cwd, set);
  set.found.push(...k.generated);
  set.unresolved.push(...k.unresolved);
  set.patches = k.patches;
  if (k.patches.length > 0)
    set.details.push(
      `${k.patches.length} patch(es) not applied (${k.patches.filter((p) => p.touchesEnv).length} touch env)`,
    );
  return set;
}

/** Rendered objects placed back where their kustomization's files wrote them. */
function mapToSources(found: Found[], dir: string, cwd: string): Found[] {
  let docs: SourceDoc[] = [];
  try {
    const k = readKustomization(dir, cwd);
    docs = sourceDocs([...k.files, ...k.patches.flatMap((p) => (p.file ? [p.file] : []))], cwd);
  } catch {
    // kubectl read it; places are only a convenience.
  }
  const fallback = { file: displayPath(cwd, kustomizationFile(dir) ?? dir), line: 1 };
  return found.map((f) => {
    // A namePrefix / nameSuffix renames the object: its source name is part of the new one.
    let mine = docs.filter((d) => d.key === `${f.kind}/${f.name}`);
    if (mine.length === 0)
      mine = docs.filter(
        (d) => d.key.startsWith(`${f.kind}/`) && f.name.includes(d.key.slice(f.kind.length + 1)),
      );
    const first = mine[0];
    if (!first) return { ...f, origin: fallback, where: () => fallback };
    const origin = { file: first.file, line: first.line };
    return {
      ...f,
      origin,
      where: (word: string) => {
        for (const d of mine) {
          const line = findWordLine(d.text, d.index, word, d.from, d.to);
          if (line !== undefined) return { file: d.file, line };
        }
        return origin;
      },
    };
  });
}

/** A patch that touches env and targets this workload (or says no target) is an open end. */
function notApplied(t: Target, patches: Patch[]): void {
  const name = t.identity?.names[0];
  for (const p of patches) {
    if (!p.touchesEnv || (p.target !== undefined && p.target !== name)) continue;
    t.unresolved.push({
      what: p.label,
      reason:
        "Kustomize patches are not applied without kubectl, and this one touches env: install kubectl, or pass `kubectl kustomize` output to `--k8s -`",
      location: p.location,
      mayProvide: true,
    });
  }
}
