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
import { dirname } from "node:path";
import type { CodeRead, DynamicRead } from "../../../model.js";
import { isVarName } from "../scanner.js";
import type { Node } from "../syntax.js";
import { stringValue } from "../syntax.js";
import { callArgs, items, unwrap } from "./ast.js";
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

  define(file: GoFile, symbols: Symbols): void {
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
      this.walk(c, found, c.prefix, via, symbols, out, 0);
      this.reads.set(file.path, out);
    }
  }

  private walk(
    c: Call,
    found: Found,
    prefix: string,
    via: string,
    symbols: Symbols,
    out: { name: string; read: CodeRead }[],
    depth: number,
  ): void {
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
          if (nested) this.walk(c, nested, rule.nest, via, symbols, out, depth + 1);
        } else if ("read" in rule && isVarName(rule.read)) {
          const location = { file: found.file.shown, line: field.startPosition.row + 1 };
          const read: CodeRead = { location, need: rule.need, via: `${rule.via} (${via})` };
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

function libraryCalls(file: GoFile, symbols: Symbols): Call[] {
  const out: Call[] = [];
  for (const [alias, path] of symbols.importsOf(file)) {
    const library = libraryOf(path);
    if (!library) continue;
    for (const hit of occurrences(file, file.root, alias, new Set(["identifier"]))) {
      const sel = hit.parent;
      if (
        sel?.type !== "selector_expression" ||
        sel.childForFieldName("operand")?.startIndex !== hit.startIndex
      )
        continue;
      const fn = sel.parent?.type === "index_expression" ? sel.parent : sel;
      const call = fn.parent;
      if (
        call?.type !== "call_expression" ||
        call.childForFieldName("function")?.startIndex !== fn.startIndex
      )
        continue;
      const c = describe(
        library,
        sel.childForFieldName("field")?.text ?? "",
        call,
        fn,
        file,
        symbols,
      );
      if (c) out.push(c);
    }
  }
  return out;
}

function describe(
  library: Library,
  name: string,
  call: Node,
  fn: Node,
  file: GoFile,
  symbols: Symbols,
): Call | undefined {
  const args = callArgs(call);
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
  const typeArg =
    fn.type === "index_expression" ? (fn.childForFieldName("index") ?? undefined) : undefined;
  return {
    library,
    call,
    prefix,
    spec: args[0],
    requiredIfNoDefault,
    ...(typeArg ? { typeArg } : {}),
  };
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

/** The struct behind `&cfg`, `cfg`, `&Config{}`, `new(Config)`, `&s.cfg` is not followed. */
function specStruct(spec: Node, file: GoFile, symbols: Symbols): Found | undefined {
  let n = unwrap(spec);
  if (n.type === "unary_expression") n = items(n)[0] ?? n;
  if (n.type === "composite_literal") return typeStruct(n.childForFieldName("type"), file, symbols);
  if (n.type === "call_expression" && n.childForFieldName("function")?.text === "new")
    return typeStruct(callArgs(n)[0], file, symbols);
  if (n.type !== "identifier") return undefined;
  const type = declaredType(n, file, symbols);
  return type ? typeStruct(type.node, type.file, symbols) : undefined;
}

/** The type a variable was declared with, or the type of the value it was given. */
function declaredType(id: Node, file: GoFile, symbols: Symbols): Found | undefined {
  const scopes: Node[] = [];
  for (let p = id.parent; p; p = p.parent)
    if (/^(?:function_declaration|method_declaration|func_literal)$/.test(p.type)) scopes.push(p);
  for (const scope of scopes) {
    const found = typeIn(scope, id.text);
    if (found) return { node: found, file };
  }
  for (const f of symbols.world.filesMentioning(dirname(file.path), id.text)) {
    for (const decl of items(f.root).filter((d) => d.type === "var_declaration")) {
      const found = typeIn(decl, id.text);
      if (found) return { node: found, file: f };
    }
  }
  return undefined;
}

function typeIn(scope: Node, name: string): Node | undefined {
  for (const d of scope.descendantsOfType([
    "parameter_declaration",
    "var_spec",
    "short_var_declaration",
  ])) {
    if (d.type === "short_var_declaration") {
      const left = items(d.childForFieldName("left"));
      const at = left.findIndex((n) => n.text === name);
      const value = at >= 0 ? items(d.childForFieldName("right"))[at] : undefined;
      if (value) return valueType(value);
      continue;
    }
    if (!d.childrenForFieldName("name").some((n) => n.text === name)) continue;
    const type = d.childForFieldName("type");
    if (type) return type;
    const value = items(d.childForFieldName("value"))[0];
    if (value) return valueType(value);
  }
  return undefined;
}

/** `Config{}`, `&Config{}`, `new(Config)` → the type node. */
function valueType(value: Node): Node | undefined {
  let n = unwrap(value);
  if (n.type === "unary_expression") n = items(n)[0] ?? n;
  if (n.type === "composite_literal") return n.childForFieldName("type") ?? undefined;
  if (n.type === "call_expression" && n.childForFieldName("function")?.text === "new")
    return callArgs(n)[0];
  return undefined;
}

/** A type node to the struct it names: `Config`, `*Config`, `config.Config`, or an inline struct. */
export function typeStruct(
  type: Node | null | undefined,
  file: GoFile,
  symbols: Symbols,
): Found | undefined {
  if (!type) return undefined;
  switch (type.type) {
    case "struct_type":
      return { node: type, file };
    case "pointer_type":
      return typeStruct(items(type)[0], file, symbols);
    case "identifier":
    case "type_identifier":
      return symbols.struct(dirname(file.path), type.text);
    case "qualified_type": {
      const pkg = type.childForFieldName("package")?.text ?? "";
      const dir = symbols.aliasDir(pkg, file);
      const name = type.childForFieldName("name")?.text;
      return dir !== undefined && name ? symbols.struct(dir, name) : undefined;
    }
    default:
      return undefined;
  }
}

function fieldsOf(struct: Node): Node[] {
  const list = items(struct).find((c) => c.type === "field_declaration_list");
  return items(list).filter((f) => f.type === "field_declaration");
}

function tagText(field: Node): string | undefined {
  const tag = field.childForFieldName("tag");
  if (!tag) return undefined;
  return stringValue(tag) ?? tag.text.slice(1, -1).replace(/\\"/g, '"');
}

function structKey(found: Found): string {
  return `${found.file.path}:${found.node.startIndex}`;
}
