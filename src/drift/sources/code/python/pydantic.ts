/**
 * Settings classes project-wide: which classes are (transitively) `BaseSettings` or `BaseModel`
 * subclasses, and the configuration each inherits (env prefix, case sensitivity, pydantic
 * version); then the reads of one file's settings classes.
 */
import type { Need } from "../../../model.js";
import type { ReadCollector } from "../scanner.js";
import { isVarName } from "../scanner.js";
import type { Node } from "../syntax.js";
import type { Bindings } from "./bindings.js";
import type { ClassInfo } from "./settings.js";
import { statements } from "./occurrences.js";
import { classInfo, fields } from "./settings.js";

interface Resolved {
  prefix: string;
  caseSensitive: boolean;
  flavour: "v1" | "v2";
}

export class SettingsIndex {
  private readonly byName = new Map<string, ClassInfo[]>();
  private readonly resolved = new Map<string, Resolved | null>();
  /** Every (transitive) BaseSettings subclass. */
  readonly settings = new Set<string>();
  /** Every (transitive) BaseModel or BaseSettings subclass: a field of such a type is nested. */
  readonly models = new Set<string>();

  constructor(classes: readonly ClassInfo[]) {
    for (const c of classes) {
      const list = this.byName.get(c.name);
      if (list) list.push(c);
      else this.byName.set(c.name, [c]);
    }
    closure(classes, "BaseSettings", this.settings);
    closure(classes, "BaseModel", this.models);
    for (const s of this.settings) this.models.add(s);
  }

  isSettings(info: ClassInfo): boolean {
    return info.bases.some((b) => b === "BaseSettings" || this.settings.has(b));
  }

  /** A class's own configuration over what it inherits from its settings bases. */
  resolve(info: ClassInfo, seen = new Set<string>()): Resolved {
    const inherited = info.bases
      .filter((b) => this.settings.has(b) && !seen.has(b))
      .map((b) => this.named(b, new Set([...seen, info.name])))
      .find((r): r is Resolved => r !== null);
    return {
      prefix: info.prefix ?? inherited?.prefix ?? "",
      caseSensitive: info.caseSensitive ?? inherited?.caseSensitive ?? false,
      flavour: info.flavour ?? inherited?.flavour ?? "v2",
    };
  }

  private named(name: string, seen: Set<string>): Resolved | null {
    if (this.resolved.has(name)) return this.resolved.get(name) ?? null;
    const info = this.byName.get(name)?.find((c) => this.isSettings(c));
    const out = info ? this.resolve(info, seen) : null;
    this.resolved.set(name, out);
    return out;
  }
}

/** Names of classes that reach `root` through their bases. */
function closure(classes: readonly ClassInfo[], root: string, out: Set<string>): void {
  let grew = true;
  while (grew) {
    grew = false;
    for (const c of classes) {
      if (out.has(c.name) || c.name === root) continue;
      if (c.bases.some((b) => b === root || out.has(b))) {
        out.add(c.name);
        grew = true;
      }
    }
  }
}

/** Reports the fields of every settings class this file declares. */
export function scanSettings(
  root: Node,
  text: string,
  b: Bindings,
  index: SettingsIndex,
  collector: ReadCollector,
): void {
  for (const cls of statements(root, text, "class", ["class_definition"])) {
    const header = cls.childForFieldName("superclasses")?.text ?? "";
    const bases = header.match(/\w+/g) ?? [];
    if (!bases.some((n) => n === "BaseSettings" || index.settings.has(n))) continue;
    const info = classInfo(cls, b);
    if (!index.isSettings(info)) continue;
    const config = index.resolve(info);
    for (const field of fields(cls)) {
      const nested = field.typeNames.some((t) => index.models.has(t));
      const need: Need = nested
        ? "unknown"
        : field.hasDefault || (field.optionalType && config.flavour === "v1")
          ? "optional"
          : "required";
      const names = field.names
        .map((n) => (field.aliased ? n : config.prefix + n))
        .map((n) => (config.caseSensitive ? n : n.toUpperCase()))
        .filter(isVarName);
      const [main, ...alternatives] = names;
      if (!main) continue;
      collector.read(main, field.node, need, "pydantic BaseSettings field");
      const last = collector.result.reads[collector.result.reads.length - 1];
      if (last && alternatives.length > 0) last.read.alternatives = alternatives;
    }
  }
}
