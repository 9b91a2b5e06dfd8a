/**
 * A remote module (git::, a registry address, s3::…) that `terraform init` has not fetched: its
 * code is not here, but its call is. What the call passes literally — `container_environment`,
 * `task_secrets`, `map_environment`, `container_definitions` and the like — is read as one target,
 * with a `not-read` warning saying the module may set more and that `terraform init` would let
 * modelgate read it. A call with nothing of the sort to an ECS-looking module is a warning alone.
 */
import type { Target, Unresolved } from "../model.js";
import { readContainers } from "../sources/containers.js";
import type { Block } from "./files.js";
import { lineOf } from "./files.js";
import type { ModuleInstance } from "./module.js";
import type { ModuleLocation } from "./sources.js";
import { locateText, readable } from "./target.js";
import type { Value, ValueObject } from "./value.js";
import { Unknown, fromJson, isValueObject, toStr } from "./value.js";

const ENV =
  /(?:^|_)(?:environment|env|envs|env_vars|environment_variables|environment_vars|env_variables)$/;
const SECRETS =
  /(?:^|_)(?:secrets|secret_vars|secret_variables|secret_environment|secret_environment_variables)$/;
const ENV_FILES = /(?:^|_)(?:environment_files|env_files)$/;
const DEFINITIONS =
  /^(?:container_definitions?|container_definitions?_json|task_definition_json|container_definition_json)$/;
const ECS_LIKE = /ecs|fargate|task|container|service/i;
/** Arguments of a module that runs containers (not of one that stores secrets or parameters). */
const WORKLOAD = /container|task|image|cpu|mem|port|desired_count|cluster|docker|service_name/i;

/** Entries of an environment or secrets argument: a list of {name, …}, or a map of name → value. */
function entries(v: Value, valueKey: "value" | "valueFrom"): Value | undefined {
  if (Array.isArray(v)) return v;
  if (isValueObject(v))
    return Object.keys(v)
      .sort()
      .map((name) => ({ name, [valueKey]: v[name] as Value }));
  if (v instanceof Unknown) {
    if (v.partial) {
      const known = entries(v.partial, valueKey) as Value[];
      return [...known, new Unknown(v.text, v.reason, { spread: true })];
    }
    return v;
  }
  return undefined;
}

interface Found {
  container: ValueObject;
  definitions?: Value;
  used: string[];
}

function collect(args: ValueObject, fallbackName: string): Found {
  const environment: Value[] = [];
  const secrets: Value[] = [];
  const environmentFiles: Value[] = [];
  const used: string[] = [];
  let definitions: Value | undefined;
  for (const key of Object.keys(args).sort()) {
    const v = args[key] as Value;
    if (DEFINITIONS.test(key) && v !== null) {
      definitions = v;
      used.push(key);
      continue;
    }
    // `environment = "prod"` names the deployment, not its variables.
    if (typeof v === "string" || v === null || typeof v === "number" || typeof v === "boolean")
      continue;
    if (key === "environment" && v instanceof Unknown && !v.partial) continue;
    const into = ENV_FILES.test(key)
      ? environmentFiles
      : SECRETS.test(key)
        ? secrets
        : ENV.test(key)
          ? environment
          : undefined;
    if (!into) continue;
    const list = ENV_FILES.test(key)
      ? Array.isArray(v)
        ? v.map((f) => (typeof f === "string" ? { value: f, type: "s3" } : f))
        : v
      : entries(v, into === secrets ? "valueFrom" : "value");
    if (list === undefined) continue;
    used.push(key);
    if (Array.isArray(list)) into.push(...list);
    else
      into.push(
        new Unknown(`${key} = ${(list as Unknown).text}`, (list as Unknown).reason, {
          spread: true,
        }),
      );
  }
  const name = toStr(args.container_name ?? args.name ?? args.service_name ?? null) ?? fallbackName;
  return {
    container: {
      name,
      image: args.container_image ?? args.image ?? null,
      environment,
      secrets,
      environmentFiles,
    },
    definitions,
    used,
  };
}

/** Container definitions as a module argument: JSON text, a list, or a map of name → container. */
function asDefinitions(v: Value): Value {
  if (typeof v === "string") {
    try {
      return fromJson(JSON.parse(v));
    } catch {
      return new Unknown(v.slice(0, 60), "it is not valid JSON");
    }
  }
  if (isValueObject(v))
    return Object.keys(v).map((name) => {
      const c = v[name] as Value;
      return isValueObject(c) ? { name, ...c } : c;
    });
  return v;
}

/** The target a not-fetched module call makes from its arguments, or a warning alone. */
export function remoteModuleTarget(
  mod: ModuleInstance,
  call: Block,
  found: ModuleLocation,
  args: ValueObject,
  suffix: string,
  container: string | undefined,
  hint = "run `terraform init` in the root module to let modelgate read it",
  naming?: { address: string; what: string },
): { target?: Target; unresolved?: Unresolved } {
  const address = naming?.address ?? `${mod.address}module.${call.name}${suffix}`;
  const { container: c, definitions, used } = collect(args, call.name);
  const location = { file: call.file.shown, line: call.line };
  const warning: Unresolved = {
    what: naming?.what ?? `module "${call.name}" (${found.source})`,
    reason: `${found.why}${used.length > 0 ? `; only what its call passes (${used.join(", ")}) is read, and the module may set more` : ""}: ${hint}`,
    location,
    mayProvide: true,
    unread: true,
  };
  const workload = Object.keys(args).some((k) => WORKLOAD.test(k));
  if (!workload) return {};
  if (used.length === 0) return ECS_LIKE.test(found.source) ? { unresolved: warning } : {};
  const notes = new Set<string>();
  const list = definitions !== undefined ? readable(asDefinitions(definitions), notes) : [c];
  const read = readContainers({
    definitions: list,
    origin: location,
    where: (name) => lineOf(call, mod.files, name),
    container,
    unknown: (v) => (v instanceof Unknown ? { text: v.text, reason: v.reason } : undefined),
    locate: (text) => locateText(call, mod.files, text, call.line),
  });
  if (!read.selected) return {};
  const family = toStr(args.family ?? args.task_family ?? null);
  const target: Target = {
    id: `terraform:${address}`,
    kind: "terraform",
    label: address,
    role: "declared",
    location,
    family: family
      ? { kind: "known", name: family }
      : { kind: "unknown", text: `the family module "${call.name}" gives its task definition` },
    containers: read.containers,
    provisions: read.provisions,
    unresolved: [warning, ...read.unresolved],
    notes: [...read.notes, ...notes],
    identity: { names: [...(family ? [family] : []), ...read.containers], images: [], builds: [] },
  };
  return { target };
}
