/**
 * A module's input variables as Terraform sets them: the root's from TF_VAR_* (lowest), then
 * terraform.tfvars(.json), *.auto.tfvars(.json) and --tf-var-file; a child's from the module call.
 * Each value is converted to the variable's declared `type` (./types.ts): `TF_VAR_flag=false`
 * for a bool is false; a TF_VAR_ of a complex type is parsed as HCL, of a primitive type (or no
 * type) taken as it is written.
 */
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { LineIndex, displayPath, isObject, parseJson, readText } from "../text.js";
import type { Node } from "./ast.js";
import { HclSyntaxError, textOf } from "./ast.js";
import type { EvalContext } from "./eval.js";
import { Evaluator } from "./eval.js";
import type { TfFile } from "./files.js";
import { parseHcl } from "./hcl.js";
import { parseExpression } from "./parser.js";
import { parseTemplate } from "./template.js";
import type { TfType } from "./types.js";
import { TypeMismatch, convert, isPrimitive, parseType } from "./types.js";
import type { Value } from "./value.js";
import { Unknown, fromJson } from "./value.js";

export interface RootInputs {
  /** From tfvars files and --tf-var-file, later files winning. */
  values: Map<string, Value>;
  /** TF_VAR_* text, parsed once the variable's type is known. */
  env: Map<string, string>;
}

/** Root variable values: TF_VAR_*, terraform.tfvars(.json), *.auto.tfvars(.json), --tf-var-file. */
export async function rootInputs(
  dir: string,
  cwd: string,
  varFiles: string[],
  envVars: Record<string, string | undefined>,
  extraFiles: TfFile[],
): Promise<RootInputs> {
  const env = new Map<string, string>();
  for (const [k, v] of Object.entries(envVars))
    if (k.startsWith("TF_VAR_") && v !== undefined) env.set(k.slice(7), v);
  const values = new Map<string, Value>();
  const auto = readdirSync(dir)
    .filter((n) => /\.auto\.tfvars(\.json)?$/.test(n))
    .sort();
  const files = [
    ...["terraform.tfvars", "terraform.tfvars.json"]
      .filter((n) => existsSync(join(dir, n)))
      .map((n) => join(dir, n)),
    ...auto.map((n) => join(dir, n)),
    ...varFiles.map((f) => resolve(cwd, f)),
  ];
  for (const abs of files) {
    const shown = displayPath(cwd, abs);
    const text = readText(abs, shown);
    const parsed = abs.endsWith(".json") ? parseJson(text, shown) : await parseHcl(text, shown);
    extraFiles.push({ abs, shown, text, index: new LineIndex(text), json: {} });
    if (isObject(parsed)) for (const [k, v] of Object.entries(parsed)) values.set(k, fromJson(v));
  }
  return { values, env };
}

const NO_CONTEXT: EvalContext = {
  variable: (name, at) => Unknown.error(textOf(at), `var.${name} cannot be used here`),
  local: (name, at) => Unknown.error(textOf(at), `local.${name} cannot be used here`),
  path: { module: "", root: "", cwd: "" },
  readFile: () => {
    throw new HclSyntaxError("functions that read files cannot be used here", 0);
  },
};

/** The declared type of a variable block, or undefined for none (or one modelgate cannot read). */
export function declaredType(decl: Record<string, unknown>): TfType | undefined {
  const raw = decl.type;
  if (typeof raw !== "string") return undefined;
  try {
    const tpl = parseTemplate(raw);
    const only = tpl.t === "tpl" && tpl.parts.length === 1 ? tpl.parts[0] : undefined;
    const node = typeof only === "object" && only.kind === "interp" ? only.expr : tpl;
    const lit = new Evaluator(NO_CONTEXT);
    return parseType(node, (n: Node) => lit.eval(n));
  } catch (err) {
    if (err instanceof HclSyntaxError || err instanceof TypeMismatch) return undefined;
    throw err;
  }
}

/** TF_VAR_ text as Terraform reads it for a variable of this type. */
export function parseEnvValue(text: string, type: TfType | undefined, name: string): Value {
  if (isPrimitive(type)) return text;
  try {
    return new Evaluator(NO_CONTEXT).eval(parseExpression(text));
  } catch (err) {
    if (!(err instanceof HclSyntaxError)) throw err;
    return Unknown.error(
      `TF_VAR_${name}`,
      `TF_VAR_${name} is not a valid HCL value for its type (${err.message})`,
    );
  }
}

/** A value converted to the variable's type; a value Terraform would refuse is an error Unknown. */
export function typed(v: Value, type: TfType | undefined, name: string): Value {
  if (!type) return v;
  try {
    return convert(v, type);
  } catch (err) {
    if (!(err instanceof TypeMismatch)) throw err;
    return Unknown.error(
      `var.${name}`,
      `the value of var.${name} does not fit its type: ${err.message}`,
    );
  }
}
