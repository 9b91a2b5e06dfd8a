/**
 * One Kubernetes workload as a target: the variables its containers get from `env` (a value, a
 * Secret or ConfigMap key, a field) and from `envFrom` (every key of a ConfigMap or Secret found
 * in the manifests, with its prefix). An `envFrom` of an object not found is unresolved.
 */
import type { Location, Provision, ProvisionKind, Target } from "../model.js";
import type { ContainerSelector } from "../targets.js";
import { isObject } from "../text.js";

export interface Found {
  kind: string;
  name: string;
  doc: Record<string, unknown>;
  where: (word: string) => Location;
  origin: Location;
}

function podSpec(kind: string, doc: Record<string, unknown>): Record<string, unknown> | undefined {
  const spec = isObject(doc.spec) ? doc.spec : undefined;
  if (!spec) return undefined;
  if (kind === "Pod") return spec;
  const template =
    kind === "CronJob" && isObject(spec.jobTemplate) && isObject(spec.jobTemplate.spec)
      ? spec.jobTemplate.spec.template
      : spec.template;
  return isObject(template) && isObject(template.spec) ? template.spec : undefined;
}

/**
 * The containers a selector picks: `W/C` container C of workload W; `NAME` the containers named
 * NAME, or — when none is — every container of the workload named NAME.
 */
function selected(
  w: Found,
  all: Record<string, unknown>[],
  selector: ContainerSelector | undefined,
): Record<string, unknown>[] {
  if (!selector) return all;
  if (selector.workload !== undefined && selector.workload !== w.name) return [];
  const byName = all.filter((c) => c.name === selector.container);
  return byName.length > 0 || selector.workload !== undefined || w.name !== selector.container
    ? byName
    : all;
}

export function workload(
  w: Found,
  configMaps: Map<string, string[]>,
  secrets: Map<string, string[]>,
  selector: ContainerSelector | undefined,
): Target | undefined {
  const spec = podSpec(w.kind, w.doc);
  const all = (Array.isArray(spec?.containers) ? spec.containers : []).filter(isObject);
  const containers = selected(w, all, selector);
  if (containers.length === 0) return undefined;
  const target: Target = {
    id: `k8s:${w.kind}/${w.name}`,
    kind: "k8s",
    label: `${w.kind}/${w.name}`,
    role: "manifest",
    location: w.origin,
    containers: [],
    provisions: new Map(),
    unresolved: [],
    notes: [],
    identity: {
      names: [w.name, ...containers.map((c) => String(c.name))],
      images: containers.map((c) => (typeof c.image === "string" ? c.image : "")).filter(Boolean),
      builds: [],
    },
  };
  if (containers.length > 1)
    target.notes.push(
      `containers ${containers.map((c) => String(c.name)).join(", ")} compared together; pick one with --container ${w.name}/CONTAINER`,
    );
  const add = (name: string, kind: ProvisionKind, c: string, reference?: string) => {
    const p: Provision = { kind, location: w.where(name), container: c };
    if (reference) p.reference = reference;
    target.provisions.set(name, [...(target.provisions.get(name) ?? []), p]);
  };
  for (const c of containers) {
    const cname = String(c.name);
    target.containers.push(cname);
    for (const e of (Array.isArray(c.env) ? c.env : []).filter(isObject)) {
      if (typeof e.name !== "string") continue;
      const from = isObject(e.valueFrom) ? e.valueFrom : undefined;
      if (!from) add(e.name, "value", cname);
      else if (isObject(from.secretKeyRef))
        add(
          e.name,
          "secret",
          cname,
          `secret/${String(from.secretKeyRef.name)} key ${String(from.secretKeyRef.key)}`,
        );
      else if (isObject(from.configMapKeyRef))
        add(
          e.name,
          "configmap",
          cname,
          `configmap/${String(from.configMapKeyRef.name)} key ${String(from.configMapKeyRef.key)}`,
        );
      else add(e.name, "field", cname);
    }
    for (const e of (Array.isArray(c.envFrom) ? c.envFrom : []).filter(isObject)) {
      const prefix = typeof e.prefix === "string" ? e.prefix : "";
      const ref = isObject(e.secretRef)
        ? e.secretRef
        : isObject(e.configMapRef)
          ? e.configMapRef
          : undefined;
      const isSecret = isObject(e.secretRef);
      const refName = String(ref?.name ?? "?");
      const keys = (isSecret ? secrets : configMaps).get(refName);
      if (!keys) {
        target.unresolved.push({
          what: `envFrom ${isSecret ? "secretRef" : "configMapRef"} ${refName} of container ${cname}`,
          reason: `no ${isSecret ? "Secret" : "ConfigMap"} named ${refName} is in the manifests folder`,
          location: w.where(refName),
          mayProvide: true,
        });
        continue;
      }
      for (const key of keys)
        add(
          prefix + key,
          isSecret ? "secret" : "configmap",
          cname,
          `${isSecret ? "secret" : "configmap"}/${refName}`,
        );
    }
  }
  return target;
}
