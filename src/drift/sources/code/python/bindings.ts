/**
 * What the names of one Python file stand for, from its imports and a few assignments: the os
 * module and its `environ` / `getenv` under any alias (`import os as o`, `from os import
 * environ as env, getenv`, multi-line parenthesised imports; `import os.path` binds `os` too),
 * the configuration libraries' callables and instances (python-decouple `config` / `AutoConfig`,
 * django-environ and environs `Env`), and names imported from the project's own modules (so a
 * wrapper called from another module can be recognised).
 */
import type { Node } from "../syntax.js";
import { stringValue } from "../syntax.js";
import type { Word } from "./occurrences.js";
import { headed, identifiersOf, statements } from "./occurrences.js";
import { callArgs, dotted } from "./tree.js";

export type EnvLibrary = "django-environ" | "environs";

export type Binding =
  | { kind: "os" }
  | { kind: "environ" }
  | { kind: "getenv" }
  /** Another module: `import decouple`, `from app import config` (a module or a name in it). */
  | { kind: "module"; path: string }
  /** `from M import name`: a function, class or instance defined in M. */
  | { kind: "imported"; module: string; name: string }
  /** python-decouple's `config`, or an `AutoConfig(...)` / `Config(...)` instance. */
  | { kind: "decouple" }
  /** The `Env` class of django-environ or environs. */
  | { kind: "envClass"; lib: EnvLibrary }
  /** An `Env(...)` instance; `defaults` are the names its constructor gives a default. */
  | { kind: "env"; lib: EnvLibrary; defaults: Set<string> };

export type Bindings = Map<string, Binding>;

/** The last dotted segment of a module path (`app.core.config` → `config`, `.base` → `base`). */
export function moduleTail(path: string): string {
  return path.split(".").pop() ?? "";
}

/** Resolves a dotted expression against the bindings: `o.environ` → environ, `environ.Env` → class. */
export function resolve(node: Node | null | undefined, b: Bindings): Binding | undefined {
  if (!node) return undefined;
  if (node.type === "identifier") {
    const bound = b.get(node.text);
    // `os` is the os module unless the file binds the name to something else.
    return bound ?? (node.text === "os" ? { kind: "os" } : undefined);
  }
  if (node.type !== "attribute") return undefined;
  const object = resolve(node.childForFieldName("object"), b);
  const attr = node.childForFieldName("attribute")?.text;
  if (!object || !attr) return undefined;
  if (object.kind === "os") {
    if (attr === "environ") return { kind: "environ" };
    if (attr === "getenv") return { kind: "getenv" };
    return undefined;
  }
  if (object.kind === "module") return member(object.path, attr);
  return undefined;
}

/** `M.name` or `from M import name` for the libraries this scanner knows. */
function member(module: string, name: string): Binding {
  if (module === "os" && name === "environ") return { kind: "environ" };
  if (module === "os" && name === "getenv") return { kind: "getenv" };
  if (module === "decouple" && name === "config") return { kind: "decouple" };
  if (module === "environ" && name === "Env") return { kind: "envClass", lib: "django-environ" };
  if (module === "environs" && name === "Env") return { kind: "envClass", lib: "environs" };
  if (module === "environs" && name === "env")
    return { kind: "env", lib: "environs", defaults: new Set() };
  return { kind: "imported", module, name };
}

/**
 * The file's bindings. `instances` resolves names imported from the project's other modules that
 * are library instances there (`from .base import env`, where base.py has `env = environ.Env()`).
 */
export function fileBindings(
  root: Node,
  text: string,
  instances?: (module: string, name: string) => Binding | undefined,
): Bindings {
  const b: Bindings = new Map();
  for (const stmt of statements(root, text, "import", [
    "import_statement",
    "import_from_statement",
  ])) {
    if (stmt.type === "import_statement") importModules(stmt, b);
    else importNames(stmt, b, instances);
  }
  // `env = environ.Env(...)`, `config = AutoConfig(...)`: found from the names that make them.
  for (const id of identifiersOf(root, text, makers(b))) {
    const call = headed(id);
    const assign = call?.type === "call" ? call.parent : undefined;
    const left = assign?.type === "assignment" ? assign.childForFieldName("left") : undefined;
    if (!call || left?.type !== "identifier" || assign?.childForFieldName("right")?.id !== call.id)
      continue;
    const made = instanceOf(call, b);
    if (made) b.set(left.text, made);
  }
  // `env = os.environ`, `get = os.getenv`: local names for the same thing.
  for (const id of identifiersOf(root, text, readHeads(b))) {
    let n = id;
    while (n.parent?.type === "attribute") n = n.parent;
    const assign = n.parent;
    if (assign?.type !== "assignment" || assign.childForFieldName("right")?.id !== n.id) continue;
    const left = assign.childForFieldName("left");
    const bound = resolve(n, b);
    if (left?.type === "identifier" && (bound?.kind === "environ" || bound?.kind === "getenv"))
      b.set(left.text, bound);
  }
  return b;
}

/** Local names that can make a library instance: `Env`, `environ`, `AutoConfig`, `decouple`. */
function makers(b: Bindings): string[] {
  const out: string[] = [];
  for (const [name, bound] of b) {
    if (bound.kind === "envClass") out.push(name);
    else if (bound.kind === "module" && LIBRARY_MODULES.has(bound.path)) out.push(name);
    else if (bound.kind === "imported" && bound.module === "decouple") out.push(name);
  }
  return out;
}

const LIBRARY_MODULES = new Set(["environ", "environs", "decouple"]);

/** After a module's name, only these members can start a read (a cheap filter on the text). */
const OS_MEMBER = /\s*\.\s*(?:environ|getenv)\b/y;
const LIBRARY_MEMBER = /\s*\.\s*(?:config|Env|env|AutoConfig|Config)\b/y;

/** Local names an environment read can start with (`os`, `environ`, `ge`, `env`, `config`…). */
export function readHeads(b: Bindings): Word[] {
  const out: Word[] = b.has("os") ? [] : [{ word: "os", after: OS_MEMBER }];
  for (const [name, bound] of b) {
    if (bound.kind === "os") out.push({ word: name, after: OS_MEMBER });
    else if (["environ", "getenv", "decouple", "env"].includes(bound.kind))
      out.push({ word: name });
    else if (bound.kind === "module" && LIBRARY_MODULES.has(bound.path))
      out.push({ word: name, after: LIBRARY_MEMBER });
  }
  return out;
}

function importModules(stmt: Node, b: Bindings): void {
  for (const name of stmt.childrenForFieldName("name")) {
    if (name.type === "aliased_import") {
      const path = name.childForFieldName("name")?.text ?? "";
      const alias = name.childForFieldName("alias")?.text;
      if (alias) b.set(alias, path === "os" ? { kind: "os" } : { kind: "module", path });
    } else {
      // `import os.path` binds `os`; `import app.config` binds `app` (used as `app.config.x`).
      const head = name.text.split(".")[0] ?? "";
      b.set(head, head === "os" ? { kind: "os" } : { kind: "module", path: head });
      if (name.text.includes(".")) b.set(name.text, { kind: "module", path: name.text });
    }
  }
}

function importNames(
  stmt: Node,
  b: Bindings,
  instances?: (module: string, name: string) => Binding | undefined,
): void {
  const moduleNode = stmt.childForFieldName("module_name");
  if (!moduleNode) return;
  const module = moduleNode.text.replace(/^\.+/, "");
  for (const name of stmt.childrenForFieldName("name")) {
    const original = (name.type === "aliased_import" ? name.childForFieldName("name") : name)?.text;
    const local = name.type === "aliased_import" ? name.childForFieldName("alias")?.text : original;
    if (!original || !local) continue;
    let bound = member(module, original);
    if (bound.kind === "imported") {
      const known = instances?.(module, original);
      // `from app import config` may import a module: keep it usable as `config.env(...)`.
      bound = known ?? bound;
    }
    b.set(local, bound);
  }
}

/** `Env(...)`, `environ.Env(...)`, `AutoConfig(...)`, `Config(RepositoryEnv(...))`. */
export function instanceOf(call: Node, b: Bindings): Binding | undefined {
  const fn = call.childForFieldName("function");
  const made = resolve(fn, b);
  if (made?.kind === "envClass") {
    return { kind: "env", lib: made.lib, defaults: constructorDefaults(call, made.lib) };
  }
  if (made?.kind === "imported" && made.module === "decouple") {
    if (made.name === "AutoConfig" || made.name === "Config") return { kind: "decouple" };
  }
  const text = dotted(fn);
  if (text === "decouple.AutoConfig" || text === "decouple.Config") return { kind: "decouple" };
  return undefined;
}

/** django-environ: `Env(DEBUG=(bool, False))` gives DEBUG a default; `(bool,)` or `bool` does not. */
function constructorDefaults(call: Node, lib: EnvLibrary): Set<string> {
  const out = new Set<string>();
  if (lib !== "django-environ") return out;
  for (const [name, value] of callArgs(call).keyword) {
    if ((value.type === "tuple" || value.type === "list") && value.namedChildCount >= 2)
      out.add(name);
  }
  return out;
}

/** A string literal's value, for names given to a library. */
export function literal(node: Node | undefined): string | undefined {
  return node ? stringValue(node) : undefined;
}
