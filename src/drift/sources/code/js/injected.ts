/**
 * An `env` helper a framework passes in: Strapi's config files are
 * `export default ({ env }) => ({ host: env("HOST", "0.0.0.0"), port: env.int("PORT", 1337) })`.
 * `env(NAME, default)` and its typed forms (`env.int`, `env.bool`, `env.array`, `env.json`, …)
 * read NAME; a default makes the read optional, else what the code does with it decides. Only an
 * `env` bound by destructuring a function's parameter counts, so a local function that happens to
 * be called `env` is not taken for a reader.
 */
import type { Node } from "../syntax.js";
import { isVarName } from "../scanner.js";
import type { JsFile } from "./model.js";
import { report } from "./reads.js";
import {
  FUNCTIONS,
  callArgs,
  field,
  identifiersNamed,
  literal,
  outer,
  same,
  shadowed,
} from "./tree.js";

/** A parameter destructuring `env` (`({ env })`, `({ env }: any)`, `({ env, strapi })`). */
export const INJECTED_TEXT = /\(\s*\{[^}]*\benv\b[^}]*\}/;

const VIA = "env() (a helper the framework passes in, as Strapi does)";

export function scanInjectedEnv(f: JsFile): void {
  if (!INJECTED_TEXT.test(f.text)) return;
  for (const id of identifiersNamed(f.root, f.text, "env")) {
    if (id.type !== "identifier") continue;
    const call = helperCall(id);
    if (!call) continue;
    const fn = binder(id);
    if (!fn || shadowed(id, "env", fn)) continue;
    const args = callArgs(call);
    const name = literal(args[0]);
    if (name === undefined) {
      if (args[0]) f.collector.dynamicRead(call);
      continue;
    }
    if (!isVarName(name)) continue;
    const fallback = args[1];
    const hasDefault = !!fallback && fallback.type !== "undefined";
    report(f, name, call, VIA, hasDefault ? "optional" : undefined);
  }
}

/** `env(…)` or `env.int(…)` with this identifier as `env`: the call, else undefined. */
function helperCall(id: Node): Node | undefined {
  const p = id.parent;
  if (p?.type === "call_expression" && same(field(p, "function"), id)) return p;
  if (p?.type !== "member_expression" || !same(field(p, "object"), id)) return undefined;
  const call = outer(p).parent;
  return call?.type === "call_expression" && same(field(call, "function"), outer(p))
    ? call
    : undefined;
}

/** The nearest enclosing function whose first parameter destructures `env`. */
function binder(id: Node): Node | undefined {
  for (let p = id.parent; p; p = p.parent) {
    if (!FUNCTIONS.has(p.type)) continue;
    const first = (field(p, "parameters")?.namedChildren ?? []).find(
      (c) => c && c.type !== "comment",
    );
    const pattern = first && (first.type === "object_pattern" ? first : field(first, "pattern"));
    if (pattern?.type !== "object_pattern") continue;
    const names = pattern.namedChildren.filter(
      (c) => c?.type === "shorthand_property_identifier_pattern" && c.text === "env",
    );
    if (names.length > 0) return p;
  }
  return undefined;
}
