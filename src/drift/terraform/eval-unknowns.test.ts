import { describe, expect, it } from "vitest";
import type { EvalContext } from "./eval.js";
import { Evaluator } from "./eval.js";
import { Budget, LIMITS } from "./limits.js";
import { parseExpression } from "./parser.js";
import type { Value } from "./value.js";
import { Unknown, isKnown } from "./value.js";

/** var.known is set; var.unset has no value (unknown, as in CI); local.m is a known map. */
const VARS: Record<string, Value> = { known: "k", list: ["a", "b"] };
const ctx: EvalContext = {
  variable: (name) =>
    VARS[name] ?? new Unknown(`var.${name}`, `var.${name} has no default and no value`),
  local: (name) =>
    name === "m"
      ? { a: "1", b: "2" }
      : Unknown.error(`local.${name}`, `local.${name} is not defined`),
  path: { module: "/m", root: "/r", cwd: "/r" },
  readFile: () => "",
};
const run = (src: string) => new Evaluator(ctx).eval(parseExpression(src));
const unknown = (src: string) => {
  const v = run(src);
  expect(v).toBeInstanceOf(Unknown);
  return v as Unknown;
};

describe("try() and can() as Terraform evaluates them", () => {
  it("try() moves past an error but not past an unknown", () => {
    expect(run('try(local.m.missing, "fallback")')).toBe("fallback");
    expect(run('try(local.nope, local.m.a, "x")')).toBe("1");
    // Whether var.unset fails is not known yet: the result is unknown, not the fallback.
    expect(unknown('try(var.unset, "fallback")').error).toBe(false);
    expect(unknown("try(local.nope, local.m.zzz)").error).toBe(true);
  });

  it("can() is true, false, or unknown when its argument depends on an unknown", () => {
    expect(run("can(local.m.a)")).toBe(true);
    expect(run("can(local.m.missing)")).toBe(false);
    expect(run('can(regex("^[a-z]+$", "abc"))')).toBe(true);
    expect(run('can(regex("^[0-9]+$", "abc"))')).toBe(false);
    expect(unknown("can(var.unset)").error).toBe(false);
  });
});

describe("partly unknown values keep what is known", () => {
  it("concat() keeps the known elements and marks an unknown list as an unknown stretch", () => {
    const v = run('concat([{ name = "A" }], var.unset, [{ name = "B" }])') as Value[];
    expect(v).toHaveLength(3);
    expect(v[0]).toEqual({ name: "A" });
    expect((v[1] as Unknown).spread).toBe(true);
    expect(v[2]).toEqual({ name: "B" });
    // length() of a list with an unknown stretch is unknown; of a list with an unknown element, not.
    expect(unknown('length(concat(["a"], var.unset))').reason).toMatch(/var.unset/);
    expect(run("length([var.unset, 1])")).toBe(2);
  });

  it("merge() with an unknown map keeps the known keys, and a for-expression over it says more may come", () => {
    const m = unknown('merge({ A = "1" }, var.unset, { B = var.unset })');
    expect(Object.keys(m.partial ?? {})).toEqual(["A", "B"]);
    const list = run("[for k, v in merge({ A = 1 }, var.unset) : { name = k }]") as Value[];
    expect(list[0]).toEqual({ name: "A" });
    expect((list[1] as Unknown).spread).toBe(true);
  });

  it("an object with an unknown key keeps its known keys", () => {
    const o = unknown('{ (var.unset) = 1, "${var.known}_URL" = 2, PLAIN = 3 }');
    expect(o.partial).toEqual({ k_URL: 2, PLAIN: 3 });
    expect(unknown("{ (local.nope) = 1 }").error).toBe(true);
  });

  it("a for-expression whose `if` cannot be resolved keeps the element as a maybe", () => {
    const list = run('[for k, v in { A = var.unset, B = "" } : k if v != ""]') as Value[];
    expect(list).toHaveLength(1);
    expect((list[0] as Unknown).maybe).toBe("A");
    // A known condition still filters.
    expect(run('[for k, v in { A = "x", B = "" } : k if v != ""]')).toEqual(["A"]);
  });

  it("join() and format() keep their literal text around unknown parts", () => {
    const j = unknown('join(",", ["[1]", jsonencode(var.unset), "[2]"])');
    expect(j.pattern?.map((p) => (typeof p === "string" ? p : "?"))).toEqual(["[1],", "?", ",[2]"]);
    const f = unknown('format("api-%s-%03d", var.unset, 7)');
    expect(f.pattern?.map((p) => (typeof p === "string" ? p : "?"))).toEqual(["api-", "?", "-007"]);
  });

  it("jsonencode() keeps the value it encodes; operators and conditionals on unknowns stay unknown", () => {
    expect(unknown('jsonencode({ name = "A", value = var.unset })').structured).toEqual({
      name: "A",
      value: expect.any(Unknown),
    });
    expect(unknown("false && var.unset").error).toBe(false);
    expect(unknown('var.unset == "x" ? 1 : 2').reason).toMatch(/condition/);
    expect(isKnown(run('var.known == "k" ? [1] : [2]'))).toBe(true);
  });

  it("splat expressions map over a list, and turn a single value into a list", () => {
    expect(run('[{ n = "a" }, { n = "b" }][*].n')).toEqual(["a", "b"]);
    expect(run('{ n = "a" }[*].n')).toEqual(["a"]);
    expect(run("null[*]")).toEqual([]);
    expect(unknown("var.unset[*].n").error).toBe(false);
  });

  it("marks an error (a missing key, a bad argument) apart from an unknown", () => {
    expect(unknown("local.m.zzz").error).toBe(true);
    expect(unknown("element([], 0)").reason).toMatch(/empty/);
    expect(unknown('jsondecode("{")').error).toBe(true);
    expect(unknown("var.unset.x").error).toBe(false);
  });
});

describe("every evaluation is bounded", () => {
  it("refuses range() beyond the collection limit, naming it", () => {
    expect(run("length(range(10000))")).toBe(10000);
    expect(unknown("range(10001)").reason).toContain(`more than the ${LIMITS.collection}`);
    expect(unknown("range(0, 1e12, 1)").reason).toContain(String(LIMITS.collection));
  });

  it("refuses a string beyond the size limit, and nesting beyond the depth limit", () => {
    const huge = unknown('join("", [format("%04000000d", 1), format("%0200000d", 2)])');
    expect(huge.reason).toContain(`more than the ${LIMITS.stringLength}`);
    const deep = `${"[".repeat(200)}1${"]".repeat(200)}`;
    expect(() => parseExpression(deep)).toThrow(/nested more than 128 levels/);
  });

  it("stops a for-expression explosion at the step limit", () => {
    // The same rule as the real limit, with a smaller budget so the test is quick.
    const ev = new Evaluator(ctx, new Map(), new Budget(20_000));
    const v = ev.eval(
      parseExpression("length(flatten([for a in range(10000) : [for b in range(10000) : a]]))"),
    ) as Unknown;
    expect(v.reason).toMatch(/evaluation stopped after 20000 steps/);
  });
});
