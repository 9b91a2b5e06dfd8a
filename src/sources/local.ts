import { stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { isAbsolute, join, resolve } from "node:path";
import { ModelgateError } from "../errors.js";

/** The models shipped with modelgate (`models/` in the package), addressed as `builtin:NAME`. */
export const BUILTIN_MODELS_DIR = fileURLToPath(new URL("../../models/", import.meta.url));

export type LocalSource = { kind: "builtin"; name: string } | { kind: "local"; path: string };

/**
 * Parses a local source: `builtin:lead-scoring`, `file:///abs/dir`, or a path. Relative paths
 * are made absolute against `cwd` so a registration means the same folder from any directory.
 */
export function parseLocalSource(text: string, cwd: string): LocalSource | undefined {
  if (text.startsWith("builtin:")) {
    const name = text.slice("builtin:".length);
    return /^[a-z0-9][a-z0-9-]*$/.test(name) ? { kind: "builtin", name } : undefined;
  }
  if (text.startsWith("file://")) {
    try {
      return { kind: "local", path: fileURLToPath(text) };
    } catch {
      return undefined; // file://host/... or a relative file URL: not a local folder
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return undefined;
  return { kind: "local", path: isAbsolute(text) ? text : resolve(cwd, text) };
}

export function formatLocalSource(source: LocalSource): string {
  return source.kind === "builtin" ? `builtin:${source.name}` : source.path;
}

/** The folder holding the package; a missing folder is a named, actionable error. */
export async function resolveLocalSource(source: LocalSource, modelId: string): Promise<string> {
  const dir = source.kind === "builtin" ? join(BUILTIN_MODELS_DIR, source.name) : source.path;
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new ModelgateError(
      "source_not_found",
      `Model ${modelId} cannot be served: its folder ${dir} does not exist; restore it or register the model again with \`modelgate models register ${modelId} --source DIR\`.`,
    );
  }
  return dir;
}
