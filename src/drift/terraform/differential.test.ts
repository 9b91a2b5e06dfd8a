/**
 * Differential tests: the same expressions, over the same variables and locals, evaluated by
 * modelgate and by the real `terraform console` (offline; no provider is needed). Each result
 * must be the same JSON text (Terraform's jsonencode()), or unknown on both sides. Skipped, with
 * a message, where terraform is not installed.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TempTree } from "../test-support/tmp.js";
import { tempTree } from "../test-support/tmp.js";
import { encodeJson } from "./fn-encoding.js";
import { readModuleFiles } from "./files.js";
import { rootInputs } from "./inputs.js";
import { Budget } from "./limits.js";
import { ModuleInstance } from "./module.js";
import { parseExpression } from "./parser.js";
import type { Value } from "./value.js";
import { Unknown, isKnown } from "./value.js";

const TERRAFORM = ["/usr/local/bin/terraform", "/usr/bin/terraform"].find((p) => existsSync(p));

const CONFIG = `
variable "flag" { type = bool }
variable "port" { type = number }
variable "names" { type = list(string) }
variable "untyped" {}
variable "anything" { type = any }
variable "unset" { type = string }
variable "settings" {
  type = object({
    name     = string
    replicas = optional(number, 2)
    tags     = optional(map(string), {})
    ports    = optional(list(number))
  })
}
variable "labels" {
  type    = set(string)
  default = ["b", "a", "b"]
}
variable "mixed" {
  type    = map(string)
  default = { a = 1, b = true, c = "x" }
}
locals {
  env  = { LOG_LEVEL = "info", REGION = "eu-west-1", EMPTY = "" }
  list = [for k, v in local.env : { name = k, value = v } if v != ""]
  more = merge(local.env, { EXTRA = var.settings.name })
  deep = { a = { b = [1, 2, { c = "d" }] } }
  yaml = "a: yes\\nb: 1.50\\nc: ~\\nd: 0x1F\\ne: [1, \\"2\\"]\\nf: 2001-12-14"
}
`;

const TFVARS = `settings = { name = "api", tags = { team = "ml" } }\n`;

const ENV = {
  TF_VAR_flag: "false",
  TF_VAR_port: "8080",
  TF_VAR_names: '["a", "b"]',
  TF_VAR_untyped: "[1, 2]",
  TF_VAR_anything: '{ k = [1, "x"] }',
};

/** Each evaluated by both; unknown on both sides counts as the same. */
const EXPRESSIONS = [
  // Variables converted to their declared types.
  "var.flag",
  "!var.flag",
  "var.port + 1",
  "var.names",
  "var.untyped",
  "var.anything",
  "var.settings",
  "var.labels",
  "var.mixed",
  // Locals, for-expressions, conditionals, splat.
  "local.list",
  "local.more",
  "[for k, v in local.env : upper(k) if length(v) > 0]",
  '{ for k, v in local.env : lower(k) => v if v != "" }',
  '{ for s in ["a", "b", "a"] : s => s... }',
  'var.flag ? "on" : "off"',
  '"true" ? "string true" : "no"',
  '!"false"',
  '[for x in ["a", "b"] : x if "1"]',
  "local.list[*].name",
  "local.deep.a.b[2].c",
  '[for i, x in var.names : "${i}:${x}"]',
  // Functions around container definitions.
  'lookup(local.env, "REGION", "x")',
  'lookup(local.env, "NOPE", "fallback")',
  'coalesce("", "b", "c")',
  "coalesce(1, 2)",
  "merge({ a = 1 }, { b = 2 }, { a = 3 })",
  'flatten([["a", ["b"]], [], ["c"]])',
  'concat(["a"], ["b", "c"])',
  'format("%s-%d-%05.1f|%-4s|%x|%q|%t|%v", "api", 7, 3.14159, "ab", 255, "q\\"", true, [1, "a"])',
  'replace("a-b-c", "-", "_")',
  'replace("v1.2.3", "/v(\\\\d+)\\\\.(\\\\d+).*/", "$2.$1")',
  'split(",", "a,b,,c")',
  'join("/", ["a", "b"], ["c"])',
  'tomap({ a = 1, b = "x" })',
  "tolist(var.labels)",
  'toset(["c", "a", "b", "a"])',
  "keys({ b = 1, a = 2 })",
  "values({ b = 1, a = 2 })",
  'contains(["a", "b"], "b")',
  "length(local.env)",
  'length("héllo")',
  "element([1, 2, 3], 4)",
  'upper("abc")',
  'lower("ÀB")',
  'trimspace("  x \\n")',
  'jsondecode("{\\"a\\": [1, 2.5, null, true]}")',
  "yamldecode(local.yaml)",
  'title("hello world-foo bar_baz")',
  "range(3)",
  "range(5, 0)",
  "range(0, 10, 3)",
  // Encoding as Terraform writes it.
  'jsonencode({ b = "<&>", a = [1.5, 1e-7, 100000] })',
  '"${1.5}-${true}-${10}"',
  "0.1 + 0.2",
  "10 / 4",
  "-7 % 3",
  '"1" + 1',
  '1 == "1"',
  "{ a = 1, b = 2 } == { b = 2, a = 1 }",
  'regex("^(\\\\w+)-(\\\\d+)$", "api-12")',
  'regexall("[a-z]", "a1b2")',
  'substr("hello", 1, 3)',
  'trimprefix("api-x", "api-")',
  'chomp("x\\n\\n")',
  'indent(2, "a\\nb")',
  'try(local.deep.a.missing, "fallback")',
  "can(local.deep.a.missing)",
  'one(["x"])',
  "sum([1, 2.5])",
  'setproduct(["a"], [1, 2])',
  'zipmap(["a", "b"], [1, 2])',
  'startswith("api", "a")',
  // Unknown where Terraform says "(known after apply)".
  "var.unset",
  'try(var.unset, "fallback")',
  "can(var.unset)",
  '["a", var.unset]',
  'var.unset == "x"',
  'false && var.unset == "x"',
  'length(concat(["a"], [var.unset]))',
];

let tree: TempTree | undefined;
let mine: Value[] = [];
let theirs: (string | "unknown")[] = [];

async function evaluateHere(dir: string): Promise<Value[]> {
  const files = await readModuleFiles(dir, dir);
  const inputs = await rootInputs(dir, dir, [], ENV, []);
  const mod = new ModuleInstance(dir, "", files, inputs, {
    cwd: dir,
    rootDir: dir,
    fileOrigins: new Map(),
    at: { file: "main.tf", line: 1 },
    extraFiles: [],
    touched: new Set(),
    budget: new Budget(),
  });
  return EXPRESSIONS.map((e) => mod.ev.eval(parseExpression(e)));
}

/** One console run for every expression: a tuple of jsonencode()s, one per line. */
function evaluateWithTerraform(dir: string): (string | "unknown")[] {
  const input = `[${EXPRESSIONS.map((e) => `jsonencode(${e})`).join(", ")}]\n`;
  const out = execFileSync(TERRAFORM as string, ["console", "-input=false"], {
    cwd: dir,
    input,
    env: { ...process.env, ...ENV, TF_CLI_CONFIG_FILE: "/dev/null", TF_IN_AUTOMATION: "1" },
    encoding: "utf8",
    timeout: 15_000,
  });
  const lines = out
    .trim()
    .split("\n")
    .slice(1, -1)
    .map((l) => l.trim().replace(/,$/, ""));
  return lines.map((l) => (l === "(known after apply)" ? "unknown" : (JSON.parse(l) as string)));
}

function ours(v: Value): string {
  if (v instanceof Unknown && v.error) return `error: ${v.reason}`;
  if (!isKnown(v)) return "unknown";
  return encodeJson(v);
}

describe.skipIf(!TERRAFORM)("the evaluator agrees with terraform console", () => {
  beforeAll(async () => {
    tree = tempTree({ "main.tf": CONFIG, "terraform.tfvars": TFVARS });
    mine = await evaluateHere(tree.dir);
    theirs = evaluateWithTerraform(tree.dir);
  }, 20_000);
  afterAll(() => tree?.remove());

  it("gives the same value (or unknown) for every expression", () => {
    expect(theirs).toHaveLength(EXPRESSIONS.length);
    const diffs = EXPRESSIONS.map((e, i) => ({
      e,
      ours: ours(mine[i] ?? null),
      terraform: theirs[i],
    })).filter((d) => d.ours !== d.terraform);
    expect(diffs).toEqual([]);
  });

  it.each([
    ["element([], 0)", "empty"],
    ['lookup({}, "a")', "no key"],
    ['tobool("yes")', "tobool"],
    ['regex("[0-9]", "abc")', "did not match"],
    ["local.deep.a.missing", "no key"],
  ])("refuses %s, as Terraform does", async (expr, why) => {
    const dir = tree?.dir as string;
    const files = await readModuleFiles(dir, dir);
    const mod = new ModuleInstance(
      dir,
      "",
      files,
      { values: new Map() },
      {
        cwd: dir,
        rootDir: dir,
        fileOrigins: new Map(),
        at: { file: "main.tf", line: 1 },
        extraFiles: [],
        touched: new Set(),
        budget: new Budget(),
      },
    );
    const v = mod.ev.eval(parseExpression(expr));
    expect(v).toBeInstanceOf(Unknown);
    expect((v as Unknown).error).toBe(true);
    expect((v as Unknown).reason).toContain(why);
    let failed = false;
    try {
      execFileSync(TERRAFORM as string, ["console", "-input=false"], {
        cwd: dir,
        input: `jsonencode(${expr})\n`,
        env: { ...process.env, ...ENV, TF_CLI_CONFIG_FILE: "/dev/null" },
        stdio: ["pipe", "pipe", "pipe"],
        timeout: 15_000,
      });
    } catch {
      failed = true;
    }
    expect(failed).toBe(true);
  });
});

describe.skipIf(TERRAFORM)("the evaluator agrees with terraform console", () => {
  it("is skipped: terraform is not installed (/usr/local/bin/terraform)", () => {
    expect(TERRAFORM).toBeUndefined();
  });
});
