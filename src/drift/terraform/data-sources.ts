/**
 * Data sources that need no provider to be known: `template_file` (the hashicorp/template
 * provider, still common around ECS: `container_definitions = data.template_file.x.rendered`)
 * and `local_file`. Each is rendered here with its `vars`; unknown variables stay unknown parts of
 * the text, so the JSON around them is still read. Other data sources are read by Terraform.
 */
import type { Node } from "./ast.js";
import { textOf } from "./ast.js";
import { expand } from "./expand.js";
import type { Evaluator } from "./eval.js";
import { resources } from "./files.js";
import { FnError } from "./fn-support.js";
import type { ModuleInstance } from "./module.js";
import { evalJson } from "./module.js";
import { HclSyntaxError } from "./ast.js";
import { parseTemplate } from "./template.js";
import type { Value, ValueObject } from "./value.js";
import { Unknown, isValueObject, toStr } from "./value.js";

type Reader = (
  body: Record<string, unknown>,
  ev: Evaluator,
  mod: ModuleInstance,
  text: string,
) => ValueObject;

function render(template: Value, vars: Value, ev: Evaluator, text: string): Value {
  if (template instanceof Unknown)
    return template.derive(
      text,
      `its template ${template.text} cannot be resolved (${template.reason})`,
    );
  if (typeof template !== "string") return Unknown.error(text, "its template is not a string");
  const open = vars instanceof Unknown;
  const given = vars instanceof Unknown ? (vars.partial ?? {}) : vars;
  if (given !== null && !isValueObject(given)) return Unknown.error(text, "its vars are not a map");
  let tpl: Node;
  try {
    tpl = parseTemplate(template);
  } catch (err) {
    if (!(err instanceof HclSyntaxError)) throw err;
    return Unknown.error(text, `its template cannot be parsed (${err.message})`);
  }
  // template_file's vars are strings: numbers and bools are passed as their text.
  const strings: ValueObject = {};
  for (const [k, v] of Object.entries(given ?? {})) strings[k] = toStr(v) ?? v;
  const rendered = ev.only(strings, !open).template(tpl, tpl.t === "tpl" ? tpl.parts : []);
  return rendered instanceof Unknown && !rendered.pattern && !rendered.error
    ? rendered.derive(text)
    : rendered;
}

const READERS: Record<string, Reader> = {
  template_file: (body, ev, _mod, text) => {
    const template = evalJson(body.template, ev);
    const vars = "vars" in body ? evalJson(body.vars, ev) : {};
    const rendered = render(template, vars, ev, `${text}.rendered`);
    return { rendered, template, vars, id: new Unknown(`${text}.id`, "known after apply") };
  },
  local_file: (body, ev, mod, text) => {
    const filename = evalJson(body.filename, ev);
    let content: Value;
    if (typeof filename !== "string")
      content = new Unknown(`${text}.content`, "its filename cannot be resolved");
    else {
      try {
        content = mod.readFile(filename);
      } catch (err) {
        if (!(err instanceof FnError)) throw err;
        content = Unknown.error(`${text}.content`, err.message);
      }
    }
    return { content, filename };
  },
};

/** `data.TYPE.NAME`: its instance (a list for count, a map for for_each), or undefined. */
export function dataSource(
  mod: ModuleInstance,
  type: string,
  name: string,
  at: Node,
): Value | undefined {
  const reader = READERS[type];
  if (!reader) return undefined;
  const block = resources(mod.files, type, "data").find((b) => b.name === name);
  if (!block)
    return Unknown.error(textOf(at), `data "${type}" "${name}" is not declared in this module`);
  const text = `data.${type}.${name}`;
  const instances = expand(block.body, mod.ev).map((inst) => ({
    suffix: inst.suffix,
    value: reader(block.body, inst.ev, mod, `${text}${inst.suffix}`),
  }));
  if ("count" in block.body && instances.every((i) => i.suffix !== ""))
    return instances.map((i) => i.value);
  if ("for_each" in block.body && instances.every((i) => i.suffix !== ""))
    return Object.fromEntries(
      instances.map((i) => [JSON.parse(i.suffix.slice(1, -1)) as string, i.value]),
    );
  return instances[0]?.value ?? null;
}
