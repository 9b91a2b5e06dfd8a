/**
 * ECS container definitions → what a target provides. Shared by every ECS-shaped source: a task
 * definition file, a live task definition, `terraform show -json` and evaluated Terraform. Only
 * names and secret references are kept; an `environment` value is dropped on sight.
 */
import type { Location, Provision, Unresolved } from "../model.js";
import { isObject } from "../text.js";

/** Recognises a value Terraform could not evaluate, returning its source text. */
export type UnknownProbe = (value: unknown) => { text: string; reason: string } | undefined;

export interface ContainerInput {
  definitions: unknown;
  /** Where a variable name appears (file and line), for the report. */
  where: (name: string) => Location;
  origin: Location;
  container?: string;
  unknown?: UnknownProbe;
  /** Where an unresolved expression is written, from its text (Terraform); default: origin. */
  locate?: (text: string) => Location;
}

export interface ContainerResult {
  containers: string[];
  provisions: Map<string, Provision[]>;
  unresolved: Unresolved[];
  notes: string[];
  /** False when --container names a container this target does not have. */
  selected: boolean;
}

/** Images of agents that run beside the service and read their own variables. */
const SIDECAR =
  /datadog|aws-for-fluent-bit|fluent-?bit|fluentd|envoy|aws-otel|otel-collector|opentelemetry-collector|xray|cloudwatch-agent|appmesh|newrelic-infra/i;

const none: UnknownProbe = () => undefined;

function place(input: ContainerInput, text: string | undefined): Location {
  return text !== undefined && input.locate ? input.locate(text) : input.origin;
}

export function readContainers(input: ContainerInput): ContainerResult {
  const probe = input.unknown ?? none;
  const result: ContainerResult = {
    containers: [],
    provisions: new Map(),
    unresolved: [],
    notes: [],
    selected: true,
  };
  const unknownList = probe(input.definitions);
  if (unknownList || !Array.isArray(input.definitions)) {
    result.unresolved.push({
      what: `container definitions ${unknownList?.text ?? ""}`.trim(),
      reason: unknownList?.reason ?? "they are not a list of containers",
      location: place(input, unknownList?.text),
      mayProvide: true,
    });
    return result;
  }
  let list = input.definitions.filter(isObject);
  const nameOf = (c: Record<string, unknown>) =>
    typeof c.name === "string" ? c.name : (probe(c.name)?.text ?? "?");
  if (input.container !== undefined) {
    list = list.filter((c) => nameOf(c) === input.container);
    if (list.length === 0) {
      result.selected = false;
      return result;
    }
  } else if (list.length > 1) {
    const app = list.filter((c) => !(typeof c.image === "string" && SIDECAR.test(c.image)));
    const dropped = list.filter((c) => !app.includes(c)).map(nameOf);
    if (app.length > 0 && dropped.length > 0) {
      result.notes.push(`sidecar containers not compared: ${dropped.join(", ")}`);
      list = app;
    }
    if (list.length > 1) {
      result.notes.push(
        `containers ${list.map(nameOf).join(", ")} compared together; pick one with --container`,
      );
    }
  }
  for (const c of list) readOne(c, nameOf(c), input, probe, result);
  return result;
}

function readOne(
  c: Record<string, unknown>,
  container: string,
  input: ContainerInput,
  probe: UnknownProbe,
  result: ContainerResult,
): void {
  result.containers.push(container);
  const add = (name: string, p: Omit<Provision, "location" | "container">) => {
    const entry: Provision = { ...p, location: input.where(name), container };
    const list = result.provisions.get(name);
    if (list) list.push(entry);
    else result.provisions.set(name, [entry]);
  };
  const items = (key: string): Record<string, unknown>[] => {
    const value = c[key];
    if (value === undefined || value === null) return [];
    const unknown = probe(value);
    if (unknown || !Array.isArray(value)) {
      result.unresolved.push({
        what: `${key} of container ${container}${unknown ? ` (${unknown.text})` : ""}`,
        reason: unknown?.reason ?? "it is not a list",
        location: place(input, unknown?.text),
        mayProvide: true,
      });
      return [];
    }
    const objects: Record<string, unknown>[] = [];
    for (const item of value) {
      const u = probe(item);
      if (u || !isObject(item)) {
        result.unresolved.push({
          what: `${key} entry ${u?.text ?? "?"}`,
          reason: u?.reason ?? "it is not an object",
          location: place(input, u?.text),
          mayProvide: true,
        });
      } else objects.push(item);
    }
    return objects;
  };
  const named = (key: string, item: Record<string, unknown>): string | undefined => {
    if (typeof item.name === "string" && item.name !== "") return item.name;
    const u = probe(item.name);
    result.unresolved.push({
      what: `${key} name ${u?.text ?? "(missing)"} in container ${container}`,
      reason: u?.reason ?? "the entry has no name",
      location: place(input, u?.text),
      mayProvide: true,
    });
    return undefined;
  };
  for (const item of items("environment")) {
    const name = named("environment", item);
    if (name) add(name, { kind: "value" });
  }
  for (const item of items("secrets")) {
    const name = named("secrets", item);
    if (!name) continue;
    const from = item.valueFrom;
    const reference = typeof from === "string" ? from : (probe(from)?.text ?? "(no valueFrom)");
    add(name, { kind: "secret", reference });
  }
  for (const item of items("environmentFiles")) {
    const where = typeof item.value === "string" ? item.value : (probe(item.value)?.text ?? "?");
    result.unresolved.push({
      what: `environment file ${where} of container ${container}`,
      reason: "the variables it sets live in S3 and are not read by this check",
      location: place(input, where),
      mayProvide: true,
    });
  }
}

/** Human description of a secret reference: Secrets Manager (with JSON key) or SSM. */
export function describeReference(reference: string): string {
  const sm = /^arn:aws[\w-]*:secretsmanager:[^:]*:[^:]*:secret:([^:]+)(?::([^:]*))?/.exec(
    reference,
  );
  if (sm) return `Secrets Manager ${sm[1]}${sm[2] ? ` (JSON key ${sm[2]})` : ""}`;
  const ssm = /^arn:aws[\w-]*:ssm:[^:]*:[^:]*:parameter(\/.*)$/.exec(reference);
  if (ssm) return `SSM parameter ${ssm[1]}`;
  const key = /^(.*secretsmanager.*?):([^:]+)::$/.exec(reference);
  if (key) return `Secrets Manager ${key[1]} (JSON key ${key[2]})`;
  if (/secretsmanager/.test(reference)) return `Secrets Manager ${reference}`;
  if (/^aws_ssm_parameter\./.test(reference)) return `SSM parameter ${reference}`;
  if (reference.startsWith("/")) return `SSM parameter ${reference}`;
  return reference;
}
