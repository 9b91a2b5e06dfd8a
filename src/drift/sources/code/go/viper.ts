/**
 * spf13/viper. Viper reads the environment only when told to:
 * - `viper.AutomaticEnv()`: every `Get*("key")` also reads the variable KEY — upper-cased,
 *   `SetEnvPrefix("p")` → P_KEY, `SetEnvKeyReplacer(strings.NewReplacer(".", "_"))` applied;
 * - `viper.BindEnv("key", "NAME", …)`: `Get*("key")` reads NAME (or the derived name alone).
 * A key with `SetDefault`, or bound to a pflag (`BindPFlags(fs)`: every flag defined on fs has a
 * default; `BindPFlag("key", fs.Lookup("f"))`), is optional; other keys are judged by what the
 * code does with the value, as for `os.Getenv`. A key `viper.Set` unconditionally never reads
 * the environment. `Unmarshal` / `AllSettings` read every key viper knows (flags, defaults,
 * bound variables), so each of those is a read too, located where the key is declared.
 *
 * The global viper is one per program (its settings hold across packages); a `viper.New()`
 * instance is tracked by the variable it is stored in, within its package.
 */
import { dirname } from "node:path";
import type { CodeRead, Location } from "../../../model.js";
import type { ReadCollector } from "../scanner.js";
import { isVarName } from "../scanner.js";
import type { Node } from "../syntax.js";
import { stringValue } from "../syntax.js";
import { callArgs, items } from "./ast.js";
import type { Flow } from "./flow.js";
import { VALUE } from "./flow.js";
import { verdict } from "./reads.js";
import type { Symbols } from "./symbols.js";
import type { GoFile } from "./world.js";

const VIPER = "github.com/spf13/viper";
const GETTER =
  /^(?:Get(?:String|Int|Int32|Int64|Uint|Uint8|Uint16|Uint32|Uint64|Float64|Bool|Duration|Time|StringSlice|IntSlice|StringMap|StringMapString|StringMapStringSlice|SizeInBytes)?|IsSet)$/;
const FLAG =
  /^(?:Bool|Int|Int8|Int16|Int32|Int64|Uint|Uint8|Uint16|Uint32|Uint64|Float32|Float64|String|Duration|StringSlice|StringArray|IntSlice|Int32Slice|Int64Slice|UintSlice|Float64Slice|BoolSlice|DurationSlice|StringToString|StringToInt|StringToInt64|IP|IPSlice|IPMask|IPNet|Count|BytesHex|BytesBase64)(Var)?P?$/;

interface Instance {
  automaticEnv: boolean;
  prefix: string;
  replacer: [string, string][];
  /** Lower-cased keys with a default (SetDefault or a bound flag), where it is declared. */
  defaults: Map<string, Location>;
  bindEnv: Map<string, { names: string[]; at: Location }>;
  set: Set<string>;
  /** Flag sets (by package and receiver text) bound with BindPFlags. */
  flagSets: Set<string>;
  unmarshalIn: string | undefined;
}

export class Viper {
  private readonly instances = new Map<string, Instance>();
  /** Flags by flag-set key (`dir#fs`): name and where defined. */
  private readonly flags = new Map<string, { name: string; at: Location }[]>();
  /** Receivers assigned `viper.New()`, by `dir#text`. */
  private readonly news = new Set<string>();

  get active(): boolean {
    return this.instances.size > 0;
  }

  /** Pass 1: settings, defaults, bindings and flag definitions in this file. */
  define(file: GoFile, symbols: Symbols): void {
    const dir = dirname(file.path);
    const imports = symbols.importsOf(file);
    const alias = [...imports].find(([, p]) => p === VIPER)?.[0];
    for (const call of file.root.descendantsOfType("call_expression")) {
      const fn = call.childForFieldName("function");
      if (fn?.type !== "selector_expression") continue;
      const receiver = (fn.childForFieldName("operand")?.text ?? "").replace(/\s+/g, "");
      const method = fn.childForFieldName("field")?.text ?? "";
      const args = callArgs(call);
      const flag = FLAG.exec(method);
      const flagName = flag ? stringValue(args[flag[1] ? 1 : 0]) : undefined;
      if (flagName !== undefined && args.length >= 3) {
        const key = `${dir}#${receiver}`;
        const list = this.flags.get(key) ?? [];
        list.push({ name: flagName, at: at(file, call) });
        this.flags.set(key, list);
      }
      if (receiver === alias && method === "New") this.noteNew(call, dir);
      const inst =
        receiver === alias
          ? this.instance("viper")
          : this.news.has(`${dir}#${receiver}`)
            ? this.instance(`${dir}#${receiver}`)
            : undefined;
      if (inst) this.setting(inst, method, args, call, file, dir);
    }
  }

  private noteNew(call: Node, dir: string): void {
    const list = call.parent;
    const stmt = list?.parent;
    if (list?.type !== "expression_list" || !stmt) return;
    const left =
      stmt.type === "var_spec"
        ? stmt.childrenForFieldName("name")
        : items(stmt.childForFieldName("left"));
    const at = items(list).findIndex((n) => n.startIndex === call.startIndex);
    const target = left[at];
    if (target) this.news.add(`${dir}#${target.text.replace(/\s+/g, "")}`);
  }

  private instance(key: string): Instance {
    let inst = this.instances.get(key);
    if (!inst) {
      inst = {
        automaticEnv: false,
        prefix: "",
        replacer: [],
        defaults: new Map(),
        bindEnv: new Map(),
        set: new Set(),
        flagSets: new Set(),
        unmarshalIn: undefined,
      };
      this.instances.set(key, inst);
    }
    return inst;
  }

  private setting(
    inst: Instance,
    method: string,
    args: Node[],
    call: Node,
    file: GoFile,
    dir: string,
  ): void {
    const key = stringValue(args[0])?.toLowerCase();
    switch (method) {
      case "AutomaticEnv":
        inst.automaticEnv = true;
        break;
      case "SetEnvPrefix":
        inst.prefix = stringValue(args[0]) ?? inst.prefix;
        break;
      case "SetEnvKeyReplacer": {
        const pairs =
          args[0]?.type === "call_expression" ? callArgs(args[0]).map((a) => stringValue(a)) : [];
        for (let i = 0; i + 1 < pairs.length; i += 2) {
          const [from, to] = [pairs[i], pairs[i + 1]];
          if (from !== undefined && to !== undefined) inst.replacer.push([from, to]);
        }
        break;
      }
      case "SetDefault":
        if (key !== undefined) inst.defaults.set(key, at(file, call));
        break;
      case "BindPFlag":
        if (key !== undefined) inst.defaults.set(key, at(file, call));
        break;
      case "BindPFlags": {
        const set = (args[0]?.text ?? "").replace(/\s+/g, "").replace(/\.CommandLine$/, "");
        inst.flagSets.add(`${dir}#${set}`);
        break;
      }
      case "BindEnv": {
        const names = args.slice(1).map((a) => stringValue(a));
        if (key !== undefined && names.every((n) => n !== undefined))
          inst.bindEnv.set(key, { names: names as string[], at: at(file, call) });
        break;
      }
      case "Set":
        // Only a Set every run makes: a direct statement of a function body.
        if (
          key !== undefined &&
          call.parent?.parent?.type === "statement_list" &&
          call.parent.parent.parent?.parent?.type === "function_declaration"
        )
          inst.set.add(key);
        break;
      case "Unmarshal":
      case "UnmarshalExact":
      case "AllSettings":
        inst.unmarshalIn ??= file.path;
        break;
    }
  }

  /** The variable name viper reads for a key on this instance. */
  private envNames(inst: Instance, key: string): string[] {
    const bound = inst.bindEnv.get(key);
    const raw =
      bound && bound.names.length > 0
        ? bound.names
        : [(inst.prefix ? `${inst.prefix}_${key}` : key).toUpperCase()];
    return raw.map((n) => replace(n, inst.replacer)).filter(isVarName);
  }

  private defaultOf(inst: Instance, key: string): Location | undefined {
    const own = inst.defaults.get(key);
    if (own) return own;
    for (const set of inst.flagSets)
      for (const f of this.flags.get(set) ?? []) if (f.name.toLowerCase() === key) return f.at;
    return undefined;
  }

  /** Pass 2: `Get*("key")` calls in this file, and every known key where this file unmarshals. */
  scan(file: GoFile, flow: Flow, out: ReadCollector): void {
    const dir = dirname(file.path);
    const alias = [...flow.symbols.importsOf(file)].find(([, p]) => p === VIPER)?.[0];
    for (const call of file.root.descendantsOfType("call_expression")) {
      const fn = call.childForFieldName("function");
      if (
        fn?.type !== "selector_expression" ||
        !GETTER.test(fn.childForFieldName("field")?.text ?? "")
      )
        continue;
      const receiver = (fn.childForFieldName("operand")?.text ?? "").replace(/\s+/g, "");
      const inst =
        receiver === alias ? this.instances.get("viper") : this.instances.get(`${dir}#${receiver}`);
      const key = stringValue(callArgs(call)[0])?.toLowerCase();
      if (!inst || key === undefined || inst.set.has(key)) continue;
      if (!inst.automaticEnv && !inst.bindEnv.has(key)) continue;
      const method = fn.childForFieldName("field")?.text ?? "";
      const need =
        this.defaultOf(inst, key) || method === "IsSet"
          ? "optional"
          : verdict(flow.of(call, file, VALUE));
      for (const name of this.envNames(inst, key))
        out.read(name, call, need, `${receiver}.${method}("${key}")`);
    }
    for (const inst of this.instances.values()) {
      if (inst.unmarshalIn === file.path)
        for (const r of this.known(inst)) out.result.reads.push(r);
    }
  }

  /** Every key viper knows on this instance, as reads (for Unmarshal / AllSettings). */
  private known(inst: Instance): { name: string; read: CodeRead }[] {
    const keys = new Map<string, { at: Location; optional: boolean }>();
    if (inst.automaticEnv) {
      for (const [key, at] of inst.defaults) keys.set(key, { at, optional: true });
      for (const set of inst.flagSets)
        for (const f of this.flags.get(set) ?? [])
          if (!keys.has(f.name.toLowerCase()))
            keys.set(f.name.toLowerCase(), { at: f.at, optional: true });
    }
    for (const [key, b] of inst.bindEnv)
      if (!keys.has(key)) keys.set(key, { at: b.at, optional: false });
    const out: { name: string; read: CodeRead }[] = [];
    for (const [key, { at, optional }] of keys) {
      if (inst.set.has(key)) continue;
      for (const name of this.envNames(inst, key))
        out.push({
          name,
          read: {
            location: at,
            need: optional ? "optional" : "unknown",
            via: `viper key "${key}" (read by Unmarshal)`,
          },
        });
    }
    return out;
  }
}

function at(file: GoFile, node: Node): Location {
  return { file: file.shown, line: node.startPosition.row + 1 };
}

/** strings.NewReplacer semantics: at each position, the first pair that matches is replaced. */
export function replace(text: string, pairs: [string, string][]): string {
  if (pairs.length === 0) return text;
  let out = "";
  for (let i = 0; i < text.length;) {
    const pair = pairs.find(([from]) => from !== "" && text.startsWith(from, i));
    if (pair) {
      out += pair[1];
      i += pair[0].length;
    } else out += text[i++];
  }
  return out;
}
