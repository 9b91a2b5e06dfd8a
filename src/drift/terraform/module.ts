/**
 * A Terraform module instance: its variables (defaults, then TF_VAR_*, terraform.tfvars,
 * *.auto.tfvars and --tf-var-file for the root; the call's arguments for a child), its locals
 * (evaluated lazily, cycles reported), and an Evaluator over them. Local child modules are
 * followed; a registry module is followed when `terraform init` left it in .terraform/modules.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { inputError } from "../errors.js";
import { LineIndex, displayPath, isObject, parseJson, readText } from "../text.js";
import type { Node } from "./ast.js";
import { HclSyntaxError, textOf } from "./ast.js";
import type { EvalContext } from "./eval.js";
import { Evaluator } from "./eval.js";
import type { TfFile } from "./files.js";
import { locals, moduleCalls, variables } from "./files.js";
import { containerModuleOutputs, isContainerDefinitionModule } from "./known-modules.js";
import { parseHcl } from "./hcl.js";
import { parseExpression } from "./parser.js";
import { parseTemplate } from "./template.js";
import type { Value, ValueObject } from "./value.js";
import { Unknown, fromJson } from "./value.js";

/** Evaluates a value as hcl2json returns it: strings are templates, the rest is literal. */
export function evalJson(raw: unknown, ev: Evaluator): Value {
  if (typeof raw === "string") {
    if (!raw.includes("${") && !raw.includes("%{")) return raw;
    try {
      return ev.eval(parseTemplate(raw));
    } catch (err) {
      if (!(err instanceof HclSyntaxError)) throw err;
      return new Unknown(
        raw.slice(0, 120),
        `modelgate cannot parse this expression (${err.message})`,
      );
    }
  }
  if (Array.isArray(raw)) return raw.map((r) => evalJson(r, ev));
  if (isObject(raw)) {
    const out: Record<string, Value> = {};
    for (const [k, v] of Object.entries(raw)) out[k] = evalJson(v, ev);
    return out;
  }
  return fromJson(raw);
}

export interface RunContext {
  cwd: string;
  rootDir: string;
  /** File contents read by file()/templatefile(), by content, so a JSON error names its file. */
  fileOrigins: Map<string, string>;
  /** Where the expression being evaluated sits, for errors from file(). */
  at: { file: string; line: number };
  /** Extra files searched for a variable name's line (tfvars, files read by file()). */
  extraFiles: TfFile[];
}

export class ModuleInstance {
  readonly ev: Evaluator;
  private readonly localValues = new Map<string, Value | "evaluating">();
  private readonly localRaw: Map<string, unknown>;
  private readonly declared: Map<string, Record<string, unknown>>;

  constructor(
    readonly dir: string,
    readonly address: string,
    readonly files: TfFile[],
    private readonly inputs: Map<string, Value>,
    readonly run: RunContext,
  ) {
    this.localRaw = locals(files);
    this.declared = variables(files);
    const ctx: EvalContext = {
      variable: (name, at) => this.variable(name, at),
      local: (name, at) => this.local(name, at),
      path: { module: dir, root: run.rootDir, cwd: run.rootDir },
      readFile: (path) => this.readFile(path),
      module: (name, at) => this.moduleOutputs(name, at),
      noteFile: (content, path) =>
        run.fileOrigins.set(content, displayPath(run.cwd, resolve(run.rootDir, path))),
    };
    this.ev = new Evaluator(ctx);
  }

  private variable(name: string, at: Node): Value {
    const given = this.inputs.get(name);
    if (given !== undefined) return given;
    const decl = this.declared.get(name);
    if (decl && "default" in decl) return evalJson(decl.default, this.ev);
    const why = decl
      ? `var.${name} has no default and no value in the tfvars files; pass --tf-var-file`
      : `var.${name} is not declared in ${displayPath(this.run.cwd, this.dir)}`;
    return new Unknown(textOf(at), why);
  }

  private local(name: string, at: Node): Value {
    const known = this.localValues.get(name);
    if (known === "evaluating") return new Unknown(textOf(at), `local.${name} refers to itself`);
    if (known !== undefined) return known;
    if (!this.localRaw.has(name)) return new Unknown(textOf(at), `local.${name} is not defined`);
    this.localValues.set(name, "evaluating");
    const value = evalJson(this.localRaw.get(name), this.ev);
    this.localValues.set(name, value);
    return value;
  }

  /** A container-definition module's outputs, computed from its arguments. */
  private moduleOutputs(name: string, at: Node): Value | undefined {
    const call = moduleCalls(this.files).find((c) => c.name === name);
    if (!call || !isContainerDefinitionModule(evalJson(call.body.source, this.ev)))
      return undefined;
    const args: ValueObject = {};
    for (const [k, v] of Object.entries(call.body)) args[k] = evalJson(v, this.ev);
    return containerModuleOutputs(args, textOf(at));
  }

  private readFile(path: string): string {
    const abs = isAbsolute(path) ? path : resolve(this.run.rootDir, path);
    const shown = displayPath(this.run.cwd, abs);
    if (!existsSync(abs)) {
      throw inputError(
        this.run.at.file,
        this.run.at.line,
        `file("${shown}") does not exist; fix the path`,
      );
    }
    const text = readText(abs, shown);
    this.run.fileOrigins.set(text, shown);
    this.run.extraFiles.push({ abs, shown, text, index: new LineIndex(text), json: {} });
    return text;
  }
}

/** Root variable values: TF_VAR_*, terraform.tfvars(.json), *.auto.tfvars(.json), then --tf-var-file. */
export async function rootInputs(
  dir: string,
  cwd: string,
  varFiles: string[],
  envVars: Record<string, string | undefined>,
  extraFiles: TfFile[],
): Promise<Map<string, Value>> {
  const out = new Map<string, Value>();
  for (const [k, v] of Object.entries(envVars)) {
    if (!k.startsWith("TF_VAR_") || v === undefined) continue;
    let value: Value = v;
    if (/^\s*[[{]/.test(v)) {
      try {
        value = new Evaluator({} as EvalContext).eval(parseExpression(v));
      } catch {
        value = v;
      }
    }
    out.set(k.slice(7), value);
  }
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
    if (isObject(parsed)) for (const [k, v] of Object.entries(parsed)) out.set(k, fromJson(v));
  }
  return out;
}

/** The folder `terraform init` put a registry module in, from .terraform/modules/modules.json. */
export function installedModuleDir(rootDir: string, key: string): string | undefined {
  const manifest = join(rootDir, ".terraform", "modules", "modules.json");
  if (!existsSync(manifest)) return undefined;
  try {
    const doc = JSON.parse(readFileSync(manifest, "utf8")) as {
      Modules?: { Key?: string; Dir?: string }[];
    };
    const dir = doc.Modules?.find((m) => m.Key === key)?.Dir;
    return dir ? resolve(rootDir, dir) : undefined;
  } catch {
    return undefined;
  }
}
