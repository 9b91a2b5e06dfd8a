/**
 * Struct-tag rules of the Go configuration libraries: which variable a field reads, whether it
 * is required, and what prefix a nested struct adds. Written from each library's documented
 * behaviour:
 *
 * - kelseyhightower/envconfig: every exported field is read, as PREFIX_NAME upper-cased, where
 *   NAME is the `envconfig:"…"` tag, else the field name (`split_words:"true"`: CamelCase →
 *   CAMEL_CASE); with a prefix, the bare tag name is read too when the prefixed one is unset.
 *   `required:"true"` without `default:"…"` fails; `ignored:"true"` is skipped; a nested struct
 *   adds its key as prefix (an embedded one adds nothing).
 * - caarlos0/env: only fields with `env:"NAME,opts"` are read; `required` / `notEmpty` fail
 *   unless `envDefault` is given; `envPrefix:"P_"` on a nested struct field prefixes its fields.
 * - sethvargo/go-envconfig: only `env:"NAME,opts"` fields; `required`, `default=…`; a nested
 *   struct's `env:",prefix=P_"` prefixes its fields.
 */
import type { Need } from "../../../model.js";

export type Library = "kelseyhightower/envconfig" | "caarlos0/env" | "sethvargo/go-envconfig";

export interface TagField {
  /** The Go field name; undefined for an embedded field. */
  name: string | undefined;
  tag: Map<string, string>;
  /** The field's type resolves to a struct of the module (or is an inline struct). */
  isStruct: boolean;
}

export type FieldRule =
  | { skip: true }
  | { nest: string }
  | { read: string; need: Need; defaulted: boolean; alternatives?: string[]; via: string };

/** `env:"PORT" envDefault:"8080"` → env → PORT, envDefault → 8080 (Go's StructTag.Get rules). */
export function parseTag(raw: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!raw) return out;
  for (const m of raw.matchAll(/([^\s:"]+):"((?:[^"\\]|\\.)*)"/g)) {
    const key = m[1] as string;
    if (!out.has(key)) out.set(key, (m[2] as string).replace(/\\(.)/g, "$1"));
  }
  return out;
}

/** strconv.ParseBool's true. */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && /^(?:1|t|T|TRUE|true|True)$/.test(value);
}

/** envconfig's split_words: `MultiWordVar` → MULTI_WORD_VAR, `APIKey` → API_KEY. */
export function splitWords(name: string): string {
  const words: string[] = [];
  for (const m of name.matchAll(/([^A-Z]+|[A-Z]+[^A-Z]+|[A-Z]+)/g)) {
    const word = m[0];
    const acronym = /([A-Z]+)([A-Z][^A-Z]+)/.exec(word);
    if (acronym) words.push(acronym[1] as string, acronym[2] as string);
    else words.push(word);
  }
  return words.length > 0 ? words.join("_") : name;
}

/** What one field means for a library, under the prefix its parents give. */
export function fieldRule(
  library: Library,
  field: TagField,
  prefix: string,
  options: { requiredIfNoDefault?: boolean } = {},
): FieldRule {
  if (field.name !== undefined && !/^[A-Z]/.test(field.name)) return { skip: true };
  switch (library) {
    case "kelseyhightower/envconfig":
      return kelsey(field, prefix);
    case "caarlos0/env":
      return caarlos0(field, prefix, options.requiredIfNoDefault === true);
    case "sethvargo/go-envconfig":
      return sethvargo(field, prefix);
  }
}

function kelsey(field: TagField, prefix: string): FieldRule {
  const tag = field.tag;
  if (isTrue(tag.get("ignored"))) return { skip: true };
  if (field.name === undefined) return field.isStruct ? { nest: prefix } : { skip: true };
  const alt = (tag.get("envconfig") ?? "").toUpperCase();
  let key = isTrue(tag.get("split_words")) ? splitWords(field.name) : field.name;
  if (alt) key = alt;
  if (prefix) key = `${prefix}_${key}`;
  key = key.toUpperCase();
  if (field.isStruct) return { nest: key };
  const hasDefault = (tag.get("default") ?? "") !== "";
  const need: Need = isTrue(tag.get("required")) && !hasDefault ? "required" : "optional";
  return {
    read: key,
    need,
    defaulted: hasDefault,
    ...(alt && prefix ? { alternatives: [alt] } : {}),
    via: alt ? `envconfig:"${tag.get("envconfig")}"` : `envconfig field ${field.name}`,
  };
}

function caarlos0(field: TagField, prefix: string, requiredIfNoDefault: boolean): FieldRule {
  const [name = "", ...opts] = (field.tag.get("env") ?? "").split(",");
  if (name === "-") return { skip: true };
  if (field.isStruct && name === "") return { nest: prefix + (field.tag.get("envPrefix") ?? "") };
  if (name === "") return { skip: true };
  const hasDefault = field.tag.has("envDefault");
  const required = opts.includes("required") || opts.includes("notEmpty") || requiredIfNoDefault;
  return {
    read: prefix + name,
    need: required && !hasDefault ? "required" : "optional",
    defaulted: hasDefault,
    via: `env:"${field.tag.get("env")}"`,
  };
}

function sethvargo(field: TagField, prefix: string): FieldRule {
  const [name = "", ...opts] = (field.tag.get("env") ?? "").split(",");
  if (name === "-") return { skip: true };
  if (field.isStruct && name === "") {
    const own = opts.find((o) => o.startsWith("prefix="))?.slice("prefix=".length) ?? "";
    return { nest: prefix + own };
  }
  if (name === "") return { skip: true };
  const defaulted = opts.some((o) => o.startsWith("default="));
  return {
    read: prefix + name,
    need: opts.includes("required") && !defaulted ? "required" : "optional",
    defaulted,
    via: `env:"${field.tag.get("env")}"`,
  };
}
