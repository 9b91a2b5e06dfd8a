/** Merging the targets of several sources: --tf-json over HCL for one address, unique ids. */
import { usageError } from "./errors.js";
import type { Target } from "./model.js";

/**
 * With --tf-json, Terraform's own evaluation replaces ours for the same resource address; the
 * HCL still gives each variable its file and line.
 */
export function preferTfJson(hcl: Target[], json: Target[]): Target[] {
  const byId = new Map(hcl.map((t) => [t.id, t]));
  const out: Target[] = [];
  for (const t of json) {
    const source = byId.get(t.id);
    if (!source) {
      out.push(t);
      continue;
    }
    byId.delete(t.id);
    if (t.containers.length === 0 && source.containers.length > 0) {
      // A plan knows container_definitions only after apply when they use computed values
      // (a secret's ARN): the names still come from the HCL.
      source.notes.push(
        `${t.location.file ?? "--tf-json"} has no container definitions for it (${t.unresolved[0]?.reason ?? "unknown"}); names read from the HCL`,
      );
      out.push(source);
      continue;
    }
    out.push(t);
    t.location = source.location;
    for (const [name, list] of t.provisions) {
      const line = source.provisions.get(name)?.[0]?.location;
      if (line) for (const p of list) p.location = line;
    }
  }
  return [...out, ...byId.values()];
}

export function uniqueIds(targets: Target[]): void {
  const seen = new Map<string, number>();
  for (const t of targets) {
    const n = (seen.get(t.id) ?? 0) + 1;
    seen.set(t.id, n);
    if (n > 1) t.id = `${t.id}#${n}`;
  }
}

/** `--container NAME` or `--container WORKLOAD/CONTAINER`. */
export interface ContainerSelector {
  /** A workload (Kubernetes object, compose service, task definition family); absent for NAME. */
  workload?: string;
  container: string;
  text: string;
}

export function parseSelector(text: string | undefined): ContainerSelector | undefined {
  if (text === undefined) return undefined;
  const slash = text.lastIndexOf("/");
  if (slash === -1) {
    if (text.trim() === "")
      throw usageError("--container needs a name: NAME or WORKLOAD/CONTAINER.");
    return { container: text, text };
  }
  const workload = text.slice(0, slash);
  const container = text.slice(slash + 1);
  if (workload === "" || container === "")
    throw usageError(
      `--container ${text}: give NAME or WORKLOAD/CONTAINER (e.g. frontend/server), with both parts.`,
    );
  return { workload, container, text };
}

/** Whether a target is the workload a selector names (family, workload or service name). */
export function isWorkload(t: Target, workload: string): boolean {
  return (
    (t.family?.kind === "known" && t.family.name === workload) ||
    (t.identity?.names[0] ?? "") === workload ||
    t.label === workload ||
    t.label.endsWith(`.${workload}`)
  );
}
