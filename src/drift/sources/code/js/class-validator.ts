/**
 * class-validator classes that validate the environment, the way NestJS projects do it:
 *
 * - `validateConfig(process.env, EnvironmentVariables)`: the environment and a class of this file
 *   passed to one call;
 * - `plainToInstance(EnvironmentVariables, config)` + `validateSync(…)` in a `validate` function
 *   given to `ConfigModule.forRoot({ validate })` (the NestJS documentation's pattern). Only
 *   UPPER_CASE fields count there, so request DTOs validated the same way are not taken for it.
 *
 * A decorated field is required (validation fails without it) unless it has `@IsOptional()`;
 * `@ValidateIf(…)` makes it depend on other values: unknown.
 */
import type { Need } from "../../../model.js";
import { isVarName } from "../scanner.js";
import type { Node } from "../syntax.js";
import type { JsFile } from "./model.js";
import { callArgs, calleeText, field, identifiersNamed, isUpperName, outer, same } from "./tree.js";

/** Decorators that transform or expose a value but check nothing. */
const NOT_CHECKS = new Set(["Type", "Transform", "Expose", "Exclude"]);

/** The environment object passed to a call beside a validator class: true if one was found. */
export function validatedWithClass(env: Node, call: Node, f: JsFile): boolean {
  let found = false;
  for (const arg of callArgs(call).map(outer)) {
    if (same(arg, env) || arg.type !== "identifier") continue;
    const body = classBody(arg.text, f);
    if (body)
      found = emitFields(body, false, "class-validator class validated from process.env", f);
  }
  return found;
}

/** `plainToInstance(Env, config)` in a file that calls `validateSync`. */
export function scanValidateFunctions(f: JsFile): void {
  for (const fn of ["plainToInstance", "plainToClass"]) {
    for (const id of identifiersNamed(f.root, f.text, fn)) {
      const call = id.parent;
      if (call?.type !== "call_expression" || calleeText(call) !== fn) continue;
      const cls = callArgs(call)[0];
      const body = cls?.type === "identifier" ? classBody(cls.text, f) : undefined;
      if (body) emitFields(body, true, "class-validator class (ConfigModule validate)", f);
    }
  }
}

/** The body of `class <name>` declared in this file. */
function classBody(name: string, f: JsFile): Node | undefined {
  for (const id of identifiersNamed(f.root, f.text, name)) {
    const decl = id.parent;
    if (decl?.type !== "class_declaration" && decl?.type !== "class") continue;
    if (!same(field(decl, "name"), id)) continue;
    return field(decl, "body") ?? undefined;
  }
  return undefined;
}

function emitFields(body: Node, upperOnly: boolean, via: string, f: JsFile): boolean {
  let any = false;
  for (const member of body.namedChildren) {
    if (member?.type !== "public_field_definition" && member?.type !== "field_definition") continue;
    const name = (field(member, "name") ?? field(member, "property"))?.text ?? "";
    const decorators = member.namedChildren
      .filter((c): c is Node => c?.type === "decorator")
      .map((d) => d.text.replace(/^@\s*/, "").replace(/[\s(].*$/s, ""))
      .filter((d) => !NOT_CHECKS.has(d));
    if (decorators.length === 0 || !isVarName(name) || (upperOnly && !isUpperName(name))) continue;
    const need: Need = decorators.includes("IsOptional")
      ? "optional"
      : decorators.includes("ValidateIf")
        ? "unknown"
        : "required";
    any = true;
    if (f.reported.has(member.id)) continue;
    f.reported.add(member.id);
    f.collector.read(name, member, need, via);
  }
  return any;
}
