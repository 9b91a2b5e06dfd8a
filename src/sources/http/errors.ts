import { ModelgateError } from "../../errors.js";
import { HttpStatusError } from "../net/download.js";
import { IntegrityError, TransportError } from "../net/transport.js";
import { unreachable } from "../huggingface/errors.js";
import { SourceLimitError, tooLargeError } from "../limits.js";
import { TarError } from "./tar.js";

/** A URL as shown in messages: without its query (a signed URL's signature is a secret). */
export function shownUrl(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

/** Maps what fetching an http(s) package can throw for an expected reason; rethrows the rest. */
export function httpError(err: unknown, modelId: string, url: string): ModelgateError {
  if (err instanceof ModelgateError) return err;
  const shown = shownUrl(url);
  if (err instanceof SourceLimitError) return tooLargeError(err, modelId, shown);
  if (err instanceof TransportError) {
    const tries = err.attempts > 1 ? `, ${err.attempts} attempts` : "";
    return unreachable(
      `${shown} could not be reached for model ${modelId}`,
      `${err.reason}${tries}`,
      err.retryAfterS,
    );
  }
  if (err instanceof HttpStatusError) {
    if (err.status === 401 || err.status === 403) {
      return new ModelgateError(
        "source_unauthorized",
        `${shown} refused model ${modelId}'s download (HTTP ${err.status}); modelgate sends no credentials to http(s) sources: publish the package where the service can read it, or host it on the Hugging Face Hub (hf://owner/repo) with HUGGINGFACE_API_KEY.`,
      );
    }
    return new ModelgateError(
      "source_not_found",
      `${shown} answered HTTP ${err.status} for model ${modelId}: the package is not there; check the URL (re-register with \`modelgate models register ${modelId} --source URL\`).`,
    );
  }
  if (err instanceof IntegrityError && err.kind === "hash") {
    return new ModelgateError(
      "model_invalid",
      `Model ${modelId} cannot be served: the archive at ${shown} is not the pinned one (${err.message}). If it changed on purpose, re-register the model with the new #sha256= pin.`,
    );
  }
  if (err instanceof IntegrityError) {
    return unreachable(`${shown} sent an incomplete file for model ${modelId}`, err.message, 30);
  }
  if (err instanceof TarError || (err as NodeJS.ErrnoException | null)?.code?.startsWith("Z_")) {
    const why = err instanceof Error ? err.message : String(err);
    return new ModelgateError(
      "model_invalid",
      `Model ${modelId} cannot be served: ${shown} is not a valid package archive (${why}); a package is a .tar.gz of modelgate.json and its model file.`,
    );
  }
  throw err;
}
