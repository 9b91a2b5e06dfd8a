/**
 * A Terragrunt unit: a folder whose `terragrunt.hcl` names a module (`terraform { source = … }`)
 * and its variables (`inputs = { … }`). The unit is read as a call of that module: its inputs
 * are the call's arguments (./terragrunt-config.ts evaluates the configuration). The module is a
 * local folder, or one Terragrunt fetched into `.terragrunt-cache`; otherwise ./index.ts reads the
 * inputs alone, with a warning.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { isObject } from "../text.js";
import type { Block } from "./files.js";
import type { Budget } from "./limits.js";
import type { Config } from "./terragrunt-config.js";
import { Session, evaluate } from "./terragrunt-config.js";
import type { Value, ValueObject } from "./value.js";
import { Unknown, isValueObject } from "./value.js";

export interface TerragruntUnit {
  /** The module source as written (after includes), or an Unknown. */
  source: Value;
  /** The inputs, evaluated: the module call's arguments. */
  inputs: ValueObject;
  /** terragrunt.hcl as a block, for locations (its `inputs` line). */
  block: Block;
}

const ROUNDS = 6;

/** Reads a Terragrunt unit folder; undefined when it has no terragrunt.hcl. */
export async function readTerragruntUnit(
  unitDir: string,
  cwd: string,
  env: Record<string, string | undefined>,
  budget: Budget,
): Promise<TerragruntUnit | undefined> {
  const abs = join(unitDir, "terragrunt.hcl");
  if (!existsSync(abs)) return undefined;
  const s = new Session(unitDir, cwd, env, budget);
  let config: Config | Unknown = new Unknown(abs, "not read");
  for (let round = 0; round < ROUNDS; round++) {
    config = evaluate(s, abs, 0);
    if (s.pending.size === 0) break;
    await s.fill();
  }
  const parsed = s.parsed.get(abs);
  if (!parsed) return undefined;
  const file = parsed.file;
  const line = config instanceof Unknown ? 1 : config.line;
  const block: Block = {
    file,
    type: "",
    name: relative(cwd, unitDir) || ".",
    body: isObject(parsed.json.inputs) ? parsed.json.inputs : {},
    from: 0,
    to: file.text.length,
    line,
  };
  if (config instanceof Unknown) return { source: config, inputs: {}, block };
  const inputs = isValueObject(config.inputs) ? config.inputs : {};
  return {
    source: config.source ?? new Unknown("terraform.source", "the unit names no module source"),
    inputs,
    block,
  };
}

/** Terragrunt units (folders with a terragrunt.hcl) below a folder, skipping caches. */
export function findUnits(dir: string, limit = 200): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    if (depth > 8 || out.length >= limit) return;
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    if (names.includes("terragrunt.hcl") && d !== dir) out.push(d);
    for (const n of names.sort()) {
      if (n.startsWith(".") || n === "node_modules") continue;
      const p = join(d, n);
      if (statSync(p, { throwIfNoEntry: false })?.isDirectory()) walk(p, depth + 1);
    }
  };
  walk(dir, 0);
  return out;
}

/**
 * Where Terragrunt fetched a remote source: `.terragrunt-cache/<hash>/<hash>/<subdir>` in the
 * unit. The `//subdir` of the source picks the folder; without one, the folder with .tf files.
 */
export function fetchedTerragruntSource(unitDir: string, source: string): string | undefined {
  const cache = join(unitDir, ".terragrunt-cache");
  if (!existsSync(cache)) return undefined;
  const sub = /^(?:[a-z0-9]+::)?(?:[^/]*\/\/[^/]*)?[^?]*?\/\/([^?]+)/i.exec(source)?.[1] ?? "";
  for (const a of safeList(cache))
    for (const b of safeList(join(cache, a))) {
      const dir = join(cache, a, b, sub);
      if (safeList(dir).some((n) => n.endsWith(".tf"))) return dir;
    }
  return undefined;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** A Terragrunt source that is a folder on disk: `../modules//ecs`, `${get_terragrunt_dir()}/…`. */
export function localTerragruntSource(unitDir: string, source: string): string | undefined {
  if (/^[a-z0-9]+::|^[\w.-]+\.[a-z]{2,}\/|^tfr:/i.test(source)) return undefined;
  if (!(source.startsWith("./") || source.startsWith("../") || isAbsolute(source)))
    return undefined;
  const path = source.replace(/\?.*$/, "").replace(/\/\/+/g, "/");
  const dir = isAbsolute(path) ? path : resolve(unitDir, path);
  return existsSync(dir) ? dir : undefined;
}
