#!/usr/bin/env node
/**
 * Records what was built, for GET /version: the git commit and the build date, written to
 * dist/build-info.json by `npm run build` (and `prepare`). Outside a git checkout (a Docker build
 * context, a tarball) the commit comes from GIT_COMMIT when it is set, else it is "unknown";
 * SOURCE_DATE_EPOCH (reproducible builds) fixes the date. Never fails the build.
 *
 * Usage: node scripts/build-info.mjs [output-file]
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SHA = /^[0-9a-f]{7,40}$/;

function commit() {
  const given = (process.env.GIT_COMMIT ?? "").trim().toLowerCase();
  if (SHA.test(given)) return given;
  try {
    const head = execFileSync("git", ["rev-parse", "HEAD"], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 10_000,
    }).trim();
    return SHA.test(head) ? head : "unknown";
  } catch {
    return "unknown";
  }
}

function builtAt() {
  const epoch = Number(process.env.SOURCE_DATE_EPOCH);
  return Number.isInteger(epoch) && epoch > 0 ? new Date(epoch * 1000) : new Date();
}

const out = resolve(ROOT, process.argv[2] ?? "dist/build-info.json");
const at = builtAt().toISOString();
const info = {
  generated_by: "scripts/build-info.mjs at build time; do not edit",
  git_commit: commit(),
  build_date: at.slice(0, 10),
  built_at: at,
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(info, null, 2)}\n`);
console.log(`build info: ${info.git_commit} ${info.built_at} -> ${out}`);
