/**
 * A downloaded .tar.gz package → the package folder. Two streaming passes over the archive:
 * the first finds `modelgate.json` (at the root, or in the archive's single top folder), the
 * second extracts only the runtime file the spec names. Nothing else is written; every file goes
 * through a temporary name and is renamed into place once complete.
 */
import { createReadStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { createGunzip } from "node:zlib";
import { ModelgateError } from "../../errors.js";
import type { AtomicFile } from "../cache/files.js";
import { createAtomicFile } from "../cache/files.js";
import type { ManifestFile } from "../cache/store.js";
import { readPackageSpec, runtimeFiles, SPEC_FILE } from "../package-files.js";
import type { ContentSink } from "./tar.js";
import { readTar, TarError } from "./tar.js";

const MAX_SPEC_BYTES = 1024 * 1024;
const SPEC_AT = /^(?:([^/]+)\/)?modelgate\.json$/;

function entries(archive: string): AsyncIterable<Uint8Array> {
  return createReadStream(archive).pipe(createGunzip());
}

/** The folder prefix ("" or "top/") holding modelgate.json, and its bytes. */
async function findSpec(archive: string, where: string): Promise<{ root: string; spec: Buffer }> {
  const found = new Map<string, Buffer[]>();
  await readTar(entries(archive), async (entry) => {
    const m = entry.type === "file" ? SPEC_AT.exec(entry.path) : null;
    if (!m) return null;
    if (entry.size > MAX_SPEC_BYTES) throw new TarError(`${entry.path} is larger than 1 MiB`);
    const root = m[1] ? `${m[1]}/` : "";
    if (found.has(root)) throw new TarError(`the archive holds ${entry.path} twice`);
    const parts: Buffer[] = [];
    found.set(root, parts);
    return { write: async (chunk) => void parts.push(Buffer.from(chunk)), end: async () => {} };
  });
  const root = found.has("") ? "" : found.size === 1 ? [...found.keys()][0] : undefined;
  if (root === undefined || !found.get(root)) {
    throw new ModelgateError(
      found.size === 0 ? "source_not_found" : "model_invalid",
      found.size === 0
        ? `The archive ${where} holds no ${SPEC_FILE} (at its root or in its single top folder): a package is modelgate.json beside its model file.`
        : `The archive ${where} holds several packages (${[...found.keys()].join(", ")}): put one package in it.`,
    );
  }
  return { root, spec: Buffer.concat(found.get(root) ?? []) };
}

/** Extracts the package into `dir` (which must exist); the manifest entries of what it wrote. */
export async function extractPackage(
  archive: string,
  dir: string,
  modelId: string,
  where: string,
): Promise<ManifestFile[]> {
  const { root, spec } = await findSpec(archive, where);
  const specFile = await createAtomicFile(join(dir, SPEC_FILE));
  await specFile.write(spec);
  const files: ManifestFile[] = [{ path: SPEC_FILE, ...(await specFile.commit()) }];
  const parsed = await readPackageSpec(dir, modelId, where);
  const wanted = new Map(runtimeFiles(parsed, modelId, where).map((p) => [`${root}${p}`, p]));
  const open: AtomicFile[] = [];
  const done = new Set<string>();
  try {
    await readTar(entries(archive), async (entry): Promise<ContentSink | null> => {
      const target = entry.type === "file" ? wanted.get(entry.path) : undefined;
      if (target === undefined) return null;
      if (done.has(target)) throw new TarError(`the archive holds ${entry.path} twice`);
      done.add(target);
      await mkdir(dirname(join(dir, target)), { recursive: true });
      const file = await createAtomicFile(join(dir, target));
      open.push(file);
      return {
        write: (chunk) => file.write(chunk),
        end: async () => {
          files.push({ path: target, ...(await file.commit()) });
        },
      };
    });
  } catch (err) {
    await Promise.all(open.map((f) => f.abort()));
    throw err;
  }
  for (const [inArchive, target] of wanted) {
    if (!done.has(target)) {
      throw new ModelgateError(
        "source_not_found",
        `The archive ${where} has no ${inArchive}, which model ${modelId}'s modelgate.json names as its runtime file: add it to the archive.`,
      );
    }
  }
  return files;
}
