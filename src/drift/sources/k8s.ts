/**
 * The `--k8s DIR` source: workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
 * CronJob, Pod, Argo Rollout) and the variables their containers get from `env` and `envFrom`,
 * resolving `envFrom` against the ConfigMaps and Secrets found in the same folder. Only names
 * and references are kept; a Secret's data is never read past its keys.
 */
import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { inputError } from "../errors.js";
import type { SourceSummary, Target, Unresolved } from "../model.js";
import { displayPath, findWordLine, isObject, readText } from "../text.js";
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

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && !entry.name.startsWith(".")) out.push(...yamlFiles(path));
    else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) out.push(path);
  }
  return out.sort();
}

function keysOf(doc: Record<string, unknown>): string[] {
  return [
    ...Object.keys(isObject(doc.data) ? doc.data : {}),
    ...Object.keys(isObject(doc.stringData) ? doc.stringData : {}),
  ];
}

export function readK8s(
  cwd: string,
  dirs: string[],
  container: string | undefined,
): { targets: Target[]; summaries: SourceSummary[]; unresolved: Unresolved[] } {
  const targets: Target[] = [];
  const summaries: SourceSummary[] = [];
  const unresolved: Unresolved[] = [];
  for (const dir of dirs) {
    const abs = resolve(cwd, dir);
    const shownDir = displayPath(cwd, abs);
    if (!statSync(abs, { throwIfNoEntry: false })?.isDirectory())
      throw inputError(shownDir, undefined, "is not a folder; --k8s takes a folder of manifests");
    const found: Found[] = [];
    for (const file of yamlFiles(abs)) {
      const shown = displayPath(cwd, file);
      const text = readText(file, shown);
      if (text.includes("{{")) {
        unresolved.push({
          what: `Helm template ${shown}`,
          reason: "it is not rendered; pass the output of `helm template` instead",
          location: { file: shown },
          mayProvide: true,
        });
        continue;
      }
      const { docs, index } = parseYamlDocs(text, shown);
      for (const d of docs) {
        if (!isObject(d.value) || typeof d.value.kind !== "string") continue;
        const meta = isObject(d.value.metadata) ? d.value.metadata : {};
        const origin = { file: shown, line: index.line(d.from) };
        found.push({
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
    }
    const configMaps = new Map(
      found.filter((f) => f.kind === "ConfigMap").map((f) => [f.name, keysOf(f.doc)]),
    );
    const secrets = new Map(
      found.filter((f) => f.kind === "Secret").map((f) => [f.name, keysOf(f.doc)]),
    );
    const ids: string[] = [];
    for (const w of found.filter((f) => WORKLOADS.has(f.kind))) {
      const target = workload(w, configMaps, secrets, container);
      if (!target) continue;
      targets.push(target);
      ids.push(target.id);
    }
    summaries.push({
      kind: "k8s",
      path: shownDir,
      detail: `${ids.length} workload(s)`,
      targets: ids,
    });
  }
  return { targets, summaries, unresolved };
}
