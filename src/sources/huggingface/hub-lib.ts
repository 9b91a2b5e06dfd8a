/**
 * @huggingface/hub, loaded on the first Hub call rather than at start: it brings ~20 ES modules
 * (hashing and chunking in WebAssembly among them) that a service serving local or MLflow models
 * never needs. Errors from it can only exist once it is loaded, so `loadedHubLib` is enough to
 * recognise them.
 */
import type * as Hub from "@huggingface/hub";

type HubLib = typeof Hub;

let lib: HubLib | undefined;

export async function hubLib(): Promise<HubLib> {
  return (lib ??= await import("@huggingface/hub"));
}

/** The library if a call has loaded it, else undefined (then nothing can be one of its errors). */
export function loadedHubLib(): HubLib | undefined {
  return lib;
}
