/**
 * Everything known about each variable across the sources, and the view of it one target is
 * compared with: a target paired with one service of the code sees only that service's reads
 * (so a variable another service needs is neither missing from it nor read by it).
 */
import type { CodeRead, Location, Need, Provision } from "../model.js";
import { isSecretLike } from "../secret-like.js";
import type { SchemaVar } from "../sources/schema.js";
import type { EngineInput } from "./engine.js";
import { within } from "./scope.js";
import type { CodeService, VariableInfo } from "./types.js";

/** Required (true), optional (false), or undefined when nothing reads it and nothing forces it. */
function requiredOf(
  reads: CodeRead[],
  forced: boolean | undefined,
  imageDefault: Location | undefined,
): boolean | undefined {
  if (forced !== undefined) return forced;
  if (imageDefault) return false;
  if (reads.length === 0) return undefined;
  return reads.some((r) => r.need === "required");
}

/** The code's need of a variable: what its reads say, unless the policy or the image decides. */
export function needOf(v: VariableInfo): Need | undefined {
  if (v.required === true) return "required";
  if (v.forced !== undefined || v.imageDefault || v.reads.length === 0)
    return v.required === false ? "optional" : undefined;
  return v.reads.some((r) => r.need === "unknown") ? "unknown" : "optional";
}

export function collectVariables(
  input: EngineInput,
  ignored: (n: string) => boolean,
): VariableInfo[] {
  const vars = new Map<string, VariableInfo>();
  const get = (name: string): VariableInfo => {
    let v = vars.get(name);
    if (!v) {
      v = {
        name,
        required: undefined,
        secret: isSecretLike(name),
        reads: [],
        docs: [],
        provided: new Map(),
        alternatives: [],
      };
      vars.set(name, v);
    }
    return v;
  };
  const owners = new Map<string, VariableInfo>();
  for (const [name, reads] of input.code?.reads ?? new Map<string, CodeRead[]>()) {
    const v = get(name);
    v.reads.push(...reads);
    for (const r of reads)
      for (const a of r.alternatives ?? []) if (!v.alternatives.includes(a)) v.alternatives.push(a);
    v.alternatives.forEach((a) => owners.set(a, v));
  }
  for (const doc of input.docs) {
    for (const [name, entry] of doc.entries)
      (owners.get(name) ?? get(name)).docs.push({ file: doc.file, entry });
  }
  for (const [name, at] of input.code?.imageDefaults ?? new Map<string, Location>()) {
    const v = vars.get(name);
    if (v) v.imageDefault = at;
  }
  for (const name of input.policy.required) get(name).forced = true;
  for (const name of input.policy.optional) {
    const v = vars.get(name);
    if (v) v.forced = false;
  }
  for (const v of vars.values()) v.required = requiredOf(v.reads, v.forced, v.imageDefault);
  for (const [name, spec] of input.schema ?? new Map<string, SchemaVar>()) {
    const v = vars.get(name);
    if (!v) continue;
    v.description = spec.description;
    v.secret = spec.secret;
  }
  for (const t of input.targets) {
    for (const [name, provisions] of t.provisions) {
      const v = owners.get(name) ?? get(name);
      v.provided.set(t.id, [...(v.provided.get(t.id) ?? []), ...provisions]);
      if (provisions.some((p: Provision) => p.kind === "secret")) v.secret = true;
    }
  }
  return [...vars.values()]
    .filter((v) => !ignored(v.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The variables as a target paired with `services` sees them: only those services' reads, and —
 * when the code holds several services — a documented variable only when one of them reads it or
 * the documentation sits in one of their folders. `null`: the whole code.
 */
export function scopedView(
  vars: VariableInfo[],
  services: CodeService[] | null,
  allServices: number,
): VariableInfo[] {
  if (!services) return vars;
  const inScope = (l: Location | undefined) =>
    l?.file !== undefined && services.some((s) => within(l.file as string, s.path));
  return vars.map((v) => {
    const reads = v.reads.filter((r) => inScope(r.location));
    const docs =
      allServices > 1
        ? v.docs.filter((d) => reads.length > 0 || inScope(d.entry.location))
        : v.docs;
    const imageDefault = inScope(v.imageDefault) ? v.imageDefault : undefined;
    const view: VariableInfo = {
      ...v,
      reads,
      docs,
      required: requiredOf(reads, v.forced, imageDefault),
    };
    if (imageDefault) view.imageDefault = imageDefault;
    else delete view.imageDefault;
    return view;
  });
}
