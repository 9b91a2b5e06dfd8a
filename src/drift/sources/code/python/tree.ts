/** Small helpers over tree-sitter-python nodes, shared by the Python scanner's parts. */
import type { Node } from "../syntax.js";
import { stringValue } from "../syntax.js";

export interface CallArgs {
  positional: Node[];
  keyword: Map<string, Node>;
  /** `*args` / `**kwargs` spread into the call: positions after it cannot be told. */
  spread: boolean;
}

/** A call's arguments, positional and by keyword. */
export function callArgs(call: Node): CallArgs {
  const out: CallArgs = { positional: [], keyword: new Map(), spread: false };
  const list = call.childForFieldName("arguments");
  if (!list || list.type !== "argument_list") return out;
  for (const arg of list.namedChildren) {
    if (arg.type === "keyword_argument") {
      const name = arg.childForFieldName("name");
      const value = arg.childForFieldName("value");
      if (name && value) out.keyword.set(name.text, value);
    } else if (arg.type === "list_splat" || arg.type === "dictionary_splat") out.spread = true;
    else if (arg.type !== "comment") out.positional.push(arg);
  }
  return out;
}

/** The argument at a 0-based position, or by keyword. */
export function argument(args: CallArgs, index: number, keyword?: string): Node | undefined {
  return args.positional[index] ?? (keyword ? args.keyword.get(keyword) : undefined);
}

/** Dotted text of a callee (`os.environ.get`, `env.str`), or undefined for anything else. */
export function dotted(node: Node | null | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === "identifier") return node.text;
  if (node.type !== "attribute") return undefined;
  const object = dotted(node.childForFieldName("object"));
  const attribute = node.childForFieldName("attribute");
  return object && attribute ? `${object}.${attribute.text}` : undefined;
}

/** Strips parentheses: `((x))` → `x`. */
export function unwrap(node: Node): Node {
  let n = node;
  while (n.type === "parenthesized_expression" && n.namedChildCount === 1) {
    const inner = n.namedChild(0);
    if (!inner) break;
    n = inner;
  }
  return n;
}

/** What a default argument gives when the variable is absent. */
export type DefaultKind = "none" | "empty" | "value";

/** `None` and `""` leave the value empty; anything else is a real default. */
export function defaultKind(node: Node | undefined): DefaultKind {
  if (!node) return "none";
  const n = unwrap(node);
  if (n.type === "none") return "none";
  if (stringValue(n) === "") return "empty";
  return "value";
}

/** True when `node` lies inside `ancestor` (or is it). */
export function isWithin(node: Node, ancestor: Node): boolean {
  return node.startIndex >= ancestor.startIndex && node.endIndex <= ancestor.endIndex;
}

/** Function and lambda bodies: a value does not flow out of them by position. */
export const SCOPES = new Set(["function_definition", "lambda"]);

/** The function (or module) whose body holds the node. */
export function enclosingScope(node: Node): Node {
  let n: Node | null = node.parent;
  while (n) {
    if (SCOPES.has(n.type) || n.type === "module") return n;
    n = n.parent;
  }
  return node;
}

/** The class whose body holds the node (through its methods), if any. */
export function enclosingClass(node: Node): Node | undefined {
  let n: Node | null = node.parent;
  while (n) {
    if (n.type === "class_definition") return n;
    n = n.parent;
  }
  return undefined;
}

/** The enclosing function definition, when the node sits in one. */
export function enclosingFunction(node: Node): Node | undefined {
  let n: Node | null = node.parent;
  while (n) {
    if (n.type === "function_definition") return n;
    if (n.type === "class_definition" || n.type === "module") return undefined;
    n = n.parent;
  }
  return undefined;
}

/** Parameter names of a function, in order, with their declared defaults. */
export function parameters(fn: Node): { name: string; value?: Node }[] {
  const out: { name: string; value?: Node }[] = [];
  const list = fn.childForFieldName("parameters");
  if (!list) return out;
  for (const p of list.namedChildren) {
    if (p.type === "identifier") out.push({ name: p.text });
    else if (p.type === "typed_parameter") {
      const id = p.namedChildren.find((c) => c.type === "identifier");
      if (id) out.push({ name: id.text });
    } else if (p.type === "default_parameter" || p.type === "typed_default_parameter") {
      const name = p.childForFieldName("name");
      const value = p.childForFieldName("value");
      if (name) out.push(value ? { name: name.text, value } : { name: name.text });
    }
  }
  return out;
}

/** The class a function is a method of (defined directly in its body), if any. */
export function methodOf(fn: Node): Node | undefined {
  const holder = fn.parent?.type === "decorated_definition" ? fn.parent : fn;
  const cls = holder.parent?.type === "block" ? holder.parent.parent : undefined;
  return cls?.type === "class_definition" ? cls : undefined;
}

/** True for a method whose first parameter is the instance or class (not a @staticmethod). */
export function takesSelf(fn: Node): boolean {
  const holder = fn.parent?.type === "decorated_definition" ? fn.parent : fn;
  if (!methodOf(fn)) return false;
  if (holder.type === "decorated_definition")
    for (const d of holder.namedChildren)
      if (d.type === "decorator" && /^@\s*staticmethod\b/.test(d.text)) return false;
  return true;
}
