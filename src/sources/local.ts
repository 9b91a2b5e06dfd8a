import { stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { isAbsolute, join, resolve, sep } from "node:path";
import { isModelgateError, ModelgateError } from "../errors.js";
import { packagePath } from "../package-root.js";
import type { SourceLimits } from "./limits.js";
import {
  DEFAULT_LIMITS,
  MAX_SPEC_BYTES,
  packageTooLarge,
  SourceLimitError,
  tooLargeError,
} from "./limits.js";
import { parsePackageSpec, runtimeFiles, SPEC_FILE } from "./package-files.js";
import {
  checkParents,
  NotRegularFileError,
  openRegularFile,
  readRegularFile,
} from "./safe-file.js";

/** The models shipped with modelgate (`models/` in the package), addressed as `builtin:NAME`. */
export const BUILTIN_MODELS_DIR = packagePath("models") + sep;

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

/**
 * The folder holding the package; a missing folder is a named, actionable error. Its package
 * files are checked as they will be read: regular files only (no link, device or FIFO — a
 * `model.onnx` that became a link to /dev/zero must not be read), within MODEL_MAX_PACKAGE_MB.
 */
export async function resolveLocalSource(
  source: LocalSource,
  modelId: string,
  limits: SourceLimits = DEFAULT_LIMITS,
): Promise<string> {
  const dir = source.kind === "builtin" ? join(BUILTIN_MODELS_DIR, source.name) : source.path;
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new ModelgateError(
      "source_not_found",
      `Model ${modelId} cannot be served: its folder ${dir} does not exist; restore it or register the model again with \`modelgate models register ${modelId} --source DIR\`.`,
    );
  }
  try {
    await checkPackageFiles(dir, modelId, limits);
  } catch (err) {
    if (err instanceof NotRegularFileError) {
      throw new ModelgateError(
        "source_file_refused",
        `Model ${modelId} cannot be served: ${err.message} in its folder ${dir}, and modelgate reads only regular files from a folder source (no links, devices or FIFOs): put the file itself there.`,
        { cause: err },
      );
    }
    if (err instanceof SourceLimitError) throw tooLargeError(err, modelId, dir);
    throw err;
  }
  return dir;
}

/** The spec's bytes, or null when it is missing or unreadable as a spec (the loader says why). */
async function specOf(dir: string, modelId: string) {
  let text: Buffer;
  try {
    text = await readRegularFile(join(dir, SPEC_FILE), MAX_SPEC_BYTES, SPEC_FILE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  try {
    const spec = parsePackageSpec(text.toString("utf8"), modelId, dir);
    return { size: text.length, files: runtimeFiles(spec, modelId, dir) };
  } catch (err) {
    if (isModelgateError(err)) return null;
    throw err;
  }
}

async function checkPackageFiles(dir: string, modelId: string, limits: SourceLimits) {
  const spec = await specOf(dir, modelId);
  if (!spec) return;
  let total = spec.size;
  for (const file of spec.files) {
    await checkParents(dir, file).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    });
    let opened: Awaited<ReturnType<typeof openRegularFile>>;
    try {
      opened = await openRegularFile(join(dir, file));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue; // the loader names it
      throw err;
    }
    await opened.fh.close();
    total += opened.size;
    if (total > limits.maxPackageBytes) {
      throw packageTooLarge(`the package's files together`, total, limits.maxPackageBytes);
    }
  }
}
