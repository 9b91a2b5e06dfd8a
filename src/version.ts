import { readFileSync } from "node:fs";

export interface VersionInfo {
  name: string;
  version: string;
  node: string;
}

/** Read once from the package manifest, so /version and `--version` never drift from it. */
export function readVersion(): VersionInfo {
  const manifest = JSON.parse(
    readFileSync(new URL("../package.json", import.meta.url), "utf8"),
  ) as {
    name: string;
    version: string;
  };
  return { name: manifest.name, version: manifest.version, node: process.version };
}
