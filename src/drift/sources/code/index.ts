/**
 * The `--code` source: which variables the code reads, where, and whether it has a default.
 * With `--entry`, only the modules reachable from the entry points through imports are read, so
 * scripts and other tools in the same tree raise nothing.
 */
import { readFileSync, statSync } from "node:fs";
import { basename, dirname, resolve, sep } from "node:path";
import { inputError } from "../../errors.js";
import type { CodeRead, CodeScan, DynamicRead, Location, SourceSummary } from "../../model.js";
import { displayPath } from "../../text.js";
import {
  goImports,
  goModule,
  goPackageFiles,
  jsImports,
  pythonImports,
  resetImportCache,
} from "./imports.js";
import { goScanner } from "./go/index.js";
import { jsScanner } from "./js/index.js";
import { pythonScanner } from "./python/index.js";
import type { LanguageScanner, PolicyReader, SourceFile } from "./scanner.js";
import type { Grammar, Tree } from "./syntax.js";
import { grammarOf, loadGrammars, parse } from "./syntax.js";
import { isDockerfile, isPrismaSchema, languageOf, walkSources } from "./walk.js";
import { dockerfileEnv } from "./dockerfile.js";
import { prismaReads } from "./js/prisma.js";

export interface CodeOptions {
  cwd: string;
  dirs: string[];
  entries: string[];
  includeTests: boolean;
  /** Wrappers from outside the scanned code, declared in the policy file's `readers`. */
  readers?: readonly PolicyReader[];
  /** `--exclude` globs of code paths not scanned. */
  exclude?: readonly string[];
}

interface Pass<D> {
  scanner: LanguageScanner<D>;
  defs: D;
}

/** The scanners by grammar; each keeps its own project-wide definitions for one check. */
function passes(readers: readonly PolicyReader[]): Map<Grammar, Pass<unknown>> {
  const out = new Map<Grammar, Pass<unknown>>();
  const add = <D>(scanner: LanguageScanner<D>): void => {
    const pass = { scanner, defs: scanner.definitions(readers) } as Pass<unknown>;
    for (const g of scanner.grammars) out.set(g, pass);
  };
  add(pythonScanner);
  add(jsScanner);
  add(goScanner);
  return out;
}

export async function scanCode(
  opts: CodeOptions,
): Promise<{ scan: CodeScan; summary: SourceSummary }> {
  resetImportCache();
  const roots = opts.dirs.map((d) => resolve(opts.cwd, d));
  const walked = new Set<string>();
  roots.forEach((root, i) => {
    const walk = { includeTests: opts.includeTests, exclude: opts.exclude ?? [] };
    for (const f of walkSources(root, opts.dirs[i] ?? root, walk)) walked.add(f);
  });
  const texts = new Map<string, string>();
  const textOf = (file: string): string => {
    let text = texts.get(file);
    if (text === undefined) {
      try {
        text = readFileSync(file, "utf8");
      } catch {
        text = "";
      }
      texts.set(file, text);
    }
    return text;
  };
  const files =
    opts.entries.length > 0
      ? reachable(opts, roots, textOf)
      : [...walked].filter((f) => languageOf(f));
  const reads = new Map<string, CodeRead[]>();
  const dynamic: DynamicRead[] = [];
  const imageDefaults = new Map<string, Location>();
  for (const file of [...walked].filter((f) => isDockerfile(basename(f)))) {
    for (const [name, at] of dockerfileEnv(textOf(file), displayPath(opts.cwd, file))) {
      if (!imageDefaults.has(name)) imageDefaults.set(name, at);
    }
  }
  // Prisma schemas are read in every mode: no import reaches them, the client loads them.
  for (const file of [...walked].filter((f) => isPrismaSchema(f))) {
    for (const { name, read } of prismaReads(textOf(file), displayPath(opts.cwd, file))) {
      const list = reads.get(name);
      if (list) list.push(read);
      else reads.set(name, [read]);
    }
  }
  const byGrammar = passes(opts.readers ?? []);
  const sources: SourceFile[] = [];
  for (const path of files) {
    const grammar = grammarOf(path);
    if (grammar) sources.push({ path, shown: displayPath(opts.cwd, path), text: "", grammar });
  }
  const trees = new Map<SourceFile, Tree>();
  const skipped: string[] = [];
  const treeOf = (file: SourceFile): Tree | undefined => {
    const known = trees.get(file);
    if (known) return known;
    const parsed = parse(file.grammar, file.text);
    if ("skipped" in parsed) {
      skipped.push(`${file.shown} (${parsed.skipped})`);
      return undefined;
    }
    trees.set(file, parsed.tree);
    return parsed.tree;
  };
  try {
    // Pass 1: project-wide definitions (wrappers, settings classes).
    const defining = sources.filter((f) => {
      f.text = textOf(f.path);
      const pass = byGrammar.get(f.grammar) as Pass<unknown>;
      return pass.scanner.mayDefine(f.text, pass.defs);
    });
    await loadGrammars(defining.map((f) => f.grammar));
    for (const file of defining) {
      const pass = byGrammar.get(file.grammar) as Pass<unknown>;
      const tree = treeOf(file);
      if (tree) pass.scanner.define(tree.rootNode, file, pass.defs);
    }
    // Pass 2: the reads, with every definition known.
    const reading = sources.filter((f) => {
      const pass = byGrammar.get(f.grammar) as Pass<unknown>;
      return pass.scanner.mayRead(f.text, pass.defs);
    });
    await loadGrammars(reading.map((f) => f.grammar));
    for (const file of reading) {
      const pass = byGrammar.get(file.grammar) as Pass<unknown>;
      const tree = treeOf(file);
      if (!tree) continue;
      const result = pass.scanner.scan(tree.rootNode, file, pass.defs);
      for (const { name, read } of result.reads) {
        const list = reads.get(name);
        if (list) list.push(read);
        else reads.set(name, [read]);
      }
      dynamic.push(...result.dynamic);
    }
  } finally {
    for (const tree of trees.values()) tree.delete();
  }
  const counted =
    opts.entries.length > 0
      ? `${files.length} files reachable from ${opts.entries.join(", ")}`
      : `${files.length} files`;
  const detail =
    skipped.length === 0
      ? counted
      : `${counted}; ${skipped.length} not read: ${skipped.slice(0, 5).join(", ")}${skipped.length > 5 ? ", …" : ""}`;
  return {
    scan: { reads, dynamic, files: files.filter((f) => languageOf(f)).length, imageDefaults },
    summary: { kind: "code", path: opts.dirs.join(", "), detail },
  };
}

/** Files reachable from the entries through imports, limited to the scanned folders. */
function reachable(opts: CodeOptions, roots: string[], textOf: (f: string) => string): string[] {
  const inside = (f: string) => roots.some((r) => f === r || f.startsWith(r + sep));
  const seen = new Set<string>();
  const queue: string[] = [];
  for (const entry of opts.entries) {
    const abs = resolve(opts.cwd, entry);
    const stat = statSync(abs, { throwIfNoEntry: false });
    if (!stat)
      throw inputError(entry, undefined, "does not exist; --entry takes the service's entry file");
    const start = stat.isDirectory() ? goPackageFiles(abs) : [abs];
    if (start.length === 0 || !start.every((f) => languageOf(f))) {
      throw inputError(
        entry,
        undefined,
        "is not a JavaScript, TypeScript, Python or Go source file",
      );
    }
    queue.push(...start);
    if (abs.endsWith(".go")) queue.push(...goPackageFiles(dirname(abs)));
  }
  const pyRoots = [...roots, ...opts.entries.map((e) => dirname(resolve(opts.cwd, e)))];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = textOf(file);
    const language = languageOf(file);
    const next =
      language === "js"
        ? jsImports(text, file)
        : language === "python"
          ? pythonImports(text, file, pyRoots)
          : language === "go"
            ? goImports(text, goModule(dirname(file)))
            : [];
    for (const n of next) if (!seen.has(n) && inside(n)) queue.push(n);
  }
  return [...seen].sort();
}
