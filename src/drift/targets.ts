/** Merging the targets of several sources: --tf-json over HCL for one address, unique ids. */
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
