/**
 * Configuration libraries that read the environment for the code: envalid
 * (`cleanEnv(process.env, spec)`), zod and TypeBox schemas parsed from `process.env`, t3-env
 * (`createEnv({ server, client, shared })`), NestJS `ConfigService` (`get("X")`,
 * `getOrThrow("X")`), Prisma's `env("X")` from "prisma/config", and class-validator classes
 * (./class-validator.ts).
 */
import type { Need } from "../../../model.js";
import { isVarName } from "../scanner.js";
import type { Node } from "../syntax.js";
import { scanValidateFunctions, validatedWithClass } from "./class-validator.js";
import type { JsFile, SchemaField } from "./model.js";
import { needOf } from "./need.js";
import { report } from "./reads.js";
import type { Kind, Resolve, SchemaReader } from "./schemas.js";
import { schemaFields, shapeFields } from "./schemas.js";
import {
  callArgs,
  calleeText,
  field,
  identifiersNamed,
  isUpperName,
  literal,
  outer,
  pairs,
  same,
} from "./tree.js";

const PARSE = /^(?:safeParse|parse)(?:Async)?$/;
const TYPEBOX_PARSE = /(?:^|\.)Value\.(?:Parse|Decode|Check|Assert|Default|Cast|Clean|Convert)$/;

/** The environment object passed to a call: a library that reads it, or nothing we know. */
export function libraryCall(env: Node, call: Node, via: string, f: JsFile): void {
  const args = callArgs(call).map(outer);
  const callee = calleeText(call);
  const last = callee.replace(/^.*\./, "");
  let kind: Kind | undefined;
  let schema: Node | null | undefined;
  let how = "";
  if (last === "cleanEnv" && same(args[0], env)) {
    [kind, schema, how] = ["envalid", args[1], "envalid cleanEnv"];
  } else if (PARSE.test(last) && same(args[0], env)) {
    const fn = field(call, "function");
    [kind, schema, how] = ["zod", fn && field(fn, "object"), `zod schema parsed from ${via}`];
  } else if (TYPEBOX_PARSE.test(callee) && same(args.at(-1), env) && args.length > 1) {
    [kind, schema, how] = ["typebox", args[0], `TypeBox schema parsed from ${via}`];
  }
  if (!kind || !schema) {
    validatedWithClass(env, call, f);
    return;
  }
  const fields = schemaFields(kind, schema, reader(f));
  if (!fields) {
    // A schema we cannot see (another package, a computed one): it may read anything.
    f.collector.dynamicRead(call, `${callee}(${via})`);
    return;
  }
  emit(fields, how, f);
}

/** Library entry points found by their own names. */
export function scanLibraries(f: JsFile): void {
  if (f.text.includes("createEnv")) t3Env(f);
  if (f.text.includes("ConfigService")) nestConfig(f);
  if (f.text.includes("prisma/config")) prismaConfig(f);
  if (f.text.includes("validateSync") && f.text.includes("plainTo")) scanValidateFunctions(f);
}

function t3Env(f: JsFile): void {
  for (const id of identifiersNamed(f.root, f.text, "createEnv")) {
    const call = id.parent;
    if (call?.type !== "call_expression" || !same(field(call, "function"), id)) continue;
    const options = callArgs(call)[0];
    if (options?.type !== "object") continue;
    for (const [key, value] of pairs(options)) {
      if (key === "server" || key === "client" || key === "shared")
        emit(shapeFields("zod", value, reader(f)), "t3-env createEnv", f);
    }
  }
}

/** `configService.get("X")`: only UPPER_CASE keys; `get("security")` is a config namespace. */
function nestConfig(f: JsFile): void {
  for (const method of ["get", "getOrThrow"]) {
    for (const id of identifiersNamed(f.root, f.text, method)) {
      const member = id.parent;
      const call = member && outer(member).parent;
      if (member?.type !== "member_expression" || call?.type !== "call_expression") continue;
      if (!same(field(call, "function"), outer(member))) continue;
      const object = field(member, "object")?.text.replace(/^.*[.\s]/, "") ?? "";
      const args = callArgs(call);
      const name = literal(args[0]);
      if (!/config/i.test(object) || !name || !isUpperName(name)) continue;
      const fallback = args[1] && !isInferOption(args[1]);
      const need: Need = fallback
        ? "optional"
        : method === "getOrThrow"
          ? "required"
          : needOf(call, f);
      report(f, name, call, `ConfigService.${method}`, need);
    }
  }
}

/** `get("X", { infer: true })` passes options, not a default. */
function isInferOption(node: Node): boolean {
  return node.type === "object" && pairs(node).some(([k]) => k === "infer");
}

/** `import { env } from "prisma/config"`: `env("X")` throws when X is not set. */
function prismaConfig(f: JsFile): void {
  for (const spec of identifiersNamed(f.root, f.text, "env")) {
    const imported = spec.parent;
    const source = imported?.parent?.parent?.parent;
    if (imported?.type !== "import_specifier" || !same(field(imported, "name"), spec)) continue;
    if (source?.type !== "import_statement" || literal(field(source, "source")) !== "prisma/config")
      continue;
    const local = field(imported, "alias")?.text ?? "env";
    for (const id of identifiersNamed(f.root, f.text, local)) {
      const call = id.parent;
      if (call?.type !== "call_expression" || !same(field(call, "function"), id)) continue;
      const name = literal(callArgs(call)[0]);
      if (name && isVarName(name)) report(f, name, call, "Prisma env()", "required");
    }
  }
}

function reader(f: JsFile): SchemaReader {
  const resolve: Resolve = (name) => declaredValue(f, name) ?? elsewhere(f, name);
  return { resolve, at: (node) => f.collector.at(node) };
}

/** `const name = <value>` in this file. */
function declaredValue(f: Pick<JsFile, "root" | "text">, name: string): Node | undefined {
  for (const id of identifiersNamed(f.root, f.text, name)) {
    const decl = id.parent;
    if (decl?.type === "variable_declarator" && same(field(decl, "name"), id))
      return field(decl, "value") ?? undefined;
  }
  return undefined;
}

/** A schema declared in one other module under this name (two such modules: not guessed). */
function elsewhere(f: JsFile, name: string): SchemaField[] | undefined {
  const found = f.defs.schemas.get(name)?.filter((s) => s.file !== f.file.shown) ?? [];
  return found.length === 1 ? found[0]?.fields : undefined;
}

function emit(fields: SchemaField[], via: string, f: JsFile): void {
  for (const { name, need, location } of fields) {
    if (isVarName(name)) f.collector.result.reads.push({ name, read: { location, need, via } });
  }
}

/** Pass 1: module-level zod and TypeBox schemas, for a module that parses one it imports. */
export function defineSchemas(f: Omit<JsFile, "collector" | "reported">): void {
  const local: SchemaReader = {
    resolve: (name) => declaredValue(f, name),
    at: (node) => ({ file: f.file.shown, line: node.startPosition.row + 1 }),
  };
  for (const word of ["object", "Object"]) {
    for (const id of identifiersNamed(f.root, f.text, word)) {
      const member = id.parent;
      let call = member?.parent;
      if (member?.type !== "member_expression" || call?.type !== "call_expression") continue;
      const kind: Kind = word === "Object" ? "typebox" : "zod";
      // Up the method chain: `z.object({...}).extend({...}).strict()`.
      for (let up = outer(call).parent; up?.type === "member_expression";) {
        const next = up.parent;
        if (next?.type !== "call_expression" || !same(field(next, "function"), up)) break;
        call = next;
        up = outer(call).parent;
      }
      const decl = outer(call).parent;
      if (decl?.type !== "variable_declarator" || !same(field(decl, "value"), outer(call)))
        continue;
      const name = field(decl, "name");
      if (name?.type !== "identifier") continue;
      const fields = schemaFields(kind, call, local);
      if (!fields || fields.length === 0) continue;
      const list = f.defs.schemas.get(name.text) ?? [];
      list.push({ file: f.file.shown, fields });
      f.defs.schemas.set(name.text, list);
    }
  }
}
