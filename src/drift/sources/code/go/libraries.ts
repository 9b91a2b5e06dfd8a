/**
 * Struct-tag configuration libraries (tags.ts has their rules). A struct's tags count as reads
 * only where the scanned code hands the struct to the library — `envconfig.Process("app", &cfg)`,
 * `env.Parse(&cfg)`, `env.ParseAs[Config]()`, go-envconfig's `envconfig.Process(ctx, &cfg)` —
 * because the call decides the prefix, and untagged fields are read by envconfig too. A struct
 * with `env:"…"` / `envconfig:"…"` tags that no such call reaches is reported with need
 * "unknown": the names are there, but nothing shows they are read, nor with what prefix.
 *
 * Calls are resolved in pass 1 (the struct may sit in another file or package), so pass 2 knows
 * which structs were used before it meets a struct's own file.
 */
import type { CodeRead, DynamicRead } from "../../../model.js";
import { dirname } from "node:path";
import { isVarName } from "../scanner.js";
import type { Node } from "../syntax.js";
import { callArgs, items, unwrap } from "./ast.js";
import { fieldsOf, specStruct, structKey, tagText, typeStruct } from "./structs.js";
import type { Flow } from "./flow.js";
import { ERRORS, FAILS, VALUE } from "./flow.js";
import type { Found, Symbols } from "./symbols.js";
import { occurrences } from "./symbols.js";
import type { Library } from "./tags.js";
import { fieldRule, parseTag } from "./tags.js";
import type { GoFile } from "./world.js";

const LIBRARIES: [prefix: string, library: Library][] = [
  ["github.com/kelseyhightower/envconfig", "kelseyhightower/envconfig"],
  ["github.com/sethvargo/go-envconfig", "sethvargo/go-envconfig"],
  ["github.com/caarlos0/env", "caarlos0/env"],
];
const MAX_NESTING = 8;

export function libraryOf(path: string): Library | undefined {
  return LIBRARIES.find(([p]) => path === p || path.startsWith(`${p}/v`))?.[1];
}

interface Call {
  library: Library;
  call: Node;
  prefix: string | undefined;
  spec: Node | undefined;
  /** `env.ParseAs[Config]()`: the struct type, not a value. */
  typeArg?: Node;
  requiredIfNoDefault?: boolean;
}

export class Libraries {
  /** Reads found through library calls, by the path of the file holding the call. */
  readonly reads = new Map<string, { name: string; read: CodeRead }[]>();
  readonly dynamic = new Map<string, DynamicRead[]>();
  /** Structs (file path and position) some library call reads. */
  readonly used = new Set<string>();

  define(file: GoFile, flow: Flow): void {
    const symbols = flow.symbols;
    for (const c of libraryCalls(file, symbols)) {
      const found = c.typeArg
        ? typeStruct(c.typeArg, file, symbols)
        : c.spec
          ? specStruct(c.spec, file, symbols)
          : undefined;
      const via = `${(c.call.childForFieldName("function")?.text ?? "").replace(/\[.*$/, "")}()`;
      if (!found || c.prefix === undefined) {
        const list = this.dynamic.get(file.path) ?? [];
        list.push({
          location: { file: file.shown, line: c.call.startPosition.row + 1 },
          text: c.call.text.replace(/\s+/g, " ").slice(0, 200),
        });
        this.dynamic.set(file.path, list);
        continue;
      }
      const out = this.reads.get(file.path) ?? [];
      this.walk(c, found, c.prefix, { via, flow, dir: dirname(file.path) }, out, 0);
      this.reads.set(file.path, out);
    }
  }

  private walk(
    c: Call,
    found: Found,
    prefix: string,
    at: { via: string; flow: Flow; dir: string },
    out: { name: string; read: CodeRead }[],
    depth: number,
  ): void {
    const symbols = at.flow.symbols;
    this.used.add(structKey(found));
    for (const field of fieldsOf(found.node)) {
      const type = field.childForFieldName("type");
      const nested =
        type && depth < MAX_NESTING ? typeStruct(type, found.file, symbols) : undefined;
      const names = field.childrenForFieldName("name").map((n) => n.text);
      const tag = parseTag(tagText(field));
      for (const name of names.length > 0 ? names : [undefined]) {
        const rule = fieldRule(c.library, { name, tag, isStruct: !!nested }, prefix, c);
        if ("nest" in rule) {
          if (nested) this.walk(c, nested, rule.nest, at, out, depth + 1);
        } else if ("read" in rule && isVarName(rule.read)) {
          const location = { file: found.file.shown, line: field.startPosition.row + 1 };
          const read: CodeRead = { location, need: rule.need, via: `${rule.via} (${at.via})` };
          // A field the library leaves empty may still be checked where the call is:
          // `if env.Database.URL == "" { log.Fatal(…) }`.
          if (name && rule.need === "optional" && !rule.defaulted) {
            const signals = at.flow.packageUses(at.dir, "field", name, VALUE, 1);
            if (signals & (FAILS | ERRORS)) read.need = "required";
          }
          if (rule.alternatives) read.alternatives = rule.alternatives;
          out.push({ name: rule.read, read });
        }
      }
    }
  }

  /** Tagged fields of structs in this file that no library call reads: need unknown. */
  unused(file: GoFile): { name: string; read: CodeRead }[] {
    const out: { name: string; read: CodeRead }[] = [];
    if (!file.text.includes('env:"') && !file.text.includes('envconfig:"')) return out;
    for (const struct of file.root.descendantsOfType("struct_type")) {
      if (this.used.has(structKey({ node: struct, file }))) continue;
      for (const field of fieldsOf(struct)) {
        const tag = parseTag(tagText(field));
        const key = tag.has("envconfig") ? "envconfig" : tag.has("env") ? "env" : undefined;
        const name = key ? ((tag.get(key) ?? "").split(",")[0] ?? "") : "";
        if (!key || !isVarName(name)) continue;
        const location = { file: file.shown, line: field.startPosition.row + 1 };
        const via = `${key}:"${tag.get(key)}" (no library call reading this struct was found)`;
        out.push({
          name: key === "envconfig" ? name.toUpperCase() : name,
          read: { location, need: "unknown", via },
        });
      }
    }
    return out;
  }
}

/** A library call as the tree has it: the function's name, its arguments, a type argument. */
interface Site {
  call: Node;
  name: string;
  args: Node[];
  typeArg: Node | undefined;
}

function libraryCalls(file: GoFile, symbols: Symbols): Call[] {
  const out: Call[] = [];
  for (const [alias, path] of symbols.importsOf(file)) {
    const library = libraryOf(path);
    if (!library) continue;
    for (const hit of occurrences(file, file.root, alias, ALIAS)) {
      const site = siteAt(hit);
      const c = site ? describe(library, site, file, symbols) : undefined;
      if (c) out.push(c);
    }
  }
  return out;
}

const ALIAS = new Set(["identifier", "package_identifier"]);

/**
 * `lib.F(args)`, `lib.F[T](args)` — and `lib.F[T](arg)`, which tree-sitter reads as a type
 * conversion of `arg` to the generic type `lib.F[T]` (the two cannot be told apart by syntax).
 */
function siteAt(hit: Node): Site | undefined {
  const sel = hit.parent;
  if (hit.type === "package_identifier") {
    const conversion = sel?.parent?.parent;
    if (sel?.type !== "qualified_type" || sel.parent?.type !== "generic_type") return undefined;
    if (conversion?.type !== "type_conversion_expression") return undefined;
    const operand = conversion.childForFieldName("operand");
    const typeArgs = sel.parent.childForFieldName("type_arguments");
    return {
      call: conversion,
      name: sel.childForFieldName("name")?.text ?? "",
      args: operand ? [operand] : [],
      typeArg: items(items(typeArgs)[0])[0] ?? items(typeArgs)[0],
    };
  }
  if (
    sel?.type !== "selector_expression" ||
    sel.childForFieldName("operand")?.startIndex !== hit.startIndex
  )
    return undefined;
  const fn = sel.parent?.type === "index_expression" ? sel.parent : sel;
  const call = fn.parent;
  if (
    call?.type !== "call_expression" ||
    call.childForFieldName("function")?.startIndex !== fn.startIndex
  )
    return undefined;
  return {
    call,
    name: sel.childForFieldName("field")?.text ?? "",
    args: callArgs(call),
    typeArg:
      fn.type === "index_expression" ? (fn.childForFieldName("index") ?? undefined) : undefined,
  };
}

function describe(library: Library, site: Site, file: GoFile, symbols: Symbols): Call | undefined {
  const { call, name, args, typeArg } = site;
  const fold = (n: Node | undefined) => (n ? symbols.fold(n, file) : undefined);
  if (library === "kelseyhightower/envconfig")
    return /^(?:Must)?Process$/.test(name)
      ? { library, call, prefix: fold(args[0]), spec: args[1] }
      : undefined;
  if (library === "sethvargo/go-envconfig") {
    if (/^(?:Must)?Process$/.test(name)) return { library, call, prefix: "", spec: args[1] };
    if (name !== "ProcessWith") return undefined;
    const config = keyed(args[1]);
    const lookuper = config.get("Lookuper");
    const prefixed =
      lookuper?.type === "call_expression" &&
      /PrefixLookuper$/.test(lookuper.childForFieldName("function")?.text ?? "");
    return {
      library,
      call,
      prefix: prefixed ? fold(callArgs(lookuper)[0]) : "",
      spec: config.get("Target"),
    };
  }
  if (!/^Parse(?:WithOptions|As|AsWithOptions)?$/.test(name)) return undefined;
  const options = keyed(
    name.endsWith("WithOptions") ? args[name.startsWith("ParseAs") ? 0 : 1] : undefined,
  );
  const prefix = options.has("Prefix") ? fold(options.get("Prefix")) : "";
  const requiredIfNoDefault = options.get("RequiredIfNoDef")?.text === "true";
  const spec = name.startsWith("ParseAs") ? undefined : args[0];
  return { library, call, prefix, spec, requiredIfNoDefault, ...(typeArg ? { typeArg } : {}) };
}

/** The keyed fields of a composite literal (`env.Options{Prefix: "APP_"}`, through `&`). */
function keyed(node: Node | undefined): Map<string, Node> {
  const out = new Map<string, Node>();
  let n = node ? unwrap(node) : undefined;
  if (n?.type === "unary_expression") n = items(n)[0];
  if (n?.type !== "composite_literal") return out;
  for (const kv of items(n.childForFieldName("body"))) {
    const key = items(kv.childForFieldName("key"))[0]?.text;
    const value = items(kv.childForFieldName("value"))[0];
    if (kv.type === "keyed_element" && key && value) out.set(key, value);
  }
  return out;
}
