/**
 * Pairs each deployed task definition with the Terraform task definitions of the same family:
 * an exact name, a pattern with unknown parts (`hokusai-api-${var.env}`), or — when the
 * Terraform family cannot be resolved at all and there is exactly one of each — the only
 * candidate, with a note saying so.
 */
import type { Family, Target } from "../model.js";

function familyMatches(family: Family | undefined, name: string): boolean {
  if (!family) return false;
  if (family.kind === "known") return family.name === name;
  if (family.kind === "unknown") return false;
  const re = family.parts
    .map((p) => (p === null ? ".+" : p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${re}$`).test(name);
}

export function describeFamily(family: Family | undefined): string {
  if (!family) return "(no family)";
  return family.kind === "known" ? family.name : family.text;
}

/** Deployed target id → the declared (Terraform) targets of its family. */
export function pairFamilies(targets: Target[]): Map<string, Target[]> {
  const declared = targets.filter((t) => t.role === "declared");
  const deployed = targets.filter((t) => t.role === "deployed");
  const pairs = new Map<string, Target[]>();
  const deployedFamilies = new Set(
    deployed.map((t) => (t.family?.kind === "known" ? t.family.name : "")),
  );
  for (const t of deployed) {
    const name = t.family?.kind === "known" ? t.family.name : undefined;
    if (name === undefined) continue;
    let matches = declared.filter((d) => familyMatches(d.family, name));
    const only = declared[0];
    if (
      matches.length === 0 &&
      declared.length === 1 &&
      only &&
      only.family?.kind !== "known" &&
      deployedFamilies.size === 1
    ) {
      matches = [only];
      const note = `family ${describeFamily(only.family)} could not be resolved; assumed to be ${name}, the only deployed family`;
      if (!only.notes.includes(note)) only.notes.push(note);
    } else {
      for (const d of matches) {
        if (d.family?.kind === "pattern") {
          const note = `family ${d.family.text} matched ${name}`;
          if (!d.notes.includes(note)) d.notes.push(note);
        }
      }
    }
    pairs.set(t.id, matches);
  }
  return pairs;
}
