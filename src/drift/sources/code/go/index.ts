/**
 * The Go scanner, on tree-sitter-go syntax trees.
 *
 * Pass 1 (`define`) reads the files that may define something project-wide: the module's
 * wrappers around `os.Getenv` (wrappers.ts), struct-tag library calls and the structs they read
 * (libraries.ts), viper's settings and pflag definitions (viper.ts). Pass 2 (`scan`) reports
 * direct reads (reads.ts), wrapper and policy-reader calls, library fields and viper keys, each
 * with what the code does when the variable is absent (flow.ts).
 *
 * Pre-filters are plain substring checks, so a large repository pays for parsing only the
 * files that mention the environment.
 */
import type { FileReads, LanguageScanner, PolicyReader, SourceFile } from "../scanner.js";
import { ReadCollector } from "../scanner.js";
import type { Node } from "../syntax.js";
import { Flow } from "./flow.js";
import { Libraries } from "./libraries.js";
import { scanDirectReads } from "./reads.js";
import { Symbols } from "./symbols.js";
import { Viper } from "./viper.js";
import { scanPolicyReaders, Wrappers } from "./wrappers.js";
import { GoWorld } from "./world.js";

export interface GoDefinitions {
  readers: readonly PolicyReader[];
  world: GoWorld;
  flow: Flow;
  wrappers: Wrappers;
  libraries: Libraries;
  viper: Viper;
  /** Set once pass 1 is over and the wrapper chains are closed. */
  closed: boolean;
}

const READS = ["Getenv", "LookupEnv", "ExpandEnv", "os.Expand"];
const LIBRARIES = ["envconfig", "caarlos0/env", 'env:"'];
const VIPER = ["viper", "Flags()", "pflag"];

function mentions(text: string, words: readonly string[]): boolean {
  return words.some((w) => text.includes(w));
}

function definitions(readers: readonly PolicyReader[]): GoDefinitions {
  const world = new GoWorld();
  return {
    readers,
    world,
    flow: new Flow(new Symbols(world)),
    wrappers: new Wrappers(),
    libraries: new Libraries(),
    viper: new Viper(),
    closed: false,
  };
}

function define(root: Node, file: SourceFile, defs: GoDefinitions): void {
  const f = defs.world.register(root, file);
  try {
    if (mentions(f.text, READS)) defs.wrappers.define(f, defs.world);
    if (mentions(f.text, LIBRARIES)) defs.libraries.define(f, defs.flow);
    if (mentions(f.text, VIPER)) defs.viper.define(f, defs.flow.symbols);
  } finally {
    defs.world.endSession();
  }
}

function mayRead(text: string, defs: GoDefinitions): boolean {
  if (!defs.closed) {
    defs.wrappers.close();
    defs.closed = true;
  }
  if (mentions(text, READS) || mentions(text, LIBRARIES)) return true;
  if (defs.viper.active && mentions(text, ["viper", ".Get", "Unmarshal", "AllSettings"]))
    return true;
  for (const name of defs.wrappers.names) if (text.includes(`${name}(`)) return true;
  return defs.readers.some((r) => text.includes(r.call.split(".").at(-1) ?? r.call));
}

function scan(root: Node, file: SourceFile, defs: GoDefinitions): FileReads {
  const f = defs.world.register(root, file);
  const out = new ReadCollector(file);
  try {
    const imports = defs.flow.symbols.importsOf(f);
    scanDirectReads(f, imports, defs.flow, out);
    defs.wrappers.scan(f, defs.flow, out, defs.readers);
    scanPolicyReaders(defs.readers, f, defs.flow, out);
    out.result.reads.push(...(defs.libraries.reads.get(f.path) ?? []), ...defs.libraries.unused(f));
    out.result.dynamic.push(...(defs.libraries.dynamic.get(f.path) ?? []));
    if (defs.viper.active) defs.viper.scan(f, defs.flow, out);
  } finally {
    defs.world.endSession();
  }
  return out.result;
}

export const goScanner: LanguageScanner<GoDefinitions> = {
  grammars: ["go"],
  definitions,
  mayDefine: (text) => mentions(text, READS) || mentions(text, LIBRARIES) || mentions(text, VIPER),
  define,
  mayRead,
  scan,
};
