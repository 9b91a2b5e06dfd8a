/**
 * A Terraform module instance: its variables (typed, see ./inputs.ts), its locals (evaluated
 * lazily, cycles reported), the data sources that need no provider (./data-sources.ts), the
 * outputs of the modules it calls (local ones, and remote ones `terraform init` fetched), and an
 * Evaluator over them.
 */
import { statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { LineIndex, displayPath, readText } from "../text.js";
import type { Node } from "./ast.js";
import { HclSyntaxError, textOf } from "./ast.js";
import { dataSource } from "./data-sources.js";
import type { EvalContext } from "./eval.js";
import { Evaluator } from "./eval.js";
import { expand } from "./expand.js";
import type { Block, TfFile } from "./files.js";
import { cachedModuleFiles, locals, moduleCalls, outputs, variables } from "./files.js";
import { declaredType, parseEnvValue, typed } from "./inputs.js";
import { containerModuleOutputs, isContainerDefinitionModule } from "./known-modules.js";
import { FnError } from "./fn-support.js";
import type { Budget } from "./limits.js";
import { LIMITS } from "./limits.js";
import { locateModule } from "./sources.js";
import { parseTemplate } from "./template.js";
import type { TfType } from "./types.js";
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
  if (raw !== null && typeof raw === "object") {
    const out: Record<string, Value> = {};
    let open: Unknown | undefined;
    for (const [k, v] of Object.entries(raw)) {
      // hcl2json keeps a computed key (`"${var.k}" = …`) as a template.
      const key = k.includes("${") ? evalJson(k, ev) : k;
      if (typeof key === "string") out[key] = evalJson(v, ev);
      else open ??= key instanceof Unknown ? key : Unknown.error(k, `the key ${k} is not a string`);
    }
    return open ? new Unknown(open.text, open.reason, { partial: out, error: open.error }) : out;
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
  /** Files read while evaluating the current task definition, to place its names first there. */
  touched: Set<string>;
  budget: Budget;
}

/** What a module instance is given: its call's arguments, or the root's variable values. */
export interface ModuleInputs {
  values: Map<string, Value>;
  /** TF_VAR_* text for the root module. */
  env?: Map<string, string>;
}

/** Meta-arguments of a module call, which are not input variables. */
export const META = new Set(["source", "version", "providers", "count", "for_each", "depends_on"]);

export class ModuleInstance {
  readonly ev: Evaluator;
  private readonly localValues = new Map<string, Value | "evaluating">();
  private readonly localRaw: Map<string, unknown>;
  private readonly declared: Map<string, Record<string, unknown>>;
  private readonly types = new Map<string, TfType | undefined>();
  private readonly cache = new Map<string, { value: Value; files: Set<string> }>();

  constructor(
    readonly dir: string,
    readonly address: string,
    readonly files: TfFile[],
    private readonly inputs: ModuleInputs,
    readonly run: RunContext,
    /** The module's key in .terraform/modules/modules.json ("" for the root). */
    readonly key = "",
    private readonly depth = 0,
  ) {
    this.localRaw = locals(files);
    this.declared = variables(files);
    const ctx: EvalContext = {
      variable: (name, at) => this.variable(name, at),
      local: (name, at) => this.local(name, at),
      path: { module: dir, root: run.rootDir, cwd: run.rootDir },
      readFile: (path) => this.readFile(path),
      module: (name, at) => this.moduleOutputs(name, at),
      data: (type, name, at) =>
        this.memo(`data.${type}.${name}`, () => dataSource(this, type, name, at)),
      noteFile: (content, path) =>
        run.fileOrigins.set(content, displayPath(run.cwd, resolve(run.rootDir, path))),
    };
    this.ev = new Evaluator(ctx, new Map(), run.budget);
  }

  /** A value computed once; the files read to compute it count as read each time it is used. */
  private memo(key: string, make: () => Value | undefined): Value | undefined {
    const run = this.run;
    const hit = this.cache.get(key);
    if (hit) {
      for (const f of hit.files) run.touched.add(f);
      return hit.value;
    }
    const outer = run.touched;
    run.touched = new Set();
    try {
      const value = make();
      if (value !== undefined) this.cache.set(key, { value, files: run.touched });
      return value;
    } finally {
      for (const f of run.touched) outer.add(f);
      run.touched = outer;
    }
  }

  private typeOf(name: string): TfType | undefined {
    if (!this.types.has(name)) {
      const decl = this.declared.get(name);
      this.types.set(name, decl ? declaredType(decl) : undefined);
    }
    return this.types.get(name);
  }

  private variable(name: string, at: Node): Value {
    const decl = this.declared.get(name);
    if (!decl)
      return Unknown.error(
        textOf(at),
        `var.${name} is not declared in ${displayPath(this.run.cwd, this.dir)}`,
      );
    return (
      this.memo(`var.${name}`, () => {
        const type = this.typeOf(name);
        let given = this.inputs.values.get(name);
        const env = this.inputs.env?.get(name);
        if (given === undefined && env !== undefined) given = parseEnvValue(env, type, name);
        // A null argument means "use the default" only for a variable declared nullable = false.
        if (given === null && decl.nullable === false) given = undefined;
        if (given !== undefined) return typed(given, type, name);
        if ("default" in decl) return typed(evalJson(decl.default, this.ev), type, name);
        return new Unknown(
          `var.${name}`,
          `var.${name} has no default and no value in the tfvars files; pass --tf-var-file`,
        );
      }) ?? null
    );
  }

  private local(name: string, at: Node): Value {
    const known = this.localValues.get(name);
    if (known === "evaluating") return Unknown.error(textOf(at), `local.${name} refers to itself`);
    if (known !== undefined) return known;
    if (!this.localRaw.has(name)) return Unknown.error(textOf(at), `local.${name} is not defined`);
    this.localValues.set(name, "evaluating");
    const value = evalJson(this.localRaw.get(name), this.ev);
    this.localValues.set(name, value);
    return value;
  }

  /** The outputs of a module call, per instance (a list for count, a map for for_each). */
  private moduleOutputs(name: string, at: Node): Value | undefined {
    const call = moduleCalls(this.files).find((c) => c.name === name);
    if (!call) return Unknown.error(textOf(at), `module "${name}" is not called here`);
    return this.memo(`module.${name}`, () => this.callOutputs(call, at));
  }

  private callOutputs(call: Block, at: Node): Value | undefined {
    const source = evalJson(call.body.source, this.ev);
    if (isContainerDefinitionModule(source)) {
      const args: ValueObject = {};
      for (const [k, v] of Object.entries(call.body)) args[k] = evalJson(v, this.ev);
      return containerModuleOutputs(args, textOf(at));
    }
    const found = locateModule(this.run.rootDir, this.dir, this.childKey(call.name), source);
    const files = found.dir ? cachedModuleFiles(found.dir) : undefined;
    if (!found.dir || !files || this.depth >= 8)
      return new Unknown(
        textOf(at),
        `the outputs of module "${call.name}" are not known: ${found.why}`,
      );
    const dir = found.dir;
    const perInstance = expand(call.body, this.ev).map((inst) => {
      const child = this.child(call, dir, files, inst.ev, inst.suffix);
      const out: ValueObject = {};
      for (const [k, raw] of outputs(files)) out[k] = evalJson(raw, child.ev);
      return { suffix: inst.suffix, out };
    });
    if ("count" in call.body) return perInstance.map((p) => p.out);
    if ("for_each" in call.body)
      return Object.fromEntries(
        perInstance.map((p) => [String(JSON.parse(p.suffix.slice(1, -1) || '""')), p.out]),
      );
    return perInstance[0]?.out ?? null;
  }

  childKey(name: string): string {
    return this.key ? `${this.key}.${name}` : name;
  }

  /** The instance of a called module, its inputs evaluated in this module. */
  child(call: Block, dir: string, files: TfFile[], ev: Evaluator, suffix: string): ModuleInstance {
    const values = new Map<string, Value>();
    for (const [k, v] of Object.entries(call.body))
      if (!META.has(k)) values.set(k, evalJson(v, ev));
    return new ModuleInstance(
      dir,
      `${this.address}module.${call.name}${suffix}.`,
      files,
      { values },
      this.run,
      this.childKey(call.name),
      this.depth + 1,
    );
  }

  /** A file named by file() or templatefile(); a FnError when it cannot be read. */
  readFile(path: string): string {
    const abs = isAbsolute(path) ? path : resolve(this.run.rootDir, path);
    const shown = displayPath(this.run.cwd, abs);
    const stat = statSync(abs, { throwIfNoEntry: false });
    if (!stat?.isFile()) throw new FnError(`the file ${shown} does not exist`);
    if (stat.size > LIMITS.stringLength)
      throw new FnError(
        `the file ${shown} is ${stat.size} bytes, more than the ${LIMITS.stringLength} modelgate reads`,
      );
    const text = readText(abs, shown);
    this.run.touched.add(abs);
    this.run.fileOrigins.set(text, shown);
    if (!this.run.extraFiles.some((f) => f.abs === abs))
      this.run.extraFiles.push({ abs, shown, text, index: new LineIndex(text), json: {} });
    return text;
  }
}
