/**
 * The os module's reads, recognised on syntax nodes: `os.getenv("X"[, d])`,
 * `os.environ["X"]`, `os.environ.get("X"[, d])`, `os.environ.setdefault("X", d)` and
 * `"X" in os.environ`, under whatever names the file's imports give them. `os.environ.pop` and
 * writes (`os.environ["X"] = …`, `del os.environ["X"]`) are not reads.
 */
import type { Node } from "../syntax.js";
import type { Bindings } from "./bindings.js";
import { resolve } from "./bindings.js";
import type { DefaultKind } from "./tree.js";
import { argument, callArgs, defaultKind, unwrap } from "./tree.js";

/** One environment read found in the tree, before its need is decided. */
export interface Read {
  /** The expression whose value is the variable's (a call or subscript), or the `in` test. */
  node: Node;
  /** The name argument (a literal, or an expression for a dynamic read). */
  nameNode: Node | undefined;
  kind: "get" | "subscript" | "presence" | "setdefault" | "library";
  /** The default the call passes; undefined when it passes none. */
  default?: DefaultKind;
  /** The default argument itself (a wrapper may pass its own parameter). */
  defaultNode?: Node;
  /** Prepended to the literal name (environs `with env.prefixed("APP_"):`). */
  prefix?: string;
  /** The variable read when the call names none (django-environ `env.db()` → DATABASE_URL). */
  implicitName?: string;
  /** How it was read, for reports: `os.getenv`, `django-environ env.str()`. */
  via: string;
}

/** The os read at a call, subscript or comparison node, if it is one. */
export function osRead(node: Node, b: Bindings): Read | undefined {
  if (node.type === "call") return osCall(node, b);
  if (node.type === "subscript") return osSubscript(node, b);
  if (node.type === "comparison_operator") return presence(node, b);
  return undefined;
}

function osCall(call: Node, b: Bindings): Read | undefined {
  const fn = call.childForFieldName("function");
  if (!fn) return undefined;
  const args = callArgs(call);
  if (resolve(fn, b)?.kind === "getenv") {
    return withDefault(
      { node: call, nameNode: argument(args, 0, "key"), kind: "get", via: "os.getenv" },
      argument(args, 1, "default"),
    );
  }
  if (fn.type !== "attribute") return undefined;
  const method = fn.childForFieldName("attribute")?.text;
  if (method !== "get" && method !== "setdefault") return undefined;
  if (resolve(fn.childForFieldName("object"), b)?.kind !== "environ") return undefined;
  const read: Read = {
    node: call,
    nameNode: argument(args, 0, "key"),
    kind: method === "get" ? "get" : "setdefault",
    via: `os.environ.${method}`,
  };
  return withDefault(read, argument(args, 1, "default"));
}

function withDefault(read: Read, given: Node | undefined): Read {
  if (given) {
    read.default = defaultKind(given);
    read.defaultNode = given;
  }
  return read;
}

function osSubscript(node: Node, b: Bindings): Read | undefined {
  if (resolve(node.childForFieldName("value"), b)?.kind !== "environ") return undefined;
  const parent = node.parent;
  // A write or a delete gives the variable to a child process; it reads nothing.
  if (parent?.type === "delete_statement") return undefined;
  if (
    (parent?.type === "assignment" || parent?.type === "augmented_assignment") &&
    parent.childForFieldName("left")?.id === node.id
  )
    return undefined;
  return {
    node,
    nameNode: node.childForFieldName("subscript") ?? undefined,
    kind: "subscript",
    via: "os.environ[]",
  };
}

/** `"X" in os.environ` / `"X" not in environ`. */
function presence(node: Node, b: Bindings): Read | undefined {
  const operands = node.namedChildren;
  const op = node.children.find((c) => !c.isNamed)?.type;
  if (operands.length !== 2 || (op !== "in" && op !== "not in")) return undefined;
  const [left, right] = operands;
  if (!left || !right || resolve(unwrap(right), b)?.kind !== "environ") return undefined;
  return { node, nameNode: left, kind: "presence", via: "in os.environ" };
}
