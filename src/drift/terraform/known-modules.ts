/**
 * Registry modules so common around ECS that their inputs are read directly instead of their
 * code: the container-definition modules (cloudposse/ecs-container-definition and
 * terraform-aws-modules/ecs//modules/container-definition), whose outputs feed
 * `container_definitions`, and the terraform-aws-modules/ecs service module (and its root module's
 * `services` map), which creates the task definition itself.
 */
import type { Value, ValueObject } from "./value.js";
import { Unknown, isKnown, isValueObject } from "./value.js";

const CONTAINER_DEFINITION =
  /cloudposse\/ecs-container-definition|terraform-aws-modules\/ecs\/aws\/\/modules\/container-definition/;
const SERVICE = /terraform-aws-modules\/ecs\/aws\/\/modules\/service/;
const ECS_ROOT = /^(?:registry\.terraform\.io\/)?terraform-aws-modules\/ecs\/aws$/;

/** A module that creates ECS task definitions from its arguments. */
export function isTaskDefinitionModule(source: Value): boolean {
  return typeof source === "string" && (SERVICE.test(source) || ECS_ROOT.test(source));
}

export function isContainerDefinitionModule(source: Value): boolean {
  return typeof source === "string" && CONTAINER_DEFINITION.test(source);
}

function list(v: Value | undefined): Value[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v]; // an Unknown stays one (unresolved) entry
}

function pairs(v: Value | undefined, valueKey: "value" | "valueFrom"): Value[] {
  if (v === undefined || v === null) return [];
  if (!isValueObject(v)) return [v];
  return Object.keys(v)
    .sort()
    .map((name) => ({ name, [valueKey]: v[name] as Value }));
}

/** The container a container-definition module describes, from its arguments. */
function container(args: ValueObject, fallbackName?: string): ValueObject {
  return {
    name: args.container_name ?? args.name ?? fallbackName ?? null,
    image: args.container_image ?? args.image ?? null,
    environment: [...list(args.environment), ...pairs(args.map_environment, "value")],
    secrets: [...list(args.secrets), ...pairs(args.map_secrets, "valueFrom")],
    environmentFiles: list(args.environment_files ?? args.environmentFiles),
  };
}

function encoded(v: Value, text: string): Value {
  return isKnown(v)
    ? JSON.stringify(v)
    : new Unknown(text, "part of it cannot be resolved", { structured: v });
}

/** The outputs of a container-definition module call (`module.NAME.json_map_encoded_list`, …). */
export function containerModuleOutputs(args: ValueObject, text: string): ValueObject {
  const c = container(args);
  return {
    json_map_object: c,
    json_map_encoded: encoded(c, text),
    json_map_encoded_list: encoded([c], text),
    container_definition: c,
  };
}

export interface ModuleTaskDefinition {
  /** Address suffix inside the module call ("" or `.services["api"]`). */
  suffix: string;
  family: Value;
  definitions: Value;
}

function serviceDefinitions(args: ValueObject, defaultName: Value): ModuleTaskDefinition {
  const defs = args.container_definitions;
  const definitions: Value = isValueObject(defs)
    ? Object.keys(defs).map((key) => {
        const d = defs[key] as Value;
        return isValueObject(d) ? container(d, key) : d;
      })
    : (defs ?? null);
  return { suffix: "", family: args.family ?? args.name ?? defaultName, definitions };
}

/** Task definitions a terraform-aws-modules/ecs module call creates, or undefined for others. */
export function moduleTaskDefinitions(
  source: Value,
  args: ValueObject,
): ModuleTaskDefinition[] | undefined {
  if (typeof source !== "string") return undefined;
  if (SERVICE.test(source)) return [serviceDefinitions(args, null)];
  if (!ECS_ROOT.test(source) || !isValueObject(args.services)) return undefined;
  const services = args.services;
  return Object.keys(services)
    .sort()
    .filter((name) => isValueObject(services[name]))
    .map((name) => ({
      ...serviceDefinitions(services[name] as ValueObject, name),
      suffix: `.services[${JSON.stringify(name)}]`,
    }));
}
