import { describe, expect, it } from "vitest";
import type { EvalContext } from "./eval.js";
import { Evaluator } from "./eval.js";
import { parseExpression } from "./parser.js";
import { parseTemplate } from "./template.js";
import type { Value } from "./value.js";
import { Unknown } from "./value.js";

const VARS: Record<string, Value> = { env: "prod", ports: [80, 443], tags: { team: "ml" } };
const LOCALS: Record<string, string> = {
  env_map: '{ LOG_LEVEL = "info", REGION = "us-east-1" }',
  name: '"api-${var.env}"',
};

const ctx: EvalContext = {
  variable: (name) => VARS[name] ?? new Unknown(`var.${name}`, `var.${name} has no default`),
  local: (name) => {
    const src = LOCALS[name];
    return src
      ? new Evaluator(ctx).eval(parseExpression(src))
      : new Unknown(`local.${name}`, "not defined");
  },
  path: { module: "/m", root: "/r", cwd: "/r" },
  readFile: () => "",
};

const run = (src: string) => new Evaluator(ctx).eval(parseExpression(src));
const tpl = (src: string) => new Evaluator(ctx).eval(parseTemplate(src));

describe("Terraform expressions", () => {
  it("evaluates literals, collections, traversals and operators", () => {
    expect(run('[1, "a", true, null, { k = "v", "quoted key" = 2 }]')).toEqual([
      1,
      "a",
      true,
      null,
      { k: "v", "quoted key": 2 },
    ]);
    expect(run("var.ports[1] + 1")).toBe(444);
    expect(run('var.tags.team == "ml" && !false')).toBe(true);
    expect(run('var.env == "prod" ? "p" : "d"')).toBe("p");
    expect(run("local.name")).toBe("api-prod");
    expect(run('{ a = 1 }["a"]')).toBe(1);
  });

  it("evaluates for-expressions over local maps, with conditions and object results", () => {
    expect(run("[for k, v in local.env_map : { name = k, value = v }]")).toEqual([
      { name: "LOG_LEVEL", value: "info" },
      { name: "REGION", value: "us-east-1" },
    ]);
    expect(run('[for k in keys(local.env_map) : lower(k) if k != "REGION"]')).toEqual([
      "log_level",
    ]);
    expect(run("{ for k, v in local.env_map : v => k }")).toEqual({
      info: "LOG_LEVEL",
      "us-east-1": "REGION",
    });
  });

  it("evaluates the pure functions used around container definitions", () => {
    expect(run("merge({ a = 1 }, { b = 2 }, { a = 3 })")).toEqual({ a: 3, b: 2 });
    expect(run('concat(["a"], ["b", "c"])')).toEqual(["a", "b", "c"]);
    expect(run('format("%s-%d", "api", 2)')).toBe("api-2");
    expect(run('lookup({ a = "x" }, "b", "fallback")')).toBe("fallback");
    expect(run("jsondecode(jsonencode({ n = [1, 2] }))")).toEqual({ n: [1, 2] });
    expect(run('join(",", ["a", "b"])')).toBe("a,b");
    expect(run('try(local.env_map.MISSING, "default")')).toBe("default");
  });

  it("renders templates: interpolation, escapes, %{ if } and %{ for }", () => {
    expect(tpl("a-${var.env}-$${literal}")).toBe("a-prod-${literal}");
    expect(tpl('%{ if var.env == "prod" }P%{ else }D%{ endif }')).toBe("P");
    expect(tpl("%{ for p in var.ports ~}${p};%{ endfor ~}")).toBe("80;443;");
    expect(run('"line\\nnext \\"quoted\\""')).toBe('line\nnext "quoted"');
  });

  it("parses heredocs, indented or not", () => {
    expect(run("<<EOT\nhello ${var.env}\nEOT\n")).toBe("hello prod\n");
    expect(run("<<-EOT\n    indented\n      more\n    EOT\n")).toBe("indented\n  more\n");
  });

  it("marks what cannot be known as Unknown, with the expression and the reason", () => {
    const u = run("aws_secretsmanager_secret.hf.arn");
    expect(u).toBeInstanceOf(Unknown);
    expect((u as Unknown).text).toBe("aws_secretsmanager_secret.hf.arn");
    expect((u as Unknown).reason).toMatch(/after apply/);
    expect((run("data.aws_caller_identity.me.account_id") as Unknown).reason).toMatch(
      /data sources/,
    );
    expect((run("var.nope") as Unknown).reason).toMatch(/no default/);
    expect((run("[for k, v in var.nope : k]") as Unknown).reason).toMatch(/iterates over var.nope/);
    expect((run("some_new_function(1)") as Unknown).reason).toMatch(/not evaluated/);
  });

  it("keeps the known parts of a partly unknown string, for family matching", () => {
    const u = tpl("hokusai-api-${var.stage}") as Unknown;
    expect(u.pattern).toEqual(["hokusai-api-", expect.any(Unknown)]);
    const f = run('format("api-%s", var.stage)') as Unknown;
    expect(f.pattern?.[0]).toBe("api-");
  });

  it("keeps a partly unknown jsonencode() argument, so known entries are still read", () => {
    const u = run('jsonencode([{ name = "KNOWN", value = var.nope }])') as Unknown;
    expect(u.structured).toEqual([{ name: "KNOWN", value: expect.any(Unknown) }]);
  });
});
