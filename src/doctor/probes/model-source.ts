/**
 * What the source probes share: the model's source of one kind (or why there is none to check),
 * and a throw-away cache folder for probeSource / probeMlflow to record what a server said in,
 * never the service's.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Source } from "../../sources/index.js";
import { parseSource } from "../../sources/parse.js";

/** The model's source if it is of `kind`; otherwise why there is none to check (`other` says). */
export function sourceOfKind<K extends Source["kind"]>(
  source: string | null,
  kind: K,
  other: (source: string) => string,
): { source: Extract<Source, { kind: K }> } | { reason: string } {
  if (!source) return { reason: "the model's source is not known (its health could not be read)" };
  let parsed: Source;
  try {
    parsed = parseSource(source, "/");
  } catch {
    return { reason: `the model's source "${source}" could not be read` };
  }
  if (parsed.kind !== kind) return { reason: other(source) };
  return { source: parsed as Extract<Source, { kind: K }> };
}

export async function withScratch<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "modelgate-doctor-"));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
