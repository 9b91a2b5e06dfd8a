/**
 * Names across a Go module: what an import alias refers to, which function a call reaches,
 * a constant's string value, a struct type's declaration. Lookups go through GoWorld, so they
 * can open a sibling file or another package of the module; what they find is cached as plain
 * data (paths, values), never as nodes.
 */
import { dirname } from "node:path";
import type { Node } from "../syntax.js";
import { stringValue } from "../syntax.js";
import { importsOf, items, operator, unwrap } from "./ast.js";
import type { GoFile, GoWorld } from "./world.js";

export interface Found {
  node: Node;
  file: GoFile;
}

const IDENTIFIER_CHAR = /[A-Za-z0-9_]/;

export class Symbols {
  private readonly imports = new Map<string, Map<string, string>>();
  private readonly consts = new Map<string, string | null>();

  constructor(readonly world: GoWorld) {}

  importsOf(file: GoFile): Map<string, string> {
    let known = this.imports.get(file.path);
    if (!known) {
      known = importsOf(file.root);
      this.imports.set(file.path, known);
    }
    return known;
  }

  /**
   * The callee with its package's import path when it is package-qualified:
   * `strings.TrimSpace` → `strings.TrimSpace`, `fp.Join` (fp = "path/filepath") →
   * `path/filepath.Join`; a method or a local function as written.
   */
  qualified(call: Node, file: GoFile): string {
    const fn = call.childForFieldName("function");
    if (!fn) return "";
    if (fn.type === "selector_expression") {
      const operand = fn.childForFieldName("operand");
      const path =
        operand?.type === "identifier" ? this.importsOf(file).get(operand.text) : undefined;
      if (path !== undefined) return `${path}.${fn.childForFieldName("field")?.text ?? ""}`;
    }
    return fn.text.replace(/\s+/g, "");
  }

  /** The package folder an alias of this file imports, when it is a package of the module. */
  aliasDir(alias: string, file: GoFile): string | undefined {
    const path = this.importsOf(file).get(alias);
    return path === undefined ? undefined : this.world.packageDir(path, dirname(file.path));
  }

  /** The function declaration a call reaches: `f(…)` in this package, `pkg.F(…)` in the module. */
  callee(call: Node, file: GoFile): Found | undefined {
    const fn = call.childForFieldName("function");
    if (fn?.type === "identifier") return this.func(dirname(file.path), fn.text);
    if (fn?.type === "selector_expression") {
      const operand = fn.childForFieldName("operand");
      const dir = operand?.type === "identifier" ? this.aliasDir(operand.text, file) : undefined;
      const name = fn.childForFieldName("field")?.text;
      if (dir !== undefined && name) return this.func(dir, name);
    }
    return undefined;
  }

  /** A top-level function of a package, by name. */
  func(dir: string, name: string): Found | undefined {
    for (const file of this.world.filesMentioning(dir, `func ${name}`)) {
      for (const node of items(file.root)) {
        if (node.type === "function_declaration" && node.childForFieldName("name")?.text === name)
          return { node, file };
      }
    }
    return undefined;
  }

  /** A struct type declared in a package: `type Config struct { … }`. */
  struct(dir: string, name: string): Found | undefined {
    for (const file of this.world.filesMentioning(dir, name)) {
      for (const spec of file.root.descendantsOfType("type_spec")) {
        if (spec.childForFieldName("name")?.text !== name) continue;
        const type = spec.childForFieldName("type");
        if (type?.type === "struct_type") return { node: type, file };
      }
    }
    return undefined;
  }

  /** A package-level string constant's value (`const keyName = "X"`), folded through `+`. */
  constant(dir: string, name: string, depth = 0): string | undefined {
    const key = `${dir}\0${name}`;
    const cached = this.consts.get(key);
    if (cached !== undefined) return cached ?? undefined;
    this.consts.set(key, null);
    let value: string | undefined;
    for (const file of this.world.filesMentioning(dir, name)) {
      for (const spec of file.root.descendantsOfType("const_spec")) {
        const names = spec.childrenForFieldName("name");
        const at = names.findIndex((n) => n.text === name);
        const values = items(spec.childForFieldName("value"));
        if (at < 0 || !values[at]) continue;
        value = this.fold(values[at], file, depth + 1);
        if (value !== undefined) break;
      }
      if (value !== undefined) break;
    }
    this.consts.set(key, value ?? null);
    return value;
  }

  /** A string expression's value when it is literals and constants joined with `+`. */
  fold(node: Node, file: GoFile, depth = 0): string | undefined {
    const n = unwrap(node);
    const literal = stringValue(n);
    if (literal !== undefined || depth > 8) return literal;
    if (n.type === "binary_expression" && operator(n) === "+") {
      const left = n.childForFieldName("left");
      const right = n.childForFieldName("right");
      const a = left ? this.fold(left, file, depth + 1) : undefined;
      const b = right ? this.fold(right, file, depth + 1) : undefined;
      return a !== undefined && b !== undefined ? a + b : undefined;
    }
    if (n.type === "identifier")
      return this.localConst(n) ?? this.constant(dirname(file.path), n.text, depth);
    if (n.type === "selector_expression") {
      const operand = n.childForFieldName("operand");
      const dir = operand?.type === "identifier" ? this.aliasDir(operand.text, file) : undefined;
      const name = n.childForFieldName("field")?.text;
      if (dir !== undefined && name) return this.constant(dir, name, depth);
    }
    return undefined;
  }

  /** A constant declared inside the function around `id`. */
  private localConst(id: Node): string | undefined {
    for (let p = id.parent; p; p = p.parent) {
      if (
        p.type !== "function_declaration" &&
        p.type !== "method_declaration" &&
        p.type !== "func_literal"
      )
        continue;
      for (const spec of p.descendantsOfType("const_spec")) {
        const names = spec.childrenForFieldName("name");
        const at = names.findIndex((n) => n.text === id.text);
        const values = items(spec.childForFieldName("value"));
        if (at >= 0 && values[at]) return stringValue(unwrap(values[at]));
      }
    }
    return undefined;
  }
}

/**
 * The nodes of the given types spelled `word` inside `scope` of a file: found by text, then
 * asked of the tree, so a word inside a comment or a string is never one of them.
 */
export function occurrences(
  file: GoFile,
  scope: Node,
  word: string,
  types: ReadonlySet<string>,
): Node[] {
  const out: Node[] = [];
  const end = scope.endIndex;
  for (
    let i = file.text.indexOf(word, scope.startIndex);
    i >= 0 && i < end;
    i = file.text.indexOf(word, i + 1)
  ) {
    if (
      IDENTIFIER_CHAR.test(file.text[i - 1] ?? "") ||
      IDENTIFIER_CHAR.test(file.text[i + word.length] ?? "")
    )
      continue;
    const node = file.root.descendantForIndex(i, i + word.length);
    if (node && types.has(node.type) && node.text === word) out.push(node);
  }
  return out;
}
