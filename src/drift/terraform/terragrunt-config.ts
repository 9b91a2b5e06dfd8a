/**
 * Evaluating Terragrunt configuration files (terragrunt.hcl and what it includes or reads) in
 * the context of one unit: locals, includes (inputs merged shallowly, the unit winning),
 * `read_terragrunt_config()`, `find_in_parent_folders()`, `get_env()`, the path functions, and
 * `dependency.*.outputs` as unknowns. Files are parsed in rounds by ./terragrunt.ts (parsing is
 * asynchronous, evaluation is not): a file not parsed yet is asked for and unknown this round.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { LineIndex, displayPath, isObject, readText } from "../text.js";
import type { Node } from "./ast.js";
import { textOf } from "./ast.js";
import type { EvalContext } from "./eval.js";
import { Evaluator } from "./eval.js";
import type { TfFile } from "./files.js";
import { FnError } from "./fn-support.js";
import { parseHcl } from "./hcl.js";
import type { Budget } from "./limits.js";
import { evalJson } from "./module.js";
import type { Value, ValueObject } from "./value.js";
import { Unknown, isValueObject, toStr } from "./value.js";

export interface Parsed {
  file: TfFile;
  json: Record<string, unknown>;
}

export class Session {
  readonly parsed = new Map<string, Parsed | null>();
  readonly pending = new Set<string>();
  constructor(
    readonly unitDir: string,
    readonly cwd: string,
    readonly env: Record<string, string | undefined>,
    readonly budget: Budget,
  ) {}

  /** A parsed file, or undefined (and asked for) when not parsed yet; null when it is missing. */
  need(abs: string): Parsed | null | undefined {
    if (this.parsed.has(abs)) return this.parsed.get(abs);
    this.pending.add(abs);
    return undefined;
  }

  async fill(): Promise<void> {
    for (const abs of this.pending) {
      if (!existsSync(abs) || !statSync(abs).isFile()) {
        this.parsed.set(abs, null);
        continue;
      }
      const shown = displayPath(this.cwd, abs);
      const text = readText(abs, shown);
      const json = await parseHcl(text, shown);
      this.parsed.set(abs, {
        file: { abs, shown, text, index: new LineIndex(text), json },
        json,
      });
    }
    this.pending.clear();
  }
}

export interface Config {
  locals: ValueObject;
  inputs: Value;
  source: Value | undefined;
  /** Where `inputs` is written, for locations. */
  line: number;
}

export function first(v: unknown): Record<string, unknown> {
  const b = Array.isArray(v) ? v[0] : v;
  return isObject(b) ? b : {};
}

/** `include "name" { path = … }` blocks (also the unlabelled `include { path = … }`). */
function includes(json: Record<string, unknown>): [string, Record<string, unknown>][] {
  const inc = json.include;
  if (Array.isArray(inc)) return inc.filter(isObject).map((b) => ["", b]);
  if (!isObject(inc)) return [];
  if ("path" in inc) return [["", inc]];
  return Object.entries(inc).map(([label, b]) => [label, first(b)]);
}

function lineOfWord(file: TfFile, word: string): number {
  const m = new RegExp(`^[ \\t]*${word}\\s*[={]`, "m").exec(file.text);
  return m ? file.index.line(m.index) : 1;
}

/** Evaluates one configuration file in the context of the unit. */
export function evaluate(s: Session, abs: string, depth: number): Config | Unknown {
  const parsed = s.need(abs);
  if (parsed === undefined) return new Unknown(abs, "being read");
  if (parsed === null) return Unknown.error(abs, `${displayPath(s.cwd, abs)} does not exist`);
  if (depth > 4) return Unknown.error(abs, "includes are nested more than 4 levels deep");
  const { json, file } = parsed;
  const dir = dirname(abs);
  const localsRaw = first(json.locals);
  const localValues = new Map<string, Value | "evaluating">();
  let parentDir = s.unitDir;
  const ctx: EvalContext = {
    variable: (name, at) =>
      Unknown.error(textOf(at), `var.${name} cannot be used in Terragrunt files`),
    local: (name, at) => {
      const known = localValues.get(name);
      if (known === "evaluating")
        return Unknown.error(textOf(at), `local.${name} refers to itself`);
      if (known !== undefined) return known;
      if (!(name in localsRaw)) return Unknown.error(textOf(at), `local.${name} is not defined`);
      localValues.set(name, "evaluating");
      const v = evalJson(localsRaw[name], ev);
      localValues.set(name, v);
      return v;
    },
    path: { module: dir, root: s.unitDir, cwd: s.unitDir },
    readFile: (path) => {
      const p = isAbsolute(path) ? path : resolve(dir, path);
      if (!existsSync(p)) throw new FnError(`the file ${displayPath(s.cwd, p)} does not exist`);
      return readText(p, displayPath(s.cwd, p));
    },
    functions: terragruntFunctions(s, () => parentDir, depth),
  };
  let ev = new Evaluator(ctx, new Map(), s.budget);
  const included: ValueObject = {};
  const merged: ValueObject[] = [];
  let source: Value | undefined;
  for (const [label, body] of includes(json)) {
    const path = evalJson(body.path, ev);
    if (typeof path !== "string") continue;
    const p = isAbsolute(path) ? path : resolve(dir, path);
    parentDir = dirname(p);
    const config = evaluate(s, p, depth + 1);
    if (config instanceof Unknown) {
      included[label || "root"] = config;
      continue;
    }
    included[label || "root"] = { locals: config.locals, inputs: config.inputs };
    if (isValueObject(config.inputs)) merged.push(config.inputs);
    source ??= config.source;
  }
  ev = ev.with({
    include: included,
    dependency: dependencies(json),
  });
  const locals: ValueObject = {};
  for (const name of Object.keys(localsRaw))
    locals[name] = ctx.local(name, { t: "lit", v: name, src: name, s: 0, e: name.length });
  const own = "inputs" in json ? evalJson(json.inputs, ev) : {};
  const inputs = isValueObject(own) ? (Object.assign({}, ...merged, own) as ValueObject) : own;
  const tf = first(json.terraform);
  if ("source" in tf) source = evalJson(tf.source, ev);
  return { locals, inputs, source, line: lineOfWord(file, "inputs") };
}

function dependencies(json: Record<string, unknown>): ValueObject {
  const out: ValueObject = {};
  const dep = json.dependency;
  for (const name of isObject(dep) ? Object.keys(dep) : [])
    out[name] = {
      outputs: new Unknown(
        `dependency.${name}.outputs`,
        `the outputs of the unit "${name}" are known only after it is applied`,
      ),
    };
  return out;
}

function terragruntFunctions(
  s: Session,
  parentDir: () => string,
  depth: number,
): Record<string, (args: Value[], at: Node) => Value> {
  const str = (v: Value | undefined) => (v === undefined ? undefined : toStr(v));
  const later = (at: Node, why: string) => new Unknown(textOf(at), why);
  return {
    find_in_parent_folders: ([name, fallback]) => {
      const want = str(name) ?? "terragrunt.hcl";
      let dir = dirname(s.unitDir);
      for (let i = 0; i < 30; i++) {
        const candidate = join(dir, want);
        if (existsSync(candidate)) return candidate;
        const up = dirname(dir);
        if (up === dir) break;
        dir = up;
      }
      if (fallback !== undefined) return fallback;
      throw new FnError(`no ${want} in the folders above ${displayPath(s.cwd, s.unitDir)}`);
    },
    get_terragrunt_dir: () => s.unitDir,
    get_original_terragrunt_dir: () => s.unitDir,
    get_parent_terragrunt_dir: () => parentDir(),
    path_relative_to_include: () => relative(parentDir(), s.unitDir) || ".",
    path_relative_from_include: () => relative(s.unitDir, parentDir()) || ".",
    get_repo_root: () => repoRoot(s.unitDir),
    get_path_to_repo_root: () => relative(s.unitDir, repoRoot(s.unitDir)) || ".",
    get_path_from_repo_root: () => relative(repoRoot(s.unitDir), s.unitDir) || ".",
    get_env: ([name, fallback]) => {
      const v = s.env[str(name) ?? ""];
      if (v !== undefined) return v;
      if (fallback !== undefined) return fallback;
      return new Unknown(
        `get_env("${str(name) ?? ""}")`,
        `the environment variable ${str(name) ?? ""} is not set here`,
      );
    },
    read_terragrunt_config: ([path, fallback], at) => {
      const p = str(path);
      if (p === undefined) throw new FnError("read_terragrunt_config: a path is required");
      const config = evaluate(s, isAbsolute(p) ? p : resolve(s.unitDir, p), depth + 1);
      if (config instanceof Unknown) {
        if (config.error && fallback !== undefined) return fallback;
        return config.derive(textOf(at));
      }
      return { locals: config.locals, inputs: config.inputs };
    },
    get_aws_account_id: (_a, at) => later(at, "the AWS account is known when Terragrunt runs"),
    get_aws_caller_identity_arn: (_a, at) =>
      later(at, "the AWS identity is known when Terragrunt runs"),
    get_aws_caller_identity_user_id: (_a, at) =>
      later(at, "the AWS identity is known when Terragrunt runs"),
    run_cmd: (_a, at) => later(at, "run_cmd() runs a command when Terragrunt runs"),
    sops_decrypt_file: (_a, at) => later(at, "sops_decrypt_file() decrypts when Terragrunt runs"),
    get_terraform_command: (_a, at) => later(at, "the command is known when Terragrunt runs"),
  };
}

function repoRoot(dir: string): string {
  let d = dir;
  for (let i = 0; i < 40; i++) {
    if (existsSync(join(d, ".git"))) return d;
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  return dir;
}
