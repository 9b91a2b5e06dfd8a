/**
 * Syntax trees for the code scanners: web-tree-sitter with the grammars' published WebAssembly
 * builds (tree-sitter-python, -go, -javascript, -typescript). One engine for every language,
 * loaded once per process on first use and only for the grammars a check needs.
 *
 * Parsing is bounded: a file larger than MAX_PARSE_BYTES is not parsed (the caller says so), and
 * each parse has a time budget, so a pathological file cannot stall a CI job.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Node, Tree } from "web-tree-sitter";
import { Language, Parser } from "web-tree-sitter";

export type { Node, Tree } from "web-tree-sitter";

export type Grammar = "python" | "go" | "javascript" | "typescript" | "tsx";

/** Files above this size are not parsed: generated bundles and data, never hand-written config. */
export const MAX_PARSE_BYTES = 2 * 1024 * 1024;
/** Per-file parse budget; tree-sitter stops and the file is reported as not parsed. */
export const PARSE_TIMEOUT_MS = 2000;

const WASM: Record<Grammar, [pkg: string, file: string]> = {
  python: ["tree-sitter-python", "tree-sitter-python.wasm"],
  go: ["tree-sitter-go", "tree-sitter-go.wasm"],
  javascript: ["tree-sitter-javascript", "tree-sitter-javascript.wasm"],
  typescript: ["tree-sitter-typescript", "tree-sitter-typescript.wasm"],
  tsx: ["tree-sitter-typescript", "tree-sitter-tsx.wasm"],
};

let init: Promise<void> | undefined;
const languages = new Map<Grammar, Promise<Language>>();
const parsers = new Map<Grammar, Parser>();

function wasmPath(grammar: Grammar): string {
  const [pkg, file] = WASM[grammar];
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve(`${pkg}/package.json`)), file);
}

/** Loads the engine and the named grammars (once per process). */
export async function loadGrammars(needed: Iterable<Grammar>): Promise<void> {
  init ??= Parser.init();
  await init;
  for (const grammar of new Set(needed)) {
    if (parsers.has(grammar)) continue;
    let language = languages.get(grammar);
    if (!language) {
      language = Language.load(wasmPath(grammar));
      languages.set(grammar, language);
    }
    const parser = new Parser();
    parser.setLanguage(await language);
    parsers.set(grammar, parser);
  }
}

export type ParseResult = { tree: Tree } | { skipped: string };

/**
 * Parses one file with a grammar loaded by loadGrammars. The caller must `tree.delete()` when
 * done (the tree lives in WebAssembly memory). A file that is too large or takes too long is
 * `skipped` with the reason, in a clause.
 */
export function parse(grammar: Grammar, text: string): ParseResult {
  const parser = parsers.get(grammar);
  if (!parser) throw new Error(`grammar ${grammar} is not loaded: call loadGrammars first`);
  if (text.length > MAX_PARSE_BYTES)
    return { skipped: `larger than ${MAX_PARSE_BYTES / 1024 / 1024} MiB, not parsed` };
  const deadline = performance.now() + PARSE_TIMEOUT_MS;
  const tree = parser.parse(text, null, {
    progressCallback: () => performance.now() > deadline,
  });
  parser.reset();
  if (!tree) return { skipped: `not parsed within ${PARSE_TIMEOUT_MS} ms` };
  return { tree };
}

/** The grammar for a file name, or undefined for a file no scanner reads. */
export function grammarOf(file: string): Grammar | undefined {
  if (file.endsWith(".py")) return "python";
  if (file.endsWith(".go")) return "go";
  if (file.endsWith(".tsx")) return "tsx";
  if (/\.(?:ts|mts|cts)$/.test(file)) return file.endsWith(".d.ts") ? undefined : "typescript";
  if (/\.(?:js|mjs|cjs|jsx)$/.test(file)) return "javascript";
  return undefined;
}

/** A string literal's value when the node is one with no interpolation, else undefined. */
export function stringValue(node: Node | null | undefined): string | undefined {
  if (!node) return undefined;
  switch (node.type) {
    case "string": {
      // Python and JS: the quotes are children; an interpolation or escape makes it not plain.
      let out = "";
      for (const child of node.namedChildren) {
        if (!child) continue;
        if (child.type === "string_content" || child.type === "string_fragment") out += child.text;
        else if (child.type === "string_start" || child.type === "string_end") continue;
        else return undefined;
      }
      return out;
    }
    case "interpreted_string_literal":
    case "raw_string_literal": {
      const inner = node.text.slice(1, -1);
      return /[\\]/.test(inner) && node.type === "interpreted_string_literal" ? undefined : inner;
    }
    case "template_string":
      return node.namedChildCount === 0 ? node.text.slice(1, -1) : undefined;
    default:
      return undefined;
  }
}
