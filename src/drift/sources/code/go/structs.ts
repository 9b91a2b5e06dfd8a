/**
 * The struct a configuration library is handed: `&cfg` → how `cfg` was declared (`var cfg
 * Config`, `cfg := &Config{}`, `new(config.Config)`, a parameter, a package-level variable) →
 * the struct type's declaration, in this package or another package of the module.
 */
import { dirname } from "node:path";
import type { Node } from "../syntax.js";
import { stringValue } from "../syntax.js";
import { callArgs, items, unwrap } from "./ast.js";
import type { Found, Symbols } from "./symbols.js";
import type { GoFile } from "./world.js";

/** The struct behind `&cfg`, `cfg`, `&Config{}`, `new(Config)`, `&s.cfg` is not followed. */
export function specStruct(spec: Node, file: GoFile, symbols: Symbols): Found | undefined {
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

export function fieldsOf(struct: Node): Node[] {
  const list = items(struct).find((c) => c.type === "field_declaration_list");
  return items(list).filter((f) => f.type === "field_declaration");
}

export function tagText(field: Node): string | undefined {
  const tag = field.childForFieldName("tag");
  if (!tag) return undefined;
  return stringValue(tag) ?? tag.text.slice(1, -1).replace(/\\"/g, '"');
}

export function structKey(found: Found): string {
  return `${found.file.path}:${found.node.startIndex}`;
}
