/**
 * Which targets are compared with the code. A repository's Terraform or compose file often holds
 * several services (the API, an MLflow server, a database); the scanned code is one of them.
 * With deployed task definitions given, the Terraform task definitions of their families are the
 * counterpart and the others are left out; otherwise, when there are several targets, one that
 * provides none of the variables the code reads or .env.example lists belongs to another service.
 * A target left out still gets plaintext-secret and unresolved findings, and a note saying why.
 */
import type { Target } from "../model.js";
import type { VariableInfo } from "./types.js";

export function targetsComparedWithCode(
  targets: Target[],
  pairs: Map<string, Target[]>,
  vars: VariableInfo[],
): Set<string> {
  const inScope = new Set<string>();
  const known = vars.filter((v) => v.reads.length > 0 || v.docs.length > 0 || v.required);
  const names = new Set(known.flatMap((v) => [v.name, ...v.alternatives]));
  const deployed = targets.filter((t) => t.role === "deployed");
  const paired = new Set([...pairs.values()].flat().map((t) => t.id));
  const overlaps = (t: Target) => [...t.provisions.keys()].some((n) => names.has(n));
  const several = targets.length > 1 && names.size > 0;
  for (const t of targets) {
    if (t.role === "deployed" || !several) {
      inScope.add(t.id);
    } else if (t.role === "declared" && deployed.length > 0) {
      if (paired.has(t.id)) inScope.add(t.id);
      else
        t.notes.push(
          "not compared with the code: no deployed task definition of its family was given",
        );
    } else if (overlaps(t) || (t.provisions.size === 0 && t.unresolved.length > 0)) {
      inScope.add(t.id);
    } else {
      t.notes.push(
        "not compared with the code: it provides none of the variables the code reads or .env.example lists (another service?); pick one with --container",
      );
    }
  }
  return inScope;
}
