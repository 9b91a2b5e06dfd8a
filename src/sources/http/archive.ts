/**
 * A downloaded .tar.gz package → the package folder. Two streaming passes over the archive:
 * the first finds `modelgate.json` (at the root, or in the archive's single top folder), the
 * second extracts only the runtime file the spec names. Nothing else is written; every file goes
 * through a temporary name and is renamed into place once complete. Both passes stop as soon as
 * the decompressed stream outgrows MODEL_MAX_PACKAGE_MB or MODEL_MAX_ARCHIVE_RATIO times what was
 * read (a compression bomb), before it reaches the disk.
 */
import { createReadStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { createGunzip } from "node:zlib";
import { ModelgateError } from "../../errors.js";
import type { AtomicFile } from "../cache/files.js";
import { createAtomicFile } from "../cache/files.js";
import type { ManifestFile } from "../cache/store.js";
import type { SourceLimits } from "../limits.js";
import {
  MAX_SPEC_BYTES,
  mib,
  packageTooLarge,
  RATIO_GRACE_BYTES,
  SourceLimitError,
} from "../limits.js";
import { readPackageSpec, runtimeFiles, SPEC_FILE } from "../package-files.js";
import type { ContentSink } from "./tar.js";
import { readTar, TarError } from "./tar.js";

const SPEC_AT = /^(?:([^/]+)\/)?modelgate\.json$/;

/** The archive's decompressed bytes, stopped at the size and ratio limits. */
async function* inflate(archive: string, limits: SourceLimits): AsyncIterable<Uint8Array> {
  const file = createReadStream(archive);
  let compressed = 0;
  file.on("data", (chunk) => {
    compressed += chunk.length;
  });
  const gunzip = file.pipe(createGunzip());
  file.on("error", (err) => gunzip.destroy(err));
  let out = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      out += chunk.length;
      if (out > limits.maxPackageBytes) {
        throw packageTooLarge("the archive's decompressed content", null, limits.maxPackageBytes);
      }
      if (out > RATIO_GRACE_BYTES && out > compressed * limits.maxArchiveRatio) {
        throw new SourceLimitError(
          `the archive decompresses to more than ${limits.maxArchiveRatio} times its compressed size (${mib(out)} from ${mib(compressed)} read), over MODEL_MAX_ARCHIVE_RATIO (${limits.maxArchiveRatio}); a compression bomb is refused — raise the setting if the package really compresses that well`,
        );
      }
      yield chunk;
    }
  } finally {
    gunzip.destroy();
    file.destroy();
  }
}

function tarLimits(limits: SourceLimits) {
  return { maxEntryBytes: limits.maxPackageBytes };
}

/** The folder prefix ("" or "top/") holding modelgate.json, and its bytes. */
async function findSpec(
  archive: string,
  where: string,
  limits: SourceLimits,
): Promise<{ root: string; spec: Buffer }> {
  const found = new Map<string, Buffer[]>();
  await readTar(
    inflate(archive, limits),
    async (entry) => {
      const m = entry.type === "file" ? SPEC_AT.exec(entry.path) : null;
      if (!m) return null;
      if (entry.size > MAX_SPEC_BYTES) throw new TarError(`${entry.path} is larger than 1 MiB`);
      const root = m[1] ? `${m[1]}/` : "";
      if (found.has(root)) throw new TarError(`the archive holds ${entry.path} twice`);
      const parts: Buffer[] = [];
      found.set(root, parts);
      return { write: async (chunk) => void parts.push(Buffer.from(chunk)), end: async () => {} };
    },
    tarLimits(limits),
  );
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
  limits: SourceLimits,
): Promise<ManifestFile[]> {
  const { root, spec } = await findSpec(archive, where, limits);
  const specFile = await createAtomicFile(join(dir, SPEC_FILE));
  await specFile.write(spec);
  const files: ManifestFile[] = [{ path: SPEC_FILE, ...(await specFile.commit()) }];
  const parsed = await readPackageSpec(dir, modelId, where);
  const wanted = new Map(runtimeFiles(parsed, modelId, where).map((p) => [`${root}${p}`, p]));
  const open: AtomicFile[] = [];
  const done = new Set<string>();
  try {
    let total = spec.length;
    await readTar(
      inflate(archive, limits),
      async (entry): Promise<ContentSink | null> => {
        const target = entry.type === "file" ? wanted.get(entry.path) : undefined;
        if (target === undefined) return null;
        if (done.has(target)) throw new TarError(`the archive holds ${entry.path} twice`);
        done.add(target);
        total += entry.size;
        if (total > limits.maxPackageBytes) {
          throw packageTooLarge("the package's files together", total, limits.maxPackageBytes);
        }
        await mkdir(dirname(join(dir, target)), { recursive: true });
        const file = await createAtomicFile(join(dir, target));
        open.push(file);
        return {
          write: (chunk) => file.write(chunk),
          end: async () => {
            files.push({ path: target, ...(await file.commit()) });
          },
        };
      },
      tarLimits(limits),
    );
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
