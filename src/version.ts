import { readFileSync, statSync } from "node:fs";
import { packagePath } from "./package-root.js";

/** What was built: recorded by `npm run build` (scripts/build-info.mjs) in dist/build-info.json. */
export interface BuildInfo {
  /** The commit built, or "unknown" (not built from a git checkout, or run from the sources). */
  gitCommit: string;
  /** The build's day, YYYY-MM-DD (UTC), as the seeds' /version gives it; or "unknown". */
  buildDate: string;
  /** The build's moment (ISO 8601); or "unknown". */
  builtAt: string;
}

export interface VersionInfo {
  name: string;
  version: string;
  node: string;
  build: BuildInfo;
}

export const UNKNOWN_BUILD: BuildInfo = Object.freeze({
  gitCommit: "unknown",
  buildDate: "unknown",
  builtAt: "unknown",
});

/** A build-info file is a few hundred bytes; anything larger is not one. */
const MAX_BUILD_INFO_BYTES = 4_096;
const SHA = /^[0-9a-f]{7,40}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The recorded build, field by field "unknown" when absent or malformed; never throws. */
export function readBuildInfo(file: URL | string): BuildInfo {
  let parsed: unknown;
  try {
    if (statSync(file).size > MAX_BUILD_INFO_BYTES) return UNKNOWN_BUILD;
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return UNKNOWN_BUILD;
  }
  if (typeof parsed !== "object" || parsed === null) return UNKNOWN_BUILD;
  const info = parsed as Record<string, unknown>;
  const pick = (value: unknown, ok: (v: string) => boolean) =>
    typeof value === "string" && ok(value) ? value : "unknown";
  return {
    gitCommit: pick(info.git_commit, (v) => SHA.test(v)),
    buildDate: pick(info.build_date, (v) => DAY.test(v)),
    builtAt: pick(info.built_at, (v) => !Number.isNaN(Date.parse(v))),
  };
}

/** Read once from the package manifest, so /version and `--version` never drift from it. */
export function readVersion(): VersionInfo {
  const manifest = JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as {
    name: string;
    version: string;
  };
  return {
    name: manifest.name,
    version: manifest.version,
    node: process.version,
    build: readBuildInfo(packagePath("dist", "build-info.json")),
  };
}
