/**
 * The Python scanner, on tree-sitter-python syntax trees. Pass 1 records project-wide facts:
 * settings classes and their bases (parsed where a file mentions pydantic settings, class
 * headers read as text elsewhere), the project's wrappers around environment reads, and library
 * instances other modules import (`from .base import env`). Pass 2 reports each file's reads
 * with their need. Parts: ./bindings.ts (imports), ./os-reads.ts, ./libraries.ts,
 * ./need.ts + ./guards.ts + ./classify.ts (required / optional / unknown), ./settings.ts +
 * ./pydantic.ts (BaseSettings), ./wrappers.ts.
 */
import type { FileReads, LanguageScanner, PolicyReader, SourceFile } from "../scanner.js";
import { ReadCollector, isVarName } from "../scanner.js";
import type { Node } from "../syntax.js";
import { stringValue } from "../syntax.js";
import type { Binding, Bindings } from "./bindings.js";
import { fileBindings, moduleTail, readHeads } from "./bindings.js";
import { Classifier } from "./classify.js";
import { libraryRead } from "./libraries.js";
import { NeedAnalysis } from "./need.js";
import type { Read } from "./os-reads.js";
import { headed, identifiersOf } from "./occurrences.js";
import { osRead } from "./os-reads.js";
import { SettingsIndex, scanSettings } from "./pydantic.js";
import type { ClassInfo } from "./settings.js";
import { classInfos, textClassInfos } from "./settings.js";
import { argument, callArgs, dotted, enclosingFunction, parameters, unwrap } from "./tree.js";
import type { DefinedFile, Wrapper } from "./wrappers.js";
import { defineWrappers, moduleOf, resolveForwarders } from "./wrappers.js";
import { wrapperAt, wrapperNeed } from "./wrapper-calls.js";

export interface PythonDefinitions {
  readers: readonly PolicyReader[];
  classes: ClassInfo[];
  wrappers: Wrapper[];
  /** Files parsed in pass 1, searched for wrappers of wrappers when pass 2 starts. */
  defined: DefinedFile[];
  /** Library instances defined in a module, by `module:name` (`base:env`). */
  instances: Map<string, Binding>;
  /** What pass 2 needs, computed once pass 1 is over. */
  ready?: { settings: SettingsIndex; words: string[] };
}

/** Text that may hold a read by the os module or a configuration library. */
function mentionsEnv(text: string): boolean {
  return text.includes("environ") || text.includes("getenv") || text.includes("decouple");
}

function prepare(defs: PythonDefinitions): NonNullable<PythonDefinitions["ready"]> {
  resolveForwarders(defs.wrappers, defs.defined, defs.readers);
  defs.defined = []; // their trees are freed after pass 2: keep no node beyond this point
  const settings = new SettingsIndex(defs.classes);
  const words = new Set<string>();
  for (const name of settings.settings) words.add(`class ${name}`);
  for (const w of defs.wrappers) words.add(`${w.name}(`).add(`${w.name} as `);
  for (const r of defs.readers) words.add(`${moduleTail(r.call)}(`);
  for (const key of defs.instances.keys()) {
    const name = key.slice(key.indexOf(":") + 1);
    words.add(`${name}(`).add(`${name}.`);
  }
  return { settings, words: [...words] };
}

export const pythonScanner: LanguageScanner<PythonDefinitions> = {
  grammars: ["python"],
  definitions: (readers) => ({
    readers,
    classes: [],
    wrappers: [],
    defined: [],
    instances: new Map(),
  }),
  mayDefine(text, defs) {
    if (text.includes("BaseSettings") || text.includes("model_config")) return true;
    if (text.includes("env_prefix")) return true;
    const defines = text.includes("def ") || text.includes("Env(") || text.includes("Config(");
    if (defines && mentionsEnv(text)) return true;
    if (!defs) return text.includes("class ");
    if (text.includes("def ") && defs.readers.some((r) => text.includes(moduleTail(r.call))))
      return true;
    // Class headers by text: enough to follow a settings class's subclasses across modules.
    if (text.includes("class ")) defs.classes.push(...textClassInfos(text));
    return false;
  },
  define(root: Node, file: SourceFile, defs: PythonDefinitions): void {
    const b = fileBindings(root, file.text);
    // Tree-accurate headers where pydantic settings may be declared; text headers elsewhere.
    if (/BaseSettings|model_config|env_prefix/.test(file.text))
      defs.classes.push(...classInfos(root, file.text, b));
    else if (file.text.includes("class ")) defs.classes.push(...textClassInfos(file.text));
    const need = new NeedAnalysis(root, file.text);
    defineWrappers(root, file.text, file.path, b, need, defs.wrappers);
    defs.defined.push({ root, text: file.text, file: file.path, need });
    for (const [name, bound] of b) {
      if (bound.kind === "env" || bound.kind === "decouple")
        defs.instances.set(`${moduleOf(file.path)}:${name}`, bound);
    }
    defs.ready = undefined;
  },
  mayRead(text, defs) {
    defs.ready ??= prepare(defs);
    return mentionsEnv(text) || defs.ready.words.some((w) => text.includes(w));
  },
  scan(root: Node, file: SourceFile, defs: PythonDefinitions): FileReads {
    const ready = (defs.ready ??= prepare(defs));
    const text = file.text;
    const b = fileBindings(root, text, (m, n) => defs.instances.get(`${moduleTail(m)}:${n}`));
    const scan = new FileScan(file, b, defs, new NeedAnalysis(root, text));
    const wrapperNames = new Set(defs.wrappers.map((w) => w.name));
    const words = [
      ...readHeads(b),
      ...wrapperNames,
      // `from app.config import require as must`: calls say `must(...)`.
      ...[...b].flatMap(([local, bound]) =>
        bound.kind === "imported" && wrapperNames.has(bound.name) ? [local] : [],
      ),
      ...defs.readers.map((r) => moduleTail(r.call)),
    ];
    const seen = new Set<number>();
    for (const id of identifiersOf(root, text, words)) {
      const node = headed(id);
      if (!node || seen.has(node.id)) continue;
      seen.add(node.id);
      const read = osRead(node, b) ?? (node.type === "call" ? libraryRead(node, b) : undefined);
      if (read) scan.report(read);
      else if (node.type === "call") scan.call(node);
    }
    if (ready.settings.settings.size > 0 && text.includes("class "))
      scanSettings(root, text, b, ready.settings, scan.collector);
    return scan.collector.result;
  },
};

class FileScan {
  readonly collector: ReadCollector;
  private readonly classifier: Classifier;

  constructor(
    private readonly file: SourceFile,
    private readonly b: Bindings,
    private readonly defs: PythonDefinitions,
    private readonly need: NeedAnalysis,
  ) {
    this.collector = new ReadCollector(file);
    this.classifier = new Classifier(b, need);
  }

  report(read: Read): void {
    const given = read.nameNode ? stringValue(unwrap(read.nameNode)) : read.implicitName;
    const name = given === undefined ? undefined : (read.prefix ?? "") + given;
    if (name === undefined || !isVarName(name)) {
      if (read.kind !== "presence" && !forwarded(read.nameNode))
        this.collector.dynamicRead(read.node);
      return;
    }
    const { need, alternatives } = this.classifier.classify(read, name);
    this.collector.read(name, read.node, need, read.via);
    const last = this.collector.result.reads[this.collector.result.reads.length - 1];
    if (last && alternatives && alternatives.length > 0) last.read.alternatives = alternatives;
  }

  /** A call of a policy reader or of one of the project's wrappers. */
  call(call: Node): void {
    const callee = dotted(call.childForFieldName("function"));
    const reader = this.defs.readers.find((r) => r.call === callee);
    if (reader) {
      const need = reader.required ? "required" : "optional";
      this.named(
        call,
        reader.nameArg - 1,
        undefined,
        `${reader.call}() (policy reader)`,
        () => need,
      );
      return;
    }
    const w = wrapperAt(call, this.b, this.file.path, this.defs.wrappers);
    if (w)
      this.named(call, w.nameIndex, w.nameKeyword, w.via, () => wrapperNeed(w, call, this.need));
  }

  private named(
    call: Node,
    index: number,
    keyword: string | undefined,
    via: string,
    need: () => "required" | "optional" | "unknown",
  ): void {
    const arg = argument(callArgs(call), index, keyword);
    if (!arg) return;
    const name = stringValue(unwrap(arg));
    if (name === undefined || !isVarName(name)) {
      if (!forwarded(arg)) this.collector.dynamicRead(call);
      return;
    }
    this.collector.read(name, call, this.classifier.underCondition(call, name, need()), via);
  }
}

/** A name that is a parameter of the enclosing function: a wrapper, whose calls are the reads. */
function forwarded(node: Node | undefined): boolean {
  const n = node ? unwrap(node) : undefined;
  if (n?.type !== "identifier") return false;
  const fn = enclosingFunction(n);
  return fn !== undefined && parameters(fn).some((p) => p.name === n.text);
}
