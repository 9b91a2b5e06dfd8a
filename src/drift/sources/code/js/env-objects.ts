/**
 * Where a file holds the environment object: `process.env`, `import.meta.env`,
 * `globalThis.process.env`, and the names it is given — `const env = process.env`,
 * `const { env } = process`, `import { env } from "node:process"`, `import process from
 * "node:process"`, `import * as proc from "process"`, `const proc = require("process")`.
 *
 * An alias is known within the block that declares it (an import: the whole module).
 */
import type { Node } from "../syntax.js";
import {
  calleeText,
  field,
  identifiersNamed,
  keyName,
  occurrences,
  nodeAt,
  outer,
  same,
  scopeOf,
  shadowed,
} from "./tree.js";

export interface EnvObject {
  node: Node;
  /** How the object was reached: `process.env`, `import.meta.env`, `env (= process.env)`. */
  via: string;
}

interface Alias {
  name: string;
  /** The block (or module) the alias is declared in. */
  scope: Node;
  via: string;
}

const PROCESS_MODULE = /(["'`])(?:node:)?process\1/g;
const GLOBALS = new Set(["globalThis", "global", "window", "self"]);

/** Every use of the environment object in the file, aliases followed; declarations left out. */
export function envObjects(root: Node, text: string): EnvObject[] {
  const found: EnvObject[] = [];
  const seen = new Set<number>();
  const aliases: Alias[] = [];
  const processNames = new Set(["process"]);

  const alias = (name: string, scope: Node, via: string): void => {
    if (processNames.has(name) || aliases.some((a) => a.name === name && same(a.scope, scope)))
      return;
    aliases.push({ name, scope, via: `${name} (= ${via})` });
  };
  /** An env object: a declaration `const e = <it>` makes an alias, anything else is a use. */
  const use = (node: Node, via: string): void => {
    if (seen.has(node.id)) return;
    seen.add(node.id);
    const at = outer(node);
    const parent = at.parent;
    const name = parent?.type === "variable_declarator" ? field(parent, "name") : null;
    if (parent && name?.type === "identifier" && same(field(parent, "value"), at)) {
      alias(name.text, scopeOf(parent), via);
    } else found.push({ node, via });
  };
  /** `{ env }` or `{ env: e }` taken from the process module: an alias named by the pattern. */
  const envFromPattern = (pattern: Node, scope: Node): void => {
    for (const child of pattern.namedChildren) {
      if (child?.type === "shorthand_property_identifier_pattern" && child.text === "env")
        alias("env", scope, "process.env");
      if (child?.type === "pair_pattern" && keyName(field(child, "key")) === "env") {
        const value = field(child, "value");
        if (value?.type === "identifier") alias(value.text, scope, "process.env");
      }
    }
  };

  // The process module imported or required under a name.
  for (const match of text.matchAll(PROCESS_MODULE)) {
    const str = nodeAt(root, match.index + 1, match[0].length - 2)?.parent;
    if (str?.type !== "string") continue;
    const holder = str.parent;
    if (holder?.type === "import_statement") importOfProcess(holder);
    else if (holder?.type === "arguments" && holder.parent) {
      const call = holder.parent;
      const decl = outer(call).parent;
      if (calleeText(call) !== "require" || decl?.type !== "variable_declarator") continue;
      const name = field(decl, "name");
      if (name?.type === "identifier") processNames.add(name.text);
      else if (name?.type === "object_pattern") envFromPattern(name, scopeOf(decl));
    }
  }
  function importOfProcess(statement: Node): void {
    const clause = statement.namedChildren.find((c) => c?.type === "import_clause");
    for (const part of clause?.namedChildren ?? []) {
      if (part?.type === "identifier") processNames.add(part.text);
      if (part?.type === "namespace_import") {
        const id = part.namedChildren.find((c) => c?.type === "identifier");
        if (id) processNames.add(id.text);
      }
      if (part?.type !== "named_imports") continue;
      for (const spec of part.namedChildren) {
        if (spec?.type !== "import_specifier" || field(spec, "name")?.text !== "env") continue;
        alias(field(spec, "alias")?.text ?? "env", statement.tree.rootNode, "process.env");
      }
    }
  }

  // `process.env`, `globalThis.process.env`, and `const { env } = process`.
  for (const name of processNames) {
    for (const id of identifiersNamed(root, text, name)) {
      let ref: Node = id;
      if (id.type === "property_identifier") {
        const member = id.parent;
        const object = member && field(member, "object");
        if (member?.type !== "member_expression" || !object || !GLOBALS.has(object.text)) continue;
        ref = member;
      } else if (id.type !== "identifier") continue;
      const at = outer(ref);
      const parent = at.parent;
      if (parent?.type === "member_expression" && same(field(parent, "object"), at)) {
        if (field(parent, "property")?.text === "env") use(parent, "process.env");
      } else if (parent?.type === "variable_declarator" && same(field(parent, "value"), at)) {
        const pattern = field(parent, "name");
        if (pattern?.type === "object_pattern") envFromPattern(pattern, scopeOf(parent));
      }
    }
  }

  // `import.meta.env` (Vite and other bundlers).
  for (const at of occurrences(text, "meta")) {
    const meta = nodeAt(root, at, 4)?.parent;
    if (meta?.type !== "meta_property") continue;
    const member = outer(meta).parent;
    if (member?.type === "member_expression" && field(member, "property")?.text === "env")
      use(member, "import.meta.env");
  }

  // Uses of each alias within its scope; an alias of an alias is followed the same way.
  for (let i = 0; i < aliases.length && i < 50; i++) {
    const a = aliases[i] as Alias;
    const { startIndex, endIndex } = a.scope;
    for (const id of identifiersNamed(root, text, a.name, startIndex, endIndex)) {
      if (id.type !== "identifier" || isDeclaration(id) || shadowed(id, a.name, a.scope)) continue;
      use(id, a.via);
    }
  }
  return found;
}

/** The name being declared (`const env = …`, `{ env: e }`, an import), not a use of it. */
function isDeclaration(id: Node): boolean {
  const parent = id.parent;
  if (!parent) return false;
  if (parent.type === "variable_declarator") return same(field(parent, "name"), id);
  if (parent.type === "pair_pattern") return same(field(parent, "value"), id);
  return (
    parent.type === "import_specifier" ||
    parent.type === "import_clause" ||
    parent.type === "namespace_import" ||
    parent.type === "required_parameter" ||
    parent.type === "optional_parameter" ||
    parent.type === "formal_parameters"
  );
}
