/** The syntax tree of a Terraform (HCL native syntax) expression or template. */

interface At {
  /** The source the node was parsed from, and its span, for messages about what did not resolve. */
  src: string;
  s: number;
  e: number;
}

export type TemplatePart =
  | string
  | { kind: "interp"; expr: Node }
  | { kind: "if"; test: Node; then: TemplatePart[]; else: TemplatePart[] }
  | { kind: "for"; keyVar?: string; valVar: string; coll: Node; body: TemplatePart[] };

export type Node = At &
  (
    | { t: "lit"; v: string | number | boolean | null }
    | { t: "tpl"; parts: TemplatePart[] }
    | { t: "tuple"; items: Node[] }
    | { t: "object"; items: { key: Node; value: Node }[] }
    | { t: "ref"; name: string }
    | { t: "attr"; obj: Node; name: string }
    | { t: "index"; obj: Node; key: Node }
    | { t: "splat"; obj: Node }
    | { t: "call"; name: string; args: Node[]; expand: boolean }
    | {
        t: "for";
        object: boolean;
        keyVar?: string;
        valVar: string;
        coll: Node;
        key?: Node;
        value: Node;
        cond?: Node;
        group: boolean;
      }
    | { t: "cond"; test: Node; yes: Node; no: Node }
    | { t: "unary"; op: string; arg: Node }
    | { t: "binary"; op: string; left: Node; right: Node }
  );

/** The source text of a node, whitespace collapsed, for messages. */
export function textOf(node: Node): string {
  const text = node.src.slice(node.s, node.e).replace(/\s+/g, " ").trim();
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

export class HclSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = "HclSyntaxError";
  }
}
