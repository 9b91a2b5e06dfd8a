/**
 * The Go code a scan can look into: a package is its whole folder, so what a read does with its
 * value may be decided in a sibling file (a package-level variable checked in main.go, a
 * constant declared in consts.go), and a wrapper may live in another package of the module.
 *
 * Files the check already parsed are reused. Other files of a package are parsed here only when
 * a question needs them, and those trees live for one `scan` call (a "session"): answers are
 * cached as plain data, never as nodes, so nothing outlives its tree.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { goModule } from "../imports.js";
import type { SourceFile } from "../scanner.js";
import type { Node, Tree } from "../syntax.js";
import { parse } from "../syntax.js";

export interface GoFile {
  path: string;
  /** As shown in reports. */
  shown: string;
  text: string;
  root: Node;
}

/**
 * A bound on what one odd package (thousands of generated files) can cost a question: the
 * analysis looks at the first files of a folder in name order, and no further.
 */
const MAX_PACKAGE_FILES = 400;

export class GoWorld {
  /** Trees the check holds (pass 1 and pass 2 files), valid until the check ends. */
  private readonly known = new Map<string, GoFile>();
  /** Trees parsed here for the current scan call; deleted by endSession. */
  private readonly session = new Map<string, { file: GoFile; tree: Tree }>();
  private readonly texts = new Map<string, string>();
  private readonly listings = new Map<string, string[]>();
  private readonly modules = new Map<string, { path: string; root: string } | null>();
  private base: string | undefined;

  register(root: Node, file: SourceFile): GoFile {
    if (this.base === undefined && file.shown !== file.path && file.path.endsWith(file.shown))
      this.base = file.path.slice(0, file.path.length - file.shown.length);
    const known = { path: file.path, shown: file.shown, text: file.text, root };
    this.known.set(file.path, known);
    return known;
  }

  /** The path as reports show it (relative to where the check runs, when it can be told). */
  shownOf(path: string): string {
    return this.base !== undefined && path.startsWith(this.base)
      ? path.slice(this.base.length)
      : path;
  }

  /** The non-test .go files of a package folder. */
  packagePaths(dir: string): string[] {
    let list = this.listings.get(dir);
    if (!list) {
      try {
        list = readdirSync(dir)
          .filter((f) => f.endsWith(".go") && !f.endsWith("_test.go"))
          .sort()
          .slice(0, MAX_PACKAGE_FILES)
          .map((f) => join(dir, f));
      } catch {
        list = [];
      }
      this.listings.set(dir, list);
    }
    return list;
  }

  private textOf(path: string): string {
    const known = this.known.get(path);
    if (known) return known.text;
    let text = this.texts.get(path);
    if (text === undefined) {
      try {
        text = readFileSync(path, "utf8");
      } catch {
        text = "";
      }
      this.texts.set(path, text);
    }
    return text;
  }

  /** A parsed file, from the check's trees or parsed for this session; undefined if unparsable. */
  file(path: string): GoFile | undefined {
    const known = this.known.get(path) ?? this.session.get(path)?.file;
    if (known) return known;
    const text = this.textOf(path);
    const parsed = parse("go", text);
    if ("skipped" in parsed) return undefined;
    const file = { path, shown: this.shownOf(path), text, root: parsed.tree.rootNode };
    this.session.set(path, { file, tree: parsed.tree });
    return file;
  }

  /** The package's files whose text contains `word` (a cheap filter before parsing). */
  filesMentioning(dir: string, word: string): GoFile[] {
    const out: GoFile[] = [];
    for (const path of this.packagePaths(dir)) {
      if (!this.textOf(path).includes(word)) continue;
      const file = this.file(path);
      if (file) out.push(file);
    }
    return out;
  }

  /** The folder of a package of this module imported as `importPath`, seen from `fromDir`. */
  packageDir(importPath: string, fromDir: string): string | undefined {
    let mod = this.modules.get(fromDir);
    if (mod === undefined) {
      mod = goModule(fromDir) ?? null;
      this.modules.set(fromDir, mod);
    }
    if (!mod) return undefined;
    if (importPath !== mod.path && !importPath.startsWith(`${mod.path}/`)) return undefined;
    return join(mod.root, importPath.slice(mod.path.length));
  }

  /** Deletes the trees parsed for this scan call. */
  endSession(): void {
    for (const { tree } of this.session.values()) tree.delete();
    this.session.clear();
  }
}

export function dirOf(file: { path: string }): string {
  return dirname(file.path);
}
