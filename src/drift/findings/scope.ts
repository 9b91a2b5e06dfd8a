/**
 * Which targets are compared with the code, and with which part of it. A repository's Terraform,
 * compose file or manifests often hold several services (the API, a database, a cache) while the
 * scanned code is one of them — or the code itself is several services, each in its own folder.
 *
 * 1. A target is paired with the code's services by what names it: a compose `build` folder, or
 *    a workload / service / container / image name equal to a service folder's name. Once any
 *    target is paired, a target that names itself but matches no service is another service (a
 *    database, a proxy) and is left out, and each paired target is compared with its own
 *    service's reads only.
 * 2. Otherwise (no pairing), as before: with deployed task definitions given, the Terraform task
 *    definitions of their families are the counterpart and the others are left out; when there
 *    are several targets, one that provides none of the variables the code reads or .env.example
 *    lists belongs to another service.
 * A target left out still gets plaintext-secret and unresolved findings.
 */
import type { Target } from "../model.js";
import type { CodeService, VariableInfo } from "./types.js";

export interface Decision {
  compared: boolean;
  /** The services whose reads it is compared with; null: all of the code. */
  services: CodeService[] | null;
  reason?: string;
}

function norm(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** `ghcr.io/org/podinfo:6.1@sha256:…` → `podinfo`. */
function imageName(image: string): string {
  const last = image.split("/").pop() ?? image;
  return last.replace(/[@:].*$/, "");
}

/** Whether `child` is `parent` or inside it (paths relative to the working directory). */
export function within(child: string, parent: string): boolean {
  if (child === parent) return true;
  if (parent === ".") return !child.startsWith("/") && !child.startsWith("../") && child !== "..";
  return child.startsWith(`${parent}/`);
}

function matchServices(t: Target, services: CodeService[]): CodeService[] {
  const id = t.identity;
  if (!id) return [];
  const out = new Set<CodeService>();
  for (const build of id.builds) {
    const exact = services.find((s) => s.path === build);
    const holding = services.filter((s) => within(build, s.path));
    const held = services.filter((s) => within(s.path, build));
    // A build folder inside a service, or one holding exactly one service, is that service.
    const pick = exact ? [exact] : holding.length > 0 ? holding : held.length === 1 ? held : [];
    pick.forEach((s) => out.add(s));
  }
  const names = new Set([...id.names, ...id.images.map(imageName)].map(norm).filter(Boolean));
  for (const s of services) if (s.names.some((n) => names.has(norm(n)))) out.add(s);
  return [...out];
}

function listed(services: CodeService[]): string {
  const shown = services.slice(0, 4).map((s) => s.path);
  return services.length > 4 ? `${shown.join(", ")}, … (${services.length})` : shown.join(", ");
}

export function decideComparisons(
  targets: Target[],
  pairs: Map<string, Target[]>,
  vars: VariableInfo[],
  services: CodeService[],
): Map<string, Decision> {
  const matched = new Map(targets.map((t) => [t.id, matchServices(t, services)]));
  // A Terraform task definition belongs to the service its deployed revision belongs to.
  for (const [deployed, declared] of pairs) {
    const own = matched.get(deployed) ?? [];
    for (const d of declared) {
      const theirs = matched.get(d.id) ?? [];
      if (theirs.length === 0 && own.length > 0) matched.set(d.id, own);
      else if (own.length === 0 && theirs.length > 0) matched.set(deployed, theirs);
    }
  }
  const out = new Map<string, Decision>();
  const paired = targets.some((t) => (matched.get(t.id) ?? []).length > 0);
  const rest: Target[] = [];
  for (const t of targets) {
    const mine = matched.get(t.id) ?? [];
    if (mine.length > 0) out.set(t.id, { compared: true, services: mine });
    else if (paired && t.identity)
      out.set(t.id, {
        compared: false,
        services: null,
        reason: `it matches none of the code's services (${listed(services)}) by name, image or build folder while other targets do: another service (a database, a cache, a proxy?); pick it with --container if it runs this code`,
      });
    else rest.push(t);
  }
  for (const [id, d] of byContent(rest, targets.length, pairs, vars)) out.set(id, d);
  return out;
}

/** The rule without pairing: what the targets provide decides. */
function byContent(
  targets: Target[],
  total: number,
  pairs: Map<string, Target[]>,
  vars: VariableInfo[],
): Map<string, Decision> {
  const out = new Map<string, Decision>();
  const known = vars.filter((v) => v.reads.length > 0 || v.docs.length > 0 || v.required);
  const names = new Set(known.flatMap((v) => [v.name, ...v.alternatives]));
  const deployed = targets.filter((t) => t.role === "deployed");
  const inPair = new Set([...pairs.values()].flat().map((t) => t.id));
  const overlaps = (t: Target) => [...t.provisions.keys()].some((n) => names.has(n));
  const several = total > 1 && names.size > 0;
  const yes: Decision = { compared: true, services: null };
  for (const t of targets) {
    if (t.role === "deployed" || !several) out.set(t.id, yes);
    else if (t.role === "declared" && deployed.length > 0)
      out.set(
        t.id,
        inPair.has(t.id)
          ? yes
          : {
              compared: false,
              services: null,
              reason: "no deployed task definition of its family was given",
            },
      );
    else if (overlaps(t) || (t.provisions.size === 0 && t.unresolved.length > 0))
      out.set(t.id, yes);
    else
      out.set(t.id, {
        compared: false,
        services: null,
        reason:
          "it provides none of the variables the code reads or .env.example lists (another service?); pick one with --container",
      });
  }
  return out;
}
