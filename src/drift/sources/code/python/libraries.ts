/**
 * Configuration libraries that read one variable per call: python-decouple (`config("X",
 * default=…, cast=…)`, `AutoConfig`/`Config` instances), django-environ (`env("X")`,
 * `env.str/bool/int/list/db/db_url/cache_url…`, defaults declared in the `Env(...)` constructor)
 * and environs (`env.str("X", default)`, `env("X")`, `with env.prefixed("APP_"):`). Each raises
 * when the variable is absent and no default is given, so such a read is required.
 */
import type { Node } from "../syntax.js";
import type { Bindings, EnvLibrary } from "./bindings.js";
import { literal, resolve } from "./bindings.js";
import type { Read } from "./os-reads.js";
import { callArgs, dotted } from "./tree.js";

/** django-environ methods whose second positional argument is a cast, not the default. */
const CAST_SECOND = new Set(["__call__", "get_value", "list", "tuple", "dict"]);

/** django-environ URL readers that read a conventional variable when called without a name. */
const DJANGO_URL_VARS: Record<string, string> = {
  db: "DATABASE_URL",
  db_url: "DATABASE_URL",
  cache: "CACHE_URL",
  cache_url: "CACHE_URL",
  email: "EMAIL_URL",
  email_url: "EMAIL_URL",
  search_url: "SEARCH_URL",
  channels: "CHANNELS_URL",
  channels_url: "CHANNELS_URL",
};

const DJANGO_METHODS = new Set([
  "get_value",
  "str",
  "bytes",
  "bool",
  "int",
  "float",
  "json",
  "list",
  "tuple",
  "dict",
  "url",
  "path",
  ...Object.keys(DJANGO_URL_VARS),
]);

const ENVIRONS_METHODS = new Set([
  "str",
  "int",
  "bool",
  "float",
  "decimal",
  "list",
  "dict",
  "json",
  "datetime",
  "date",
  "time",
  "timedelta",
  "path",
  "log_level",
  "uuid",
  "url",
  "enum",
  "dj_db_url",
  "dj_email_url",
  "dj_cache_url",
]);

/** The library read at a call node, if it is one. */
export function libraryRead(call: Node, b: Bindings): Read | undefined {
  const fn = call.childForFieldName("function");
  if (!fn) return undefined;
  const direct = resolve(fn, b);
  if (direct?.kind === "decouple") return read(call, "python-decouple", "__call__", 1);
  if (direct?.kind === "env") return read(call, direct.lib, "__call__", 1, direct.defaults);
  if (fn.type !== "attribute") return undefined;
  const owner = resolve(fn.childForFieldName("object"), b);
  const method = fn.childForFieldName("attribute")?.text ?? "";
  if (owner?.kind !== "env") return undefined;
  const known = owner.lib === "django-environ" ? DJANGO_METHODS : ENVIRONS_METHODS;
  if (!known.has(method)) return undefined; // read_env, prefixed, …: not reads
  return read(call, owner.lib, method, 1, owner.defaults);
}

function read(
  call: Node,
  lib: EnvLibrary | "python-decouple",
  method: string,
  defaultAt: number,
  declared?: Set<string>,
): Read {
  const args = callArgs(call);
  const position = lib === "django-environ" && CAST_SECOND.has(method) ? 2 : defaultAt;
  const given = args.positional[position] ?? args.keyword.get("default");
  const nameNode = args.positional[0] ?? args.keyword.get("var") ?? args.keyword.get("name");
  const callee = dotted(call.childForFieldName("function")) ?? "config";
  const out: Read = {
    node: call,
    nameNode: nameNode ?? args.keyword.get("option"),
    kind: "library",
    via: `${lib} ${callee}()`,
  };
  // Any default, None included, stops the library raising: the read is optional.
  if (given) {
    out.default = "value";
    out.defaultNode = given;
  }
  const name = literal(out.nameNode);
  if (name !== undefined && declared?.has(name)) out.default = "value";
  if (!out.nameNode && lib === "django-environ" && DJANGO_URL_VARS[method])
    out.implicitName = DJANGO_URL_VARS[method];
  if (lib === "environs") {
    const prefix = environsPrefix(call);
    if (prefix) out.prefix = prefix;
  }
  return out;
}

/** `with env.prefixed("APP_"):` around the call (nested ones join, outermost first). */
function environsPrefix(call: Node): string {
  let prefix = "";
  for (let n = call.parent; n; n = n.parent) {
    if (n.type !== "with_statement") continue;
    const clause = n.namedChildren.find((c) => c.type === "with_clause");
    for (const item of clause?.namedChildren ?? []) {
      const value = item.childForFieldName("value");
      const fn = value?.type === "call" ? value.childForFieldName("function") : undefined;
      if (fn?.type !== "attribute" || fn.childForFieldName("attribute")?.text !== "prefixed")
        continue;
      const given = value ? literal(callArgs(value).positional[0]) : undefined;
      if (given) prefix = given + prefix;
    }
  }
  return prefix;
}
