/**
 * The contract every language scanner implements. A check runs in two passes over the files
 * the walk found:
 *
 * 1. `define`: every file that passes `mayDefine` (a cheap textual pre-filter) is parsed and
 *    contributes project-wide facts to the language's `Definitions` — the project's own
 *    wrappers around environment reads (`mustEnv(&x, "X")`, `def env(name, default=None)`),
 *    settings classes (pydantic `BaseSettings` subclasses across modules), aliases.
 * 2. `scan`: every file that passes `mayRead(text, defs)` is parsed (the tree from pass 1 is
 *    reused) and its reads are reported, each with its `need` (required / optional / unknown)
 *    decided by what the code does with the value.
 *
 * Comments, strings and docstrings are never reads: scanners walk syntax trees, not text.
 */
import type { CodeRead, DynamicRead, Location, Need } from "../../model.js";
import type { Grammar, Node } from "./syntax.js";

/** A wrapper declared in the policy file: `{"call": "getSetting", "nameArg": 1, "required": true}`. */
export interface PolicyReader {
  /** The function or method name as called: `getSetting`, `config.get`, `utils.MustEnv`. */
  call: string;
  /** Which argument holds the variable's name, counting from 1. */
  nameArg: number;
  /** True when the wrapper fails on an empty value (its reads are required); else optional. */
  required: boolean;
}

/** One file handed to a scanner. */
export interface SourceFile {
  /** Absolute path. */
  path: string;
  /** Path as shown in reports (relative to the working directory, forward slashes). */
  shown: string;
  text: string;
  grammar: Grammar;
}

export interface FileReads {
  reads: { name: string; read: CodeRead }[];
  dynamic: DynamicRead[];
}

export interface LanguageScanner<D> {
  /** The file endings this scanner reads (`.py`; `.ts`, `.tsx`, `.js`, …). */
  readonly grammars: readonly Grammar[];
  /** Fresh project-wide facts, seeded with the policy file's readers. */
  definitions(readers: readonly PolicyReader[]): D;
  /**
   * Pass-1 pre-filter: can this file define a wrapper or a settings class, or read the
   * environment? It may record cheap textual facts in `defs` for a file it does not select
   * (the Python scanner keeps class headers, to follow settings subclasses across modules).
   */
  mayDefine(text: string, defs?: D): boolean;
  /** Pass 1: record what this file defines. */
  define(root: Node, file: SourceFile, defs: D): void;
  /** Pass-2 pre-filter, knowing every definition (a file calling `mustEnv` only). */
  mayRead(text: string, defs: D): boolean;
  /** Pass 2: the reads in this file. */
  scan(root: Node, file: SourceFile, defs: D): FileReads;
}

/** Collects one file's reads with locations taken from syntax nodes. */
export class ReadCollector {
  readonly result: FileReads = { reads: [], dynamic: [] };

  constructor(readonly file: SourceFile) {}

  at(node: Node): Location {
    return { file: this.file.shown, line: node.startPosition.row + 1 };
  }

  read(name: string, node: Node, need: Need, via: string): void {
    this.result.reads.push({ name, read: { location: this.at(node), need, via } });
  }

  dynamicRead(node: Node, text = node.text): void {
    this.result.dynamic.push({
      location: this.at(node),
      text: text.replace(/\s+/g, " ").trim().slice(0, 200),
    });
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Environment variable names a scanner accepts as a literal read. */
export function isVarName(name: string): boolean {
  return NAME.test(name);
}
