/**
 * The policy file: `--config FILE`, else `.modelgate/drift.json` or `modelgate.drift.json` found
 * from the checked repository, else in the working directory (committable; `.modelgate/` is
 * modelgate's data folder and usually ignored by git). It holds ignore lists, variables forced
 * required or optional, severity changes, the project's own env-reading wrappers (`readers`),
 * and optionally the sources, so `config check` and `config docs` can run with no flags. Unknown
 * keys are refused, so a typo never silently disables a check.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { inputError } from "../errors.js";
import type { PolicyReader } from "../sources/code/scanner.js";
import { LineIndex, displayPath, findWordLine, isObject, parseJson, readText } from "../text.js";
import type { FindingKind, Severity } from "./kinds.js";
import { KIND_NAMES } from "./kinds.js";
import { parseReaders } from "./policy-readers.js";

export type PolicySeverity = Severity | "off";

export interface PolicyOverride {
  variable?: string;
  kind?: FindingKind;
  target?: string;
  severity: PolicySeverity;
}

export interface SourceSettings {
  code?: string[];
  entry?: string[];
  envExample?: string[];
  terraform?: string[];
  tfVarFile?: string[];
  tfJson?: string[];
  taskDefinition?: string[];
  ecsService?: string[];
  k8s?: string[];
  compose?: string[];
  region?: string;
  container?: string;
  schema?: boolean;
  includeTests?: boolean;
  /** Globs of code paths not scanned. */
  exclude?: string[];
}

export interface Policy {
  file?: string;
  /** Where it was found (`--config`, the checked repository, the working directory), or why none. */
  searched?: string;
  ignore: string[];
  required: string[];
  optional: string[];
  severity: Partial<Record<FindingKind, PolicySeverity>>;
  overrides: PolicyOverride[];
  sources?: SourceSettings;
  /** Wrappers around environment reads from outside the scanned code. */
  readers?: PolicyReader[];
}

export const EMPTY_POLICY: Policy = {
  ignore: [],
  required: [],
  optional: [],
  severity: {},
  overrides: [],
};

/** The source settings that hold lists of paths (or services), in the order flags are documented. */
export const LIST_SOURCES = [
  "code",
  "entry",
  "envExample",
  "terraform",
  "tfVarFile",
  "tfJson",
  "taskDefinition",
  "ecsService",
  "k8s",
  "compose",
] as const;
const SEVERITIES = ["error", "warning", "info", "off"];

const POLICY_KEYS = [
  "$schema",
  "ignore",
  "required",
  "optional",
  "severity",
  "overrides",
  "sources",
  "readers",
];

const NAMES = [".modelgate/drift.json", "modelgate.drift.json"];

function candidateIn(dir: string): string | undefined {
  return NAMES.map((n) => join(dir, n)).find((f) => existsSync(f));
}

/**
 * The policy file: `--config`; else the nearest one from the checked path (`from`, the first
 * --code or source path) up to its repository's root (the folder holding `.git`); else the one in
 * the working directory. Without a repository root above `from`, only the working directory is
 * searched, so a stray file higher up never applies.
 */
export function findPolicyFile(
  cwd: string,
  explicit: string | undefined,
  from?: string,
): { file?: string; searched: string } {
  if (explicit !== undefined) return { file: resolve(cwd, explicit), searched: "--config" };
  if (from !== undefined) {
    const start = resolve(cwd, from);
    let dir = statSync(start, { throwIfNoEntry: false })?.isDirectory() ? start : dirname(start);
    const chain: string[] = [];
    for (let depth = 0; depth < 64; depth++) {
      chain.push(dir);
      if (existsSync(join(dir, ".git"))) {
        const found = chain.map(candidateIn).find((f) => f !== undefined);
        if (found) return { file: found, searched: "the checked repository" };
        break;
      }
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  const inCwd = candidateIn(cwd);
  return inCwd
    ? { file: inCwd, searched: "the working directory" }
    : {
        searched: `no ${NAMES.join(" or ")} ${from !== undefined ? `from ${from} up to its repository root, nor ` : ""}in the working directory`,
      };
}

export function loadPolicy(cwd: string, explicit: string | undefined, from?: string): Policy {
  const found = findPolicyFile(cwd, explicit, from);
  const abs = found.file;
  if (!abs) return { ...EMPTY_POLICY, searched: found.searched };
  const shown = displayPath(cwd, abs);
  const text = readText(abs, shown);
  const doc = parseJson(text, shown);
  const index = new LineIndex(text);
  const fail = (key: string, problem: string): never => {
    throw inputError(shown, findWordLine(text, index, key) ?? 1, `${key}: ${problem}`);
  };
  if (!isObject(doc)) fail("policy", "must be a JSON object");
  const d = doc as Record<string, unknown>;
  const strings = (key: string, v: unknown): string[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === "string"))
      fail(key, "must be a list of strings");
    return v as string[];
  };
  const severity = (key: string, v: unknown): PolicySeverity => {
    if (typeof v !== "string" || !SEVERITIES.includes(v))
      fail(key, `must be one of ${SEVERITIES.join(", ")}`);
    return v as PolicySeverity;
  };
  const kind = (key: string, v: unknown): FindingKind => {
    if (typeof v !== "string" || !(KIND_NAMES as string[]).includes(v))
      fail(key, `must be one of ${KIND_NAMES.join(", ")}`);
    return v as FindingKind;
  };
  for (const key of Object.keys(d)) {
    if (!POLICY_KEYS.includes(key))
      fail(key, `is not a policy key (${POLICY_KEYS.slice(1).join(", ")})`);
  }
  const policy: Policy = {
    file: shown,
    ignore: strings("ignore", d.ignore),
    required: strings("required", d.required),
    optional: strings("optional", d.optional),
    severity: {},
    overrides: [],
  };
  if (d.severity !== undefined) {
    if (!isObject(d.severity)) fail("severity", "must map a finding kind to a severity");
    for (const [k, v] of Object.entries(d.severity as Record<string, unknown>))
      policy.severity[kind(k, k)] = severity(k, v);
  }
  if (d.overrides !== undefined) {
    if (!Array.isArray(d.overrides))
      fail("overrides", "must be a list of {variable, kind, target, severity}");
    for (const o of d.overrides as unknown[]) {
      if (!isObject(o)) fail("overrides", "each entry must be an object");
      const e = o as Record<string, unknown>;
      for (const k of Object.keys(e))
        if (!["variable", "kind", "target", "severity", "reason"].includes(k))
          fail(k, "is not an override key (variable, kind, target, severity, reason)");
      const override: PolicyOverride = { severity: severity("severity", e.severity) };
      if (e.variable !== undefined) override.variable = String(e.variable);
      if (e.kind !== undefined) override.kind = kind("kind", e.kind);
      if (e.target !== undefined) override.target = String(e.target);
      policy.overrides.push(override);
    }
  }
  if (d.sources !== undefined) policy.sources = sources(d.sources, fail, strings);
  if (d.readers !== undefined) {
    const parsed = parseReaders(d.readers);
    if (parsed.problems.length > 0) fail("readers", parsed.problems.join("; "));
    policy.readers = parsed.readers;
  }
  if (found.searched !== "--config") policy.searched = found.searched;
  return policy;
}

function sources(
  v: unknown,
  fail: (k: string, p: string) => never,
  strings: (k: string, v: unknown) => string[],
): SourceSettings {
  if (!isObject(v)) fail("sources", "must be an object");
  const s = v as Record<string, unknown>;
  const out: SourceSettings = {};
  for (const [key, value] of Object.entries(s)) {
    if ((LIST_SOURCES as readonly string[]).includes(key)) {
      out[key as (typeof LIST_SOURCES)[number]] =
        typeof value === "string" ? [value] : strings(key, value);
    } else if (key === "region" || key === "container") {
      if (typeof value !== "string") fail(key, "must be a string");
      out[key] = value as string;
    } else if (key === "exclude") {
      out.exclude = typeof value === "string" ? [value] : strings(key, value);
    } else if (key === "schema" || key === "includeTests") {
      if (typeof value !== "boolean") fail(key, "must be true or false");
      out[key] = value as boolean;
    } else
      fail(
        key,
        `is not a source (${[...LIST_SOURCES, "region", "container", "schema", "includeTests", "exclude"].join(", ")})`,
      );
  }
  return out;
}

/** `AWS_*`-style patterns. */
export function matches(pattern: string, value: string): boolean {
  if (!pattern.includes("*")) return pattern === value;
  const re = new RegExp(
    `^${pattern
      .split("*")
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
  return re.test(value);
}
