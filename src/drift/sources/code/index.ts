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
import { mayReadEnvGo, scanGo } from "./go.js";
import { mayReadEnvJs, scanJs } from "./js.js";
import { classDeclarations, scanPydantic, settingsClosure } from "./pydantic.js";
import { mayReadEnvPython, scanPython } from "./python.js";
import type { FileReads } from "./reads.js";
import { stripComments } from "./strip.js";
import type { Language } from "./walk.js";
import { isDockerfile, languageOf, walkSources } from "./walk.js";
import { dockerfileEnv } from "./dockerfile.js";

export interface CodeOptions {
  cwd: string;
  dirs: string[];
  entries: string[];
  includeTests: boolean;
}

export function scanCode(opts: CodeOptions): { scan: CodeScan; summary: SourceSummary } {
  resetImportCache();
  const roots = opts.dirs.map((d) => resolve(opts.cwd, d));
  const walked = new Set<string>();
  roots.forEach((root, i) => {
    for (const f of walkSources(root, opts.dirs[i] ?? root, { includeTests: opts.includeTests }))
      walked.add(f);
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
  const settings = settingsClosure(
    files.filter((f) => f.endsWith(".py")).flatMap((f) => classDeclarations(textOf(f))),
  );
  const reads = new Map<string, CodeRead[]>();
  const dynamic: DynamicRead[] = [];
  const imageDefaults = new Map<string, Location>();
  for (const file of [...walked].filter((f) => isDockerfile(basename(f)))) {
    for (const [name, at] of dockerfileEnv(textOf(file), displayPath(opts.cwd, file))) {
      if (!imageDefaults.has(name)) imageDefaults.set(name, at);
    }
  }
  for (const file of files) {
    const language = languageOf(file);
    if (!language) continue;
    const result = scanFile(textOf(file), displayPath(opts.cwd, file), language, settings);
    for (const { name, read } of result.reads) {
      const list = reads.get(name);
      if (list) list.push(read);
      else reads.set(name, [read]);
    }
    dynamic.push(...result.dynamic);
  }
  const detail =
    opts.entries.length > 0
      ? `${files.length} files reachable from ${opts.entries.join(", ")}`
      : `${files.length} files`;
  return {
    scan: { reads, dynamic, files: files.filter((f) => languageOf(f)).length, imageDefaults },
    summary: { kind: "code", path: opts.dirs.join(", "), detail },
  };
}

function scanFile(
  text: string,
  shown: string,
  language: Language,
  settings: Set<string>,
): FileReads {
  const empty: FileReads = { reads: [], dynamic: [] };
  if (language === "js")
    return mayReadEnvJs(text) ? scanJs(stripComments(text, "js"), shown) : empty;
  if (language === "go")
    return mayReadEnvGo(text) ? scanGo(stripComments(text, "go"), shown) : empty;
  const hasSettings = settings.size > 0 && [...settings].some((s) => text.includes(s));
  if (!mayReadEnvPython(text) && !hasSettings) return empty;
  const stripped = stripComments(text, "python");
  const result = mayReadEnvPython(text) ? scanPython(stripped, shown) : empty;
  if (!hasSettings) return result;
  const fields = scanPydantic(stripped, shown, settings);
  return { reads: [...result.reads, ...fields.reads], dynamic: result.dynamic };
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
