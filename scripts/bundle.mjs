#!/usr/bin/env node
/**
 * The start-up bundle: src/cli/bin.ts and what it imports, in dist/bundle/ (bin.js and chunks
 * that the CLI's lazy imports load on demand). Node loads ES modules one file at a time, and
 * two dependencies ship as hundreds of small ones (typebox ~370, kysely ~260 at `serve`): read
 * from one bundle they cost ~0.5 s less of the start (bench/memory.mjs reports start-up). Every
 * other dependency stays in node_modules as it is (native add-ons, WebAssembly and files read
 * from their own folders). `npm run build` runs it after tsc; bin/modelgate loads the result.
 *
 * Usage: node scripts/bundle.mjs
 */
import { readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** Pure JavaScript, many ES modules each: what the bundle holds. */
const INLINE = new Set(["typebox", "kysely"]);

const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const outdir = join(ROOT, "dist", "bundle");
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(ROOT, "src", "cli", "bin.ts")],
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: Object.keys(manifest.dependencies).filter((name) => !INLINE.has(name)),
  entryNames: "[name]",
  chunkNames: "chunk-[hash]",
  sourcemap: true,
  logLevel: "warning",
});
