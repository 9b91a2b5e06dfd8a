/**
 * The seeds' field names on /info and /{id}/health, beside modelgate's own, so their clients
 * keep reading them (docs/http-api.md says what each one means here). Pure functions of the
 * registration; nothing here asks a source.
 */
import type { ModelSpec } from "../../spec/index.js";
import { parseSource } from "../../sources/index.js";

/** What the Hub last said about a repository (recorded by a fetch or probe; never asked here). */
export type Visibility = "public" | "private" | "unknown";

/**
 * Where the package is stored, in the seeds' vocabulary: "huggingface_private" (as their model 21),
 * "huggingface" (public, or not known yet), "local" (a folder or a package shipped with
 * modelgate), "http" (an archive or folder URL), "mlflow" (a models:/ registry version).
 */
export function storageOf(source: string, visibility: Visibility): string {
  let kind: string;
  try {
    kind = parseSource(source, "/").kind;
  } catch {
    // Stored sources are canonical; one that no longer parses is still not a 500 here.
    return "unknown";
  }
  switch (kind) {
    case "huggingface":
      return visibility === "private" ? "huggingface_private" : "huggingface";
    case "http":
      return "http";
    case "mlflow":
      return "mlflow";
    default:
      return "local";
  }
}

/** Whether the storage answer depends on what the Hub said (only Hub sources do). */
export function isHubSource(source: string): boolean {
  try {
    return parseSource(source, "/").kind === "huggingface";
  } catch {
    return false;
  }
}

/** The seeds' `type`: how the model runs (onnx, remote); "unknown" until its package was read. */
export function modelTypeOf(spec: ModelSpec | null): string {
  return spec?.runtime.type ?? "unknown";
}

/**
 * The seeds' `inference_methods`, in their words: "local" (run in this process: ONNX) or "api"
 * (an upstream endpoint: a remote runtime). modelgate serves a model one way: one entry; none
 * until its package was read.
 */
export function inferenceMethodsOf(spec: ModelSpec | null): string[] {
  if (!spec) return [];
  return [spec.runtime.type === "remote" ? "api" : "local"];
}
